"""The one decoding of YOLO-Pose's fields (loss, predict, export) and its inverse."""
import unittest

import torch

from lrfg_mmpose.models.heads import CellPredictions, decode_cells, encode_cells


class TestYOLOPoseCoder(unittest.TestCase):

    def test_hand_values(self):
        # Zero logits: centre 2 * 0.5 - 0.5 = 0.5, size (2 * 0.5)^2 = 1 anchor, keypoints
        # 2 * 0 - 0.5 = -0.5; a keypoint logit of 3 gives (2 * 3 - 0.5) = 5.5 cells.
        fields = torch.zeros(2, 5 + 1 + 3 * 2)
        fields[1, 6] = 3.0
        cells = decode_cells(fields, torch.tensor([4.0, 2.0]))
        torch.testing.assert_close(cells.boxes, torch.tensor([[0.5, 0.5, 4.0, 2.0]] * 2))
        torch.testing.assert_close(cells.keypoints[0], torch.full((2, 2), -0.5))
        self.assertEqual(cells.keypoints[1, 0, 0].item(), 5.5)
        self.assertEqual(cells.keypoint_logits.shape, (2, 2))
        self.assertEqual(cells.cls_logits.shape, (2, 1))

    def test_encode_inverts_decode(self):
        torch.manual_seed(0)
        anchors = torch.rand(5, 2) * 3 + 0.5
        pred = CellPredictions(
            boxes=torch.cat([torch.rand(5, 2) * 1.8 - 0.4, anchors * (torch.rand(5, 2) * 3.5 + 0.2)], 1),
            obj_logits=torch.randn(5), cls_logits=torch.randn(5, 2),
            keypoints=torch.randn(5, 17, 2) * 4, keypoint_logits=torch.randn(5, 17))
        fields = encode_cells(pred, anchors)
        self.assertEqual(fields.shape, (5, 5 + 2 + 3 * 17))
        back = decode_cells(fields, anchors, num_classes=2)
        for a, b in zip(back, pred):
            torch.testing.assert_close(a, b, rtol=1e-4, atol=1e-4)


if __name__ == '__main__':
    unittest.main()
