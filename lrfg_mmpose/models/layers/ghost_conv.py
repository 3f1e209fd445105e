# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
"""GhostConv.

Paper: "GhostNet: More Features from Cheap Operations", Han et al., CVPR 2020
(https://arxiv.org/abs/1911.11907), Eq. (2)-(3); the two-conv form used by YOLOv5.
LRFG-YoloPose uses it for the stand-alone convs of its PANet.
"""
import torch
from mmcv.cnn import ConvModule
from mmengine.model import BaseModule
from mmpose.registry import MODELS
from mmpose.utils.typing import ConfigType, OptConfigType, OptMultiConfig


@MODELS.register_module()
class GhostConv(BaseModule):
    """A primary conv to half the output width, plus a cheap depthwise conv on it.

    Takes the arguments of ``mmcv.cnn.ConvModule`` so that a block switches with one
    line (``conv = GhostConv if use_ghost else ConvModule``).

    Args:
        in_channels (int): Input channels.
        out_channels (int): Output channels (even).
        kernel_size (int): Kernel of the primary conv.
        stride (int): Stride of the primary conv. Defaults to 1.
        padding (int, optional): Padding of the primary conv. Defaults to
            ``kernel_size // 2``.
        cheap_kernel_size (int): Kernel of the depthwise "cheap operation", Eq. (3).
            Defaults to 5.
        conv_cfg (dict, optional): Conv layer config. Defaults to None.
        norm_cfg (dict): Norm layer. Defaults to BN (momentum 0.03, eps 0.001).
        act_cfg (dict): Activation. Defaults to SiLU.
        init_cfg (dict, optional): Initialisation config. Defaults to None.
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 kernel_size: int,
                 stride: int = 1,
                 padding: int = None,
                 cheap_kernel_size: int = 5,
                 conv_cfg: OptConfigType = None,
                 norm_cfg: ConfigType = dict(type='BN', momentum=0.03, eps=0.001),
                 act_cfg: ConfigType = dict(type='SiLU'),
                 init_cfg: OptMultiConfig = None):
        super().__init__(init_cfg)
        if out_channels % 2:
            raise ValueError(f'GhostConv needs an even out_channels, got {out_channels}')
        half = out_channels // 2
        padding = kernel_size // 2 if padding is None else padding
        cfg = dict(conv_cfg=conv_cfg, norm_cfg=norm_cfg, act_cfg=act_cfg)
        self.primary_conv = ConvModule(in_channels, half, kernel_size, stride, padding, **cfg)
        self.cheap_conv = ConvModule(half, half, cheap_kernel_size, 1, cheap_kernel_size // 2,
                                     groups=half, **cfg)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.primary_conv(x)
        return torch.cat([y, self.cheap_conv(y)], dim=1)  # (B, out_channels, H', W')
