# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
"""FGCSPP: parameter count, shapes, and its forward equal to the SPP-CSP block written out by
hand with parallel 5/9/13 pools (the cascade is an implementation choice, not a new block)."""
import torch
import torch.nn.functional as F

from lrfg_mmpose.models.layers import FGCSPP


def spp_csp_by_hand(m: FGCSPP, x: torch.Tensor, order=(5, 9, 13)) -> torch.Tensor:
    """YOLOv7's SPPCSPC from FGCSPP's own convolutions: the pooling branch's 1x1-3x3-1x1,
    the input and its parallel k x k max-pools concatenated, 1x1 and 3x3, then the 1x1
    shortcut beside it and the 1x1 fusion."""
    x1 = m.pre_convs(x)
    pools = [F.max_pool2d(x1, k, stride=1, padding=k // 2) for k in order]
    main = m.post_convs(torch.cat([x1, *pools], dim=1))
    return m.final_conv(torch.cat([main, m.short_conv(x)], dim=1))


def test_params_at_width_half():
    assert sum(p.numel() for p in FGCSPP(512, 512).parameters()) == 7085056


def test_shape():
    assert FGCSPP(32, 48)(torch.randn(2, 32, 7, 5)).shape == (2, 48, 7, 5)


def test_forward_equals_the_parallel_pool_block():
    torch.manual_seed(0)
    m = FGCSPP(8, 12).eval()
    for module in m.modules():  # non-trivial BN statistics, so every layer counts
        if isinstance(module, torch.nn.BatchNorm2d):
            module.running_mean.uniform_(-0.5, 0.5)
            module.running_var.uniform_(0.5, 2.0)
    x = torch.randn(2, 8, 17, 13)
    with torch.no_grad():
        ours = m(x)
        torch.testing.assert_close(ours, spp_csp_by_hand(m, x), rtol=0, atol=1e-6)
        # the check sees the pool order: the same pools concatenated in another order differ
        assert (ours - spp_csp_by_hand(m, x, order=(13, 9, 5))).abs().max() > 1e-3
