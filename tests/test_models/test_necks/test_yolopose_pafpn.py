import unittest

import torch

from lrfg_mmpose.models.layers import GhostConv
from lrfg_mmpose.models.necks import YOLOPosePAFPN
from tests.helpers import num_params


class TestYOLOPosePAFPN(unittest.TestCase):

    def test_params_match_yolov5s6_layers_12_to_32(self):
        self.assertEqual(num_params(YOLOPosePAFPN(use_ghost=False)), 5986560)
        # GhostConv replaces the six stand-alone convs: 2,395,136 -> 1,218,304.
        self.assertEqual(num_params(YOLOPosePAFPN(use_ghost=True)), 5986560 - 2395136 + 1218304)

    def test_shapes(self):
        for use_ghost in (False, True):
            neck = YOLOPosePAFPN(in_channels=(8, 16, 24, 32), use_ghost=use_ghost)
            sizes = [(16, 24), (8, 12), (4, 6), (2, 3)]
            feats = tuple(torch.randn(2, c, *s) for c, s in zip((8, 16, 24, 32), sizes))
            outs = neck(feats)
            self.assertEqual([tuple(o.shape) for o in outs],
                             [(2, c, *s) for c, s in zip((8, 16, 24, 32), sizes)])
            self.assertEqual(isinstance(neck.lateral_convs[0], GhostConv), use_ghost)

    def test_c3_depth_follows_deepen_factor(self):
        """YOLOv5's head C3s hold 3 bottlenecks at depth 1.0: s6 (0.33) 1, m6 (0.67) 2, l6 3;
        an explicit num_csp_blocks (the converter's) wins."""
        c = (8, 16, 24, 32)
        for deepen, blocks in ((0.33, 1), (0.67, 2), (1.0, 3), (0.1, 1)):
            neck = YOLOPosePAFPN(in_channels=c, deepen_factor=deepen)
            self.assertEqual(len(neck.top_down_blocks[0].blocks), blocks, deepen)
            self.assertEqual(len(neck.bottom_up_blocks[-1].blocks), blocks, deepen)
        neck = YOLOPosePAFPN(in_channels=c, deepen_factor=0.33, num_csp_blocks=2)
        self.assertEqual(len(neck.top_down_blocks[0].blocks), 2)

    def test_wrong_number_of_levels(self):
        neck = YOLOPosePAFPN(in_channels=(8, 16, 24, 32))
        with self.assertRaisesRegex(ValueError, 'out_indices'):
            neck(tuple(torch.randn(1, c, 4, 4) for c in (8, 16, 24)))


if __name__ == '__main__':
    unittest.main()
