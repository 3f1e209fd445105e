import unittest

import torch
import torch.nn.functional as F

from lrfg_mmpose.models.layers import FGCSPP


class TestFGCSPP(unittest.TestCase):

    def test_params_at_width_half(self):
        self.assertEqual(sum(p.numel() for p in FGCSPP(512, 512).parameters()), 7085056)

    def test_shape(self):
        m = FGCSPP(32, 48)
        self.assertEqual(m(torch.randn(2, 32, 7, 5)).shape, (2, 48, 7, 5))

    def test_cascaded_pools_equal_parallel_pools(self):
        """Three cascaded 5x5 pools give exactly the parallel 5/9/13 pools (SPPF == SPP)."""
        torch.manual_seed(0)
        m = FGCSPP(8, 8)
        x = torch.randn(2, 8, 17, 13)
        cascade = [x]
        for _ in range(3):
            cascade.append(m.pool(cascade[-1]))
        for y, k in zip(cascade[1:], (5, 9, 13)):
            torch.testing.assert_close(y, F.max_pool2d(x, k, 1, k // 2), rtol=0, atol=0)


if __name__ == '__main__':
    unittest.main()
