import unittest

import torch

from lrfg_mmpose.models.heads import YOLOPoseHead, assign_level
from tests.helpers import person


class TestYOLOPoseAssigner(unittest.TestCase):

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


if __name__ == '__main__':
    unittest.main()
