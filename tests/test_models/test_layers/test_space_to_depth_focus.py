import unittest

import torch
from mmdet.models.backbones.csp_darknet import Focus

from lrfg_mmpose.models.backbones import SCADKNet
from lrfg_mmpose.models.layers import SpaceToDepthFocus


class TestSpaceToDepthFocus(unittest.TestCase):

    def test_equals_mmdet_focus_with_the_same_weights(self):
        torch.manual_seed(0)
        ours, theirs = SpaceToDepthFocus(3, 8, kernel_size=3), Focus(3, 8, kernel_size=3)
        theirs.load_state_dict(ours.state_dict())  # same parameter names
        ours.eval(), theirs.eval()
        x = torch.randn(2, 3, 64, 96)
        torch.testing.assert_close(ours(x), theirs(x), rtol=0, atol=0)

    def test_is_the_backbone_stem(self):
        self.assertIsInstance(SCADKNet(widen_factor=0.125).stem, SpaceToDepthFocus)


if __name__ == '__main__':
    unittest.main()
