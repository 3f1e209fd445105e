import unittest

import torch
import torch.nn as nn

from lrfg_mmpose.models.layers import ImplicitA, ImplicitM, fold_implicit_into_conv


class TestImplicit(unittest.TestCase):

    def test_params_and_init(self):
        torch.manual_seed(0)
        a, m = ImplicitA(1000), ImplicitM(1000)
        self.assertEqual(a.implicit.numel(), 1000)
        self.assertEqual(m.implicit.numel(), 1000)
        self.assertAlmostEqual(a.implicit.mean().item(), 0.0, delta=0.005)
        self.assertAlmostEqual(m.implicit.mean().item(), 1.0, delta=0.005)
        self.assertAlmostEqual(m.implicit.std().item(), 0.02, delta=0.003)

    def test_forward(self):
        a, m = ImplicitA(3), ImplicitM(3)
        x = torch.randn(2, 3, 4, 4)
        torch.testing.assert_close(a(x), x + a.implicit)
        torch.testing.assert_close(m(x), x * m.implicit)

    def test_fold_preserves_outputs(self):
        torch.manual_seed(0)
        conv, a, m = nn.Conv2d(16, 18, 1), ImplicitA(16, std=0.5), ImplicitM(18, std=0.5)
        x = torch.randn(2, 16, 5, 6)
        with torch.no_grad():
            expected = m(conv(a(x)))
            fused = fold_implicit_into_conv(conv, a, m)
            torch.testing.assert_close(fused(x), expected, rtol=1e-5, atol=1e-5)

    def test_fold_rejects_3x3(self):
        with self.assertRaises(ValueError):
            fold_implicit_into_conv(nn.Conv2d(4, 4, 3), ImplicitA(4), ImplicitM(4))


if __name__ == '__main__':
    unittest.main()
