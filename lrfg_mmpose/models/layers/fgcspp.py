# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
"""FGCSPP: a cascaded spatial-pyramid-pooling block with a CSP shortcut.

Paper: LRFG-YoloPose (FGCSPP replaces the SPP of YOLOv5s6-pose; README, "Citation"); the
block follows the SPPCSPC design of YOLOv7 (Wang, Bochkovskiy, Liao, "YOLOv7: Trainable
bag-of-freebies sets new state-of-the-art for real-time object detectors", CVPR 2023) with the
parallel 5/9/13 max-pools computed as three cascaded 5x5 pools (SPPF), which give identical
outputs at lower cost.
"""
import torch
import torch.nn as nn
from mmcv.cnn import ConvModule
from mmengine.model import BaseModule
from mmpose.registry import MODELS
from mmpose.utils.typing import ConfigType, OptMultiConfig


@MODELS.register_module()
class FGCSPP(BaseModule):
    """Cascaded SPP with a CSP shortcut branch.

    Pooling branch: 1x1 -> 3x3 -> 1x1 CBS to ``mid``; ``num_pools`` k x k stride-1
    max-pools in series (each on the previous output, receptive fields 5, 9, 13 for
    k=5); concat of the input and the pooled maps (``(num_pools + 1) * mid``) -> 1x1
    CBS -> 3x3 CBS. Shortcut branch: 1x1 CBS. Both branches are concatenated and
    fused by a 1x1 CBS.

    Args:
        in_channels (int): Input channels.
        out_channels (int): Output channels.
        expand_ratio (float): ``mid = int(2 * out_channels * expand_ratio)``.
            Defaults to 0.5 (``mid = out_channels``).
        kernel_size (int): Max-pool kernel. Defaults to 5.
        num_pools (int): Pools in the cascade. Defaults to 3.
        norm_cfg (dict): Norm layer. Defaults to BN (momentum 0.03, eps 0.001).
        act_cfg (dict): Activation. Defaults to SiLU.
        init_cfg (dict, optional): Initialisation config. Defaults to None.
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 expand_ratio: float = 0.5,
                 kernel_size: int = 5,
                 num_pools: int = 3,
                 norm_cfg: ConfigType = dict(type='BN', momentum=0.03, eps=0.001),
                 act_cfg: ConfigType = dict(type='SiLU'),
                 init_cfg: OptMultiConfig = None):
        super().__init__(init_cfg)
        mid = int(2 * out_channels * expand_ratio)
        cfg = dict(norm_cfg=norm_cfg, act_cfg=act_cfg)
        self.num_pools = num_pools
        self.pre_convs = nn.Sequential(
            ConvModule(in_channels, mid, 1, **cfg),
            ConvModule(mid, mid, 3, padding=1, **cfg),
            ConvModule(mid, mid, 1, **cfg))
        self.pool = nn.MaxPool2d(kernel_size, stride=1, padding=kernel_size // 2)
        self.post_convs = nn.Sequential(
            ConvModule((num_pools + 1) * mid, mid, 1, **cfg),
            ConvModule(mid, mid, 3, padding=1, **cfg))
        self.short_conv = ConvModule(in_channels, mid, 1, **cfg)
        self.final_conv = ConvModule(2 * mid, out_channels, 1, **cfg)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        pooled = [self.pre_convs(x)]
        for _ in range(self.num_pools):
            pooled.append(self.pool(pooled[-1]))
        main = self.post_convs(torch.cat(pooled, dim=1))  # (B, (num_pools + 1) * mid, H, W)
        return self.final_conv(torch.cat([main, self.short_conv(x)], dim=1))  # (B, 2 * mid, H, W)
