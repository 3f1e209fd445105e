import unittest

import torch
from mmdet.models.layers import CSPLayer

from lrfg_mmpose.models.layers import SCAC3
from tests.helpers import num_params


class TestSCAC3(unittest.TestCase):

    def test_params_replace_3x3_by_attention(self):
        # Layer 8 of YOLOv5s6 at width 0.5: C3(384, n=1) = 665,856; its 3x3 conv
        # (192 -> 192, 332,160) becomes CoordAttention(192, λ=4) (28,176).
        c3 = CSPLayer(384, 384, num_blocks=1)
        self.assertEqual(num_params(c3), 665856)
        sca = SCAC3(384, 384, num_blocks=1, reduction=4, with_conv=True)
        self.assertEqual(num_params(sca), 665856 - 332160 + 28176)
        # The alternative placement: no 1x1 conv, λ = 32, three blocks at width 256.
        sca_alt = SCAC3(256, 256, num_blocks=3, reduction=32, with_conv=False)
        self.assertEqual(num_params(sca_alt), num_params(CSPLayer(256, 256, num_blocks=3)) - 483000)

    def test_forward_shape_and_gradients(self):
        torch.manual_seed(0)
        block = SCAC3(16, 32, num_blocks=2)
        x = torch.randn(2, 16, 9, 11)
        y = block(x)
        self.assertEqual(y.shape, (2, 32, 9, 11))
        y.mean().backward()
        for name, p in block.named_parameters():
            self.assertIsNotNone(p.grad, name)
            self.assertTrue(torch.isfinite(p.grad).all(), name)


if __name__ == '__main__':
    unittest.main()
