import unittest

import torch

from lrfg_mmpose.models.heads import YOLOPoseHead


class TestChannelLayouts(unittest.TestCase):

    def test_channel_layouts_hand_checked(self):
        """Each output channel carries its own index: the reference reads the 18 + 153
        concatenated channels as (3 anchors, 57 fields); per_anchor gives each anchor 6 box-conv
        and 51 keypoint-branch channels."""
        box = torch.arange(18.).view(1, 18, 1, 1)
        kpt = (18 + torch.arange(153.)).view(1, 153, 1, 1)
        ref = YOLOPoseHead(in_channels=(8, 16, 24, 32), channel_layout='reference')
        fields = ref.layout.join(box, kpt)[0, :, 0, 0]  # (A, 57)
        torch.testing.assert_close(fields, torch.arange(171.).view(3, 57))
        # Anchor 0's fields 0-17 come from the box conv; anchors 1 and 2 (box and objectness
        # included) from the keypoint branch (channels 39-95 and 96-152).
        self.assertEqual(fields[1, 4].item(), 18 + 39 + 4)
        per_anchor = YOLOPoseHead(in_channels=(8, 16, 24, 32), channel_layout='per_anchor')
        fields = per_anchor.layout.join(box, kpt)[0, :, 0, 0]
        for a in range(3):
            torch.testing.assert_close(fields[a, :6], torch.arange(6.) + 6 * a)
            torch.testing.assert_close(fields[a, 6:], 18 + 51 * a + torch.arange(51.))
        for head in (ref, per_anchor):
            p = torch.randn(2, 3, 4, 5, 57)
            box_out, kpt_out = head.layout.split(p)
            self.assertEqual((box_out.shape, kpt_out.shape), ((2, 18, 4, 5), (2, 153, 4, 5)))
            torch.testing.assert_close(head.layout.join(*head.layout.split(p)), p)


if __name__ == '__main__':
    unittest.main()
