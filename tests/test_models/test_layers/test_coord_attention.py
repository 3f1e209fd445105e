import unittest

import torch

from lrfg_mmpose.models.layers import CoordAttention
from tests.helpers import num_params


class TestCoordAttention(unittest.TestCase):

    def test_shape_and_params(self):
        # mip = max(8, C / λ); shared conv (with bias) + BN + two 1x1 convs back to C.
        for channels, reduction, expected in [(192, 4, 9264 + 96 + 2 * 9408),
                                              (256, 4, 49856), (128, 32, 3352)]:
            ca = CoordAttention(channels, reduction=reduction)
            self.assertEqual(num_params(ca), expected)
            x = torch.randn(2, channels, 6, 10)
            self.assertEqual(ca(x).shape, x.shape)

    def test_gates_follow_equations(self):
        """y = x * g_h * g_w with g_h depending on rows only and g_w on columns only."""
        torch.manual_seed(0)
        ca = CoordAttention(16, reduction=4).eval()
        x = torch.randn(1, 16, 5, 7)
        with torch.no_grad():
            y = ca(x)
            pooled = torch.cat([x.mean(3, keepdim=True), x.mean(2, keepdim=True).transpose(2, 3)], 2)
            mid = ca.conv(pooled)
            g_h = ca.conv_h(mid[:, :, :5]).sigmoid()
            g_w = ca.conv_w(mid[:, :, 5:].transpose(2, 3)).sigmoid()
        torch.testing.assert_close(y, x * g_h * g_w)
        self.assertEqual(g_h.shape, (1, 16, 5, 1))
        self.assertEqual(g_w.shape, (1, 16, 1, 7))
        self.assertTrue(((y.abs() <= x.abs() + 1e-6)).all())  # sigmoid gates only shrink


if __name__ == '__main__':
    unittest.main()
