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

    def test_wrong_number_of_levels(self):
        neck = YOLOPosePAFPN(in_channels=(8, 16, 24, 32))
        with self.assertRaisesRegex(ValueError, 'out_indices'):
            neck(tuple(torch.randn(1, c, 4, 4) for c in (8, 16, 24)))


if __name__ == '__main__':
    unittest.main()
