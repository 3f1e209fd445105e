# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
"""Coordinate attention.

Paper: "Coordinate Attention for Efficient Mobile Network Design", Hou, Zhou and Feng,
CVPR 2021 (https://arxiv.org/abs/2103.02907), Eq. (4)-(9). LRFG-YoloPose uses it inside
the C3 blocks of its backbone (see :class:`SCAC3`).
"""
import torch
import torch.nn as nn
from mmcv.cnn import ConvModule
from mmengine.model import BaseModule
from mmpose.registry import MODELS
from mmpose.utils.typing import ConfigType, OptMultiConfig


@MODELS.register_module()
class CoordAttention(BaseModule):
    """Coordinate attention: ``y = x * g_h * g_w``.

    The input is average-pooled along the width (``C x H x 1``) and along the height
    (``C x 1 x W``), Eq. (4)-(5); both strips go through one shared 1x1 conv to ``mip``
    channels + BN + h-swish, Eq. (6); they are split again and each is mapped back to
    ``C`` channels by its own 1x1 conv with a sigmoid, Eq. (7)-(8); the two gates
    re-weight the input, Eq. (9).

    Args:
        channels (int): Input and output channels ``C``.
        reduction (int): Reduction ratio ``λ``; ``mip = max(min_channels, C // λ)``.
            Defaults to 32.
        min_channels (int): Lower bound of the squeezed width. Defaults to 8.
        norm_cfg (dict): Norm layer of the shared conv. Defaults to BN.
        act_cfg (dict): Activation of the shared conv. Defaults to h-swish.
        init_cfg (dict, optional): Initialisation config. Defaults to None.
    """

    def __init__(self,
                 channels: int,
                 reduction: int = 32,
                 min_channels: int = 8,
                 norm_cfg: ConfigType = dict(type='BN'),
                 act_cfg: ConfigType = dict(type='HSwish'),
                 init_cfg: OptMultiConfig = None):
        super().__init__(init_cfg)
        self.channels = channels
        mip = max(min_channels, channels // reduction)
        # The reference implementation keeps the bias of the shared conv before BN.
        self.conv = ConvModule(channels, mip, 1, bias=True, norm_cfg=norm_cfg, act_cfg=act_cfg)
        self.conv_h = nn.Conv2d(mip, channels, 1)
        self.conv_w = nn.Conv2d(mip, channels, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h, w = x.shape[2:]
        pool_h = x.mean(dim=3, keepdim=True)                  # (B, C, H, 1), Eq. (4)
        pool_w = x.mean(dim=2, keepdim=True).transpose(2, 3)  # (B, C, W, 1), Eq. (5)
        y = self.conv(torch.cat([pool_h, pool_w], dim=2))     # (B, mip, H + W, 1), Eq. (6)
        y_h, y_w = torch.split(y, [h, w], dim=2)              # (B, mip, H, 1), (B, mip, W, 1)
        g_h = self.conv_h(y_h).sigmoid()                      # (B, C, H, 1), Eq. (7)
        g_w = self.conv_w(y_w.transpose(2, 3)).sigmoid()      # (B, C, 1, W), Eq. (8)
        return x * g_h * g_w                                  # Eq. (9)
