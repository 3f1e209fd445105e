# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
"""SCA: the C3 (CSP bottleneck) block with coordinate attention in its bottlenecks.

Paper: LRFG-YoloPose (SCADK-Net backbone; README, "Citation"); coordinate attention from Hou,
Zhou, Feng, "Coordinate Attention for Efficient Mobile Network Design", CVPR 2021, Eq. (4)-(9).
"""
import torch
import torch.nn as nn
from mmcv.cnn import ConvModule
from mmengine.model import BaseModule
from mmpose.registry import MODELS
from mmpose.utils.typing import ConfigType, OptMultiConfig

from .coord_attention import CoordAttention


class SCABottleneck(BaseModule):
    """Residual coordinate-attention bottleneck.

    ``with_conv=True``: ``x + CA(CBS1x1(x))`` (the 3x3 conv of the YOLOv5 bottleneck
    is replaced by coordinate attention). ``with_conv=False``: ``x + CA(x)``.
    """

    def __init__(self,
                 channels: int,
                 reduction: int,
                 with_conv: bool,
                 norm_cfg: ConfigType,
                 act_cfg: ConfigType,
                 init_cfg: OptMultiConfig = None):
        super().__init__(init_cfg)
        self.conv = ConvModule(channels, channels, 1, norm_cfg=norm_cfg,
                               act_cfg=act_cfg) if with_conv else nn.Identity()
        self.attention = CoordAttention(channels, reduction=reduction)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.attention(self.conv(x))


@MODELS.register_module()
class SCAC3(BaseModule):
    """C3 block whose bottlenecks use coordinate attention instead of a 3x3 conv.

    Keeps the three 1x1 convs of a C3 (``main_conv``/``short_conv`` to ``C/2``,
    ``final_conv`` back to ``C``) so that it is a drop-in for mmdet's ``CSPLayer``; the
    ``num_blocks`` bottlenecks on the main path are :class:`SCABottleneck`. Replacing
    each 3x3 conv by attention is why SCA *lowers* the parameter count.

    Args:
        in_channels (int): Input channels.
        out_channels (int): Output channels.
        expand_ratio (float): Hidden width ratio. Defaults to 0.5.
        num_blocks (int): Number of bottlenecks. Defaults to 1.
        reduction (int): Coordinate attention reduction ``λ``. Defaults to 4.
        with_conv (bool): Keep the 1x1 conv of each bottleneck before the attention.
            Defaults to True.
        norm_cfg (dict): Norm layer. Defaults to BN (momentum 0.03, eps 0.001).
        act_cfg (dict): Activation. Defaults to SiLU.
        init_cfg (dict, optional): Initialisation config. Defaults to None.
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 expand_ratio: float = 0.5,
                 num_blocks: int = 1,
                 reduction: int = 4,
                 with_conv: bool = True,
                 norm_cfg: ConfigType = dict(type='BN', momentum=0.03, eps=0.001),
                 act_cfg: ConfigType = dict(type='SiLU'),
                 init_cfg: OptMultiConfig = None):
        super().__init__(init_cfg)
        mid = int(out_channels * expand_ratio)
        cfg = dict(norm_cfg=norm_cfg, act_cfg=act_cfg)
        self.main_conv = ConvModule(in_channels, mid, 1, **cfg)
        self.short_conv = ConvModule(in_channels, mid, 1, **cfg)
        self.final_conv = ConvModule(2 * mid, out_channels, 1, **cfg)
        self.blocks = nn.Sequential(*[
            SCABottleneck(mid, reduction, with_conv, **cfg) for _ in range(num_blocks)
        ])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        main = self.blocks(self.main_conv(x))
        return self.final_conv(torch.cat([main, self.short_conv(x)], dim=1))  # (B, 2*mid, H, W)
