import math
import unittest
from unittest import mock

import torch
from mmengine.structures import InstanceData
from mmpose.structures import PoseDataSample

from lrfg_mmpose.models.heads import (YOLOPoseHead, assign_level, complete_iou, oks_keypoint_loss,
                                      scale_normalised_l1_loss)
from tests.helpers import num_params, perfect_outputs

INPUT = 256  # input size used by these tests
STRIDES = (8, 16, 32, 64)
K = 17


def make_sample(bboxes, keypoints, visible):
    sample = PoseDataSample(metainfo=dict(input_size=(INPUT, INPUT)))
    sample.gt_instance_labels = InstanceData(
        bboxes=torch.as_tensor(bboxes, dtype=torch.float32).reshape(-1, 4),
        keypoints=torch.as_tensor(keypoints, dtype=torch.float32).reshape(-1, K, 2),
        keypoints_visible=torch.as_tensor(visible, dtype=torch.float32).reshape(-1, K))
    return sample


def person():
    """One person: box centre (99, 101), 40 x 80, keypoints on a grid inside it."""
    box = torch.tensor([[79., 61., 119., 141.]])
    xs = torch.linspace(82, 116, K)
    ys = torch.linspace(64, 138, K)
    kpts = torch.stack([xs, ys], dim=1)[None]
    vis = torch.ones(1, K)
    vis[0, 3] = 0  # one unlabelled keypoint
    return box, kpts, vis


class TestYOLOPoseHead(unittest.TestCase):

    def test_params_match_design(self):
        # box convs 23,112 + keypoint branches 2,751,332; implicit adds 1,280 + 4 x 18.
        for layout in ('reference', 'per_anchor'):
            self.assertEqual(num_params(YOLOPoseHead(use_implicit=False, channel_layout=layout)),
                             2774444)
            self.assertEqual(num_params(YOLOPoseHead(use_implicit=True, channel_layout=layout)),
                             2774444 + 1352)

    def test_channel_layouts_hand_checked(self):
        """Each output channel carries its own index: the reference reads the 18 + 153
        concatenated channels as (3 anchors, 57 fields); per_anchor gives each anchor 6 box-conv
        and 51 keypoint-branch channels."""
        box = torch.arange(18.).view(1, 18, 1, 1)
        kpt = (18 + torch.arange(153.)).view(1, 153, 1, 1)
        ref = YOLOPoseHead(in_channels=(8, 16, 24, 32), channel_layout='reference')
        fields = ref.join_outputs(box, kpt)[0, :, 0, 0]  # (A, 57)
        torch.testing.assert_close(fields, torch.arange(171.).view(3, 57))
        # Anchor 0's fields 0-17 come from the box conv; anchors 1 and 2 (box and objectness
        # included) from the keypoint branch (channels 39-95 and 96-152).
        self.assertEqual(fields[1, 4].item(), 18 + 39 + 4)
        per_anchor = YOLOPoseHead(in_channels=(8, 16, 24, 32), channel_layout='per_anchor')
        fields = per_anchor.join_outputs(box, kpt)[0, :, 0, 0]
        for a in range(3):
            torch.testing.assert_close(fields[a, :6], torch.arange(6.) + 6 * a)
            torch.testing.assert_close(fields[a, 6:], 18 + 51 * a + torch.arange(51.))
        for head in (ref, per_anchor):
            p = torch.randn(2, 3, 4, 5, 57)
            box_out, kpt_out = head.split_outputs(p)
            self.assertEqual((box_out.shape, kpt_out.shape), ((2, 18, 4, 5), (2, 153, 4, 5)))
            torch.testing.assert_close(head.join_outputs(*head.split_outputs(p)), p)

    def test_layout_is_saved_checked_on_load_and_kept_by_ema(self):
        from mmpose.engine.hooks.ema_hook import ExpMomentumEMA
        ref = YOLOPoseHead(in_channels=(8, 16, 24, 32), channel_layout='reference')
        per_anchor = YOLOPoseHead(in_channels=(8, 16, 24, 32), channel_layout='per_anchor')
        self.assertEqual(ref.state_dict()['channel_layout_code'].item(), 0)
        self.assertEqual(per_anchor.state_dict()['channel_layout_code'].item(), 1)
        with self.assertRaisesRegex(ValueError, "trained with channel_layout='per_anchor'"):
            ref.load_state_dict(per_anchor.state_dict())
        ref.load_state_dict(YOLOPoseHead(in_channels=(8, 16, 24, 32)).state_dict())
        # MMEngine's EMA (update_buffers=True, as the paper config) runs over every state entry.
        ema = ExpMomentumEMA(per_anchor, momentum=0.5, update_buffers=True)
        for _ in range(3):
            ema.update_parameters(per_anchor)
        self.assertEqual(ema.module.channel_layout_code.item(), 1)

    def test_prior_biases_where_each_layout_puts_them(self):
        torch.manual_seed(0)
        for layout in ('reference', 'per_anchor'):
            head = YOLOPoseHead(in_channels=(8, 16, 24, 32), channel_layout=layout)
            head.init_weights()
            for level, stride in enumerate(STRIDES):
                box_conv, kpt_conv = head.box_convs[level], head.kpt_convs[level][-1]
                bound = 1 / math.sqrt(box_conv.in_channels)
                obj_prior = math.log(8 / (640 / stride)**2)
                cls_prior = math.log(0.6 / 0.01)
                fields = head.join_outputs(box_conv.bias.view(1, -1, 1, 1),
                                           kpt_conv.bias.view(1, -1, 1, 1))[0, :, 0, 0]
                if layout == 'reference':
                    # Box-conv biases read as (3, 6): the priors land on channels 4/10/16
                    # (obj) and 5/11/17 (cls), i.e. anchor 0's obj and cls and keypoint
                    # fields 10, 11, 16, 17 of anchor 0; all else keeps PyTorch's default
                    # U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
                    rest = torch.ones(18, dtype=torch.bool)
                    rest[[4, 5, 10, 11, 16, 17]] = False
                    b = box_conv.bias.detach()
                    self.assertTrue(((b[[4, 10, 16]] - obj_prior).abs() <= bound).all())
                    self.assertTrue(((b[[5, 11, 17]] - cls_prior).abs() <= bound).all())
                    self.assertTrue((b[rest].abs() <= bound).all() and (b[rest] != 0).all())
                    self.assertTrue((fields[1:, 4].abs() <= bound).all())  # anchors 1, 2: no prior
                    kb = kpt_conv.bias.detach()
                    self.assertTrue((kb.abs() <= 1 / math.sqrt(kpt_conv.in_channels)).all())
                    self.assertTrue((kb != 0).all())
                else:
                    torch.testing.assert_close(fields[:, 4], torch.full((3, ), obj_prior))
                    torch.testing.assert_close(fields[:, 5], torch.full((3, ), cls_prior))
                    self.assertEqual(fields[:, :4].abs().sum().item(), 0)
                    self.assertEqual(fields[:, 6:].abs().sum().item(), 0)

    def test_forward_shapes(self):
        head = YOLOPoseHead(in_channels=(8, 16, 24, 32))
        feats = [torch.randn(2, c, INPUT // s, INPUT // s) for c, s in zip((8, 16, 24, 32), STRIDES)]
        box_outs, kpt_outs = head(feats)
        for b, k, s in zip(box_outs, kpt_outs, STRIDES):
            self.assertEqual(b.shape, (2, 3 * 6, INPUT // s, INPUT // s))
            self.assertEqual(k.shape, (2, 3 * 51, INPUT // s, INPUT // s))

    def test_assignment_hand_computed(self):
        head = YOLOPoseHead(in_channels=(8, 16, 24, 32))
        box, kpts, _ = person()
        cxcywh = torch.tensor([[99., 101., 40., 80.]])
        # P3: centre (12.375, 12.625) cells; x in the left half -> left neighbour (11, 12);
        # y in the lower half -> the cell below (12, 13). All 3 anchors have ratios < 4.
        t = assign_level(torch.zeros(1, dtype=torch.long), cxcywh, kpts, head.anchors[0], 8, (32, 32))
        cells = sorted(set(zip(t.grid_x.tolist(), t.grid_y.tolist())))
        self.assertEqual(cells, [(11, 12), (12, 12), (12, 13)])
        self.assertEqual(sorted(set(t.anchor_inds.tolist())), [0, 1, 2])
        self.assertEqual(len(t.img_inds), 9)
        own = (t.grid_x == 12) & (t.grid_y == 12)
        torch.testing.assert_close(t.boxes[own][0], torch.tensor([0.375, 0.625, 5.0, 10.0]))
        left = (t.grid_x == 11)
        torch.testing.assert_close(t.boxes[left][0, :2], torch.tensor([1.375, 0.625]))
        torch.testing.assert_close(t.keypoints[own][0, 0], torch.tensor([82 / 8 - 12, 64 / 8 - 12]))
        # P4: anchor (180, 137) has 180 / 40 = 4.5 > 4 and is not used.
        t4 = assign_level(torch.zeros(1, dtype=torch.long), cxcywh, kpts, head.anchors[1], 16, (16, 16))
        self.assertEqual(sorted(set(t4.anchor_inds.tolist())), [0, 1])

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

    def test_kpt_l1_loss_is_opt_in(self):
        torch.manual_seed(0)
        feats = [torch.randn(1, c, INPUT // s, INPUT // s) for c, s in zip((8, 16, 24, 32), STRIDES)]
        samples = [make_sample(*person())]
        paper = YOLOPoseHead(in_channels=(8, 16, 24, 32))
        self.assertNotIn('loss_kpt_l1', paper.loss(feats, samples))
        weights = dict(paper.loss_weights, kpt_l1=0.1)
        head = YOLOPoseHead(in_channels=(8, 16, 24, 32), loss_weights=weights)
        head.load_state_dict(paper.state_dict())
        losses = head.loss(feats, samples)
        self.assertGreater(losses['loss_kpt_l1'].item(), 0)
        torch.testing.assert_close(losses['loss_kpt'], paper.loss(feats, samples)['loss_kpt'])

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

    def test_perfect_prediction_decodes_to_person_and_zero_loss(self):
        for layout in ('reference', 'per_anchor'):
            with self.subTest(layout=layout):
                self._check_perfect_prediction(layout)

    def _check_perfect_prediction(self, layout):
        head = YOLOPoseHead(in_channels=(8, 16, 24, 32), channel_layout=layout)
        box, kpts, vis = person()
        outputs = perfect_outputs(head, box, kpts, vis, (INPUT, INPUT))
        sample = make_sample(box, kpts, vis)
        with mock.patch.object(head, 'forward', return_value=outputs):
            preds = head.predict(None, [sample], dict(score_thr=0.5, nms_thr=0.65))
            losses = head.loss(None, [sample])
        self.assertEqual(len(preds), 1)
        pred = preds[0]
        self.assertEqual(len(pred.bboxes), 1)
        torch.testing.assert_close(torch.from_numpy(pred.bboxes), box, atol=1e-3, rtol=0)
        torch.testing.assert_close(torch.from_numpy(pred.keypoints), kpts, atol=1e-3, rtol=0)
        self.assertEqual(pred.keypoints.shape, (1, K, 2))
        self.assertEqual(pred.keypoint_scores.shape, (1, K))
        self.assertLess(pred.keypoint_scores[0, 3], 1e-4)  # the unlabelled keypoint
        self.assertGreater(pred.bbox_scores[0], 0.99)
        self.assertLess(losses['loss_bbox'].item(), 1e-5)
        self.assertLess(losses['loss_kpt'].item(), 1e-6)
        self.assertEqual(set(losses), {'loss_bbox', 'loss_obj', 'loss_kpt', 'loss_vis'})

    def test_loss_gradients_and_empty_images(self):
        torch.manual_seed(0)
        head = YOLOPoseHead(in_channels=(8, 16, 24, 32))
        head.init_weights()
        feats = [torch.randn(2, c, INPUT // s, INPUT // s) for c, s in zip((8, 16, 24, 32), STRIDES)]
        box, kpts, vis = person()
        samples = [make_sample(box, kpts, vis), make_sample(torch.zeros(0, 4), torch.zeros(0, K, 2),
                                                            torch.zeros(0, K))]
        losses = head.loss(feats, samples)
        total = sum(losses.values())
        self.assertTrue(torch.isfinite(total))
        total.backward()
        for name, p in head.named_parameters():
            self.assertIsNotNone(p.grad, name)
            self.assertTrue(torch.isfinite(p.grad).all(), name)
        # A batch without any person: only objectness, no NaN.
        empty = [make_sample(torch.zeros(0, 4), torch.zeros(0, K, 2), torch.zeros(0, K))]
        losses = head.loss([f[:1] for f in feats], empty)
        self.assertGreater(losses['loss_obj'].item(), 0)
        self.assertEqual(losses['loss_bbox'].item(), 0)
        self.assertTrue(all(torch.isfinite(v) for v in losses.values()))

    def test_switch_to_deploy_folds_implicit(self):
        torch.manual_seed(0)
        head = YOLOPoseHead(in_channels=(8, 16, 24, 32), use_implicit=True).eval()
        for m in list(head.implicit_a) + list(head.implicit_m):
            m.implicit.data.normal_(0.5, 0.3)
        feats = [torch.randn(1, c, INPUT // s, INPUT // s) for c, s in zip((8, 16, 24, 32), STRIDES)]
        with torch.no_grad():
            before = head(feats)
            head.switch_to_deploy(None)
            after = head(feats)
        self.assertFalse(hasattr(head, 'implicit_a'))
        for b, a in zip(before[0] + before[1], after[0] + after[1]):
            torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-5)


if __name__ == '__main__':
    unittest.main()
