import math
import unittest

import torch

from lrfg_mmpose.models.heads import complete_iou, oks_keypoint_loss, scale_normalised_l1_loss


class TestYOLOPoseLosses(unittest.TestCase):

    def test_oks_loss_hand_computed(self):
        pred = torch.tensor([[[2.0, 0.0], [5.0, 5.0]], [[0.0, 3.0], [1.0, 1.0]]])
        target = torch.zeros(2, 2, 2)
        labelled = torch.tensor([[1.0, 0.0], [1.0, 1.0]])
        areas = torch.tensor([100.0, 50.0])
        sigmas = torch.tensor([0.5, 0.25])
        expected = ((1 - math.exp(-4 / (100 * 4 * 0.25))) + (1 - math.exp(-9 / (50 * 4 * 0.25)))
                    + (1 - math.exp(-2 / (50 * 4 * 0.0625)))) / 3
        self.assertAlmostEqual(oks_keypoint_loss(pred, target, labelled, areas, sigmas).item(),
                               expected, places=6)
        self.assertEqual(oks_keypoint_loss(pred, target, torch.zeros(2, 2), areas, sigmas).item(), 0)

    def test_scale_normalised_l1_hand_computed(self):
        pred = torch.tensor([[[2.0, 0.0], [5.0, 5.0]], [[0.0, 3.0], [1.0, -1.0]]])
        target = torch.zeros(2, 2, 2)
        labelled = torch.tensor([[1.0, 0.0], [1.0, 1.0]])
        areas = torch.tensor([100.0, 25.0])
        expected = (2 / 10 + 3 / 5 + 2 / 5) / 3
        self.assertAlmostEqual(
            scale_normalised_l1_loss(pred, target, labelled, areas).item(), expected, places=6)

    def test_far_keypoint_gradient_oks_vanishes_l1_does_not(self):
        # An eye (sigma 0.025) predicted 3 cells from its target on a 5 x 9 cell person:
        # exp(-9 / (45 * 4 * 0.025^2)) = exp(-80) -> the OKS loss gives no usable gradient.
        sigmas = torch.tensor([0.025])
        target, labelled, areas = torch.zeros(1, 1, 2), torch.ones(1, 1), torch.tensor([45.0])
        grads = []
        for loss_fn in (lambda p: oks_keypoint_loss(p, target, labelled, areas, sigmas),
                        lambda p: scale_normalised_l1_loss(p, target, labelled, areas)):
            pred = torch.tensor([[[0.0, -3.0]]], requires_grad=True)
            loss_fn(pred).backward()
            grads.append(pred.grad[0, 0, 1].item())
        self.assertLess(abs(grads[0]), 1e-30)
        self.assertAlmostEqual(grads[1], -1 / math.sqrt(45.0), places=6)

    def test_complete_iou_hand_computed(self):
        # Same centre and shape: CIoU = IoU = 1 (no NaN). Boxes 2x2 at (0, 0) and (1, 0):
        # IoU = 2 / 6, rho^2 = 1, enclosing box 3 x 2 -> c^2 = 13, v = 0.
        pred = torch.tensor([[0.0, 0.0, 2.0, 2.0], [0.0, 0.0, 2.0, 2.0]])
        target = torch.tensor([[0.0, 0.0, 2.0, 2.0], [1.0, 0.0, 2.0, 2.0]])
        torch.testing.assert_close(complete_iou(pred, target), torch.tensor([1.0, 2 / 6 - 1 / 13]))
        # Same centre, 2x2 vs 2x4: IoU = 0.5, rho = 0, v = 4/pi^2 (atan 0.5 - atan 1)^2.
        v = 4 / math.pi**2 * (math.atan(0.5) - math.atan(1.0))**2
        expected = 0.5 - v * v / (v - 0.5 + 1)
        ciou = complete_iou(torch.tensor([[0.0, 0.0, 2.0, 2.0]]), torch.tensor([[0.0, 0.0, 2.0, 4.0]]))
        self.assertAlmostEqual(ciou.item(), expected, places=5)


if __name__ == '__main__':
    unittest.main()
