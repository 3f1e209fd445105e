import unittest

import torch
from mmcv.cnn import ConvModule

from lrfg_mmpose.models.layers import GhostConv
from tests.helpers import num_params


class TestGhostConv(unittest.TestCase):

    def test_params(self):
        # Lateral 512 -> 384 (1x1): primary 512 -> 192 (98,688) + depthwise 5x5 on 192 (5,184).
        self.assertEqual(num_params(GhostConv(512, 384, 1)), 103872)
        # Downsample 384 -> 384 (3x3 s2): 663,936 + 5,184.
        self.assertEqual(num_params(GhostConv(384, 384, 3, stride=2, padding=1)), 669120)

    def test_same_call_signature_as_conv_module(self):
        x = torch.randn(2, 16, 10, 12)
        kwargs = dict(stride=2, padding=1, norm_cfg=dict(type='BN'), act_cfg=dict(type='SiLU'))
        self.assertEqual(GhostConv(16, 24, 3, **kwargs)(x).shape,
                         ConvModule(16, 24, 3, **kwargs)(x).shape)

    def test_second_half_is_cheap_op_of_first(self):
        m = GhostConv(4, 8, 1).eval()
        x = torch.randn(1, 4, 6, 6)
        with torch.no_grad():
            y = m(x)
            torch.testing.assert_close(y[:, 4:], m.cheap_conv(y[:, :4]))

    def test_odd_width_rejected(self):
        with self.assertRaisesRegex(ValueError, 'even'):
            GhostConv(4, 7, 1)


if __name__ == '__main__':
    unittest.main()
