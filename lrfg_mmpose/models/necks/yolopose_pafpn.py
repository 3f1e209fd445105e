# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
"""The PANet neck of YOLOv5s6-pose, with LRFG-YoloPose's GhostConv switch.

Paper: LRFG-YoloPose (GhostConv in the PANet; README, "Citation"); Liu, Qi, Qin, Shi, Jia,
"Path Aggregation Network for Instance Segmentation", CVPR 2018; GhostConv from Han, Wang,
Tian, Guo, Xu, Xu, "GhostNet: More Features from Cheap Operations", CVPR 2020, Eq. (2)-(3).
"""
from typing import List, Optional, Sequence, Tuple

import torch
import torch.nn as nn
from mmcv.cnn import ConvModule
from mmdet.models.layers import CSPLayer
from mmengine.model import BaseModule
from mmpose.registry import MODELS
from mmpose.utils.typing import ConfigType, OptMultiConfig

from ..layers import GhostConv


@MODELS.register_module()
class YOLOPosePAFPN(BaseModule):
    """Top-down then bottom-up path aggregation over P3-P6 (YOLOv5 "head" layers 12-32).

    Top-down, from the deepest level: a 1x1 lateral conv maps level ``i`` to the width
    of level ``i-1``, is upsampled x2, concatenated with backbone level ``i-1`` and fused
    by a C3 (no residual). Bottom-up: a 3x3 stride-2 conv, concatenation with the lateral
    output of the next level, and a C3. Output widths equal input widths.

    The wiring is that of mmdet's ``YOLOXPAFPN``; this class is not built on it because
    there the 1x1 reduce convs are always ``ConvModule`` (GhostConv replaces them here, as in
    the paper) and the 1x1 output convs always exist (YOLOv5 has none; the reference
    checkpoints, converted by :mod:`lrfg_mmpose.convert`, hold no weights for them).

    Args:
        in_channels (Sequence[int]): Widths of P3..P6. Defaults to (128, 256, 384, 512).
        deepen_factor (float): Depth multiple, as the backbone's: each C3 has
            ``max(round(3 * deepen_factor), 1)`` bottlenecks (YOLOv5's head C3s have 3 at depth
            1.0: s6 1, m6 2, l6 3). Defaults to 0.33.
        num_csp_blocks (int, optional): Bottlenecks per C3, instead of the count
            ``deepen_factor`` gives (the checkpoint converter sets what it finds).
            Defaults to None.
        use_ghost (bool): Make the six stand-alone convs (laterals and downsamples)
            :class:`GhostConv`. Defaults to True.
        out_channels (int, optional): If given, a 1x1 conv maps every output level to this
            width (for heads with one input width, e.g. MMPose's ``YOLOXPoseHead``).
            Defaults to None (outputs keep the input widths, as YOLOv5).
        norm_cfg (dict): Norm layer. Defaults to BN (momentum 0.03, eps 0.001).
        act_cfg (dict): Activation. Defaults to SiLU.
        init_cfg (dict, optional): Initialisation config. Defaults to PyTorch's
            default conv init.
    """

    def __init__(self,
                 in_channels: Sequence[int] = (128, 256, 384, 512),
                 deepen_factor: float = 0.33,
                 num_csp_blocks: Optional[int] = None,
                 use_ghost: bool = True,
                 out_channels: Optional[int] = None,
                 norm_cfg: ConfigType = dict(type='BN', momentum=0.03, eps=0.001),
                 act_cfg: ConfigType = dict(type='SiLU'),
                 init_cfg: OptMultiConfig = dict(
                     type='Kaiming', layer='Conv2d', a=2.23606797749979,
                     distribution='uniform', mode='fan_in', nonlinearity='leaky_relu')):
        super().__init__(init_cfg)
        self.in_channels = list(in_channels)
        conv = GhostConv if use_ghost else ConvModule
        cfg = dict(norm_cfg=norm_cfg, act_cfg=act_cfg)
        if num_csp_blocks is None:
            num_csp_blocks = max(round(3 * deepen_factor), 1)
        csp = dict(num_blocks=num_csp_blocks, add_identity=False, **cfg)
        num_levels = len(self.in_channels)
        c = self.in_channels

        self.upsample = nn.Upsample(scale_factor=2, mode='nearest')
        # Top-down, deepest first: lateral i maps c[i] -> c[i-1]; C3 fuses 2*c[i-1] -> c[i-1].
        self.lateral_convs = nn.ModuleList()
        self.top_down_blocks = nn.ModuleList()
        for i in range(num_levels - 1, 0, -1):
            self.lateral_convs.append(conv(c[i], c[i - 1], 1, **cfg))
            self.top_down_blocks.append(CSPLayer(2 * c[i - 1], c[i - 1], **csp))
        # Bottom-up: downsample out[i] (c[i]) and concat the lateral of level i+1 (c[i]).
        self.downsamples = nn.ModuleList()
        self.bottom_up_blocks = nn.ModuleList()
        for i in range(num_levels - 1):
            self.downsamples.append(conv(c[i], c[i], 3, stride=2, padding=1, **cfg))
            self.bottom_up_blocks.append(CSPLayer(2 * c[i], c[i + 1], **csp))
        self.out_convs = None if out_channels is None else nn.ModuleList(
            ConvModule(ci, out_channels, 1, **cfg) for ci in c)

    def forward(self, inputs: Tuple[torch.Tensor]) -> Tuple[torch.Tensor]:
        if len(inputs) != len(self.in_channels):
            raise ValueError(f'{type(self).__name__} expects {len(self.in_channels)} levels, '
                             f'got {len(inputs)}: check the backbone out_indices')
        num_levels = len(inputs)
        feat = inputs[-1]
        laterals: List[torch.Tensor] = []  # laterals[k] has the width of level num_levels-2-k
        for k, i in enumerate(range(num_levels - 1, 0, -1)):
            lateral = self.lateral_convs[k](feat)
            laterals.append(lateral)
            feat = self.top_down_blocks[k](
                torch.cat([self.upsample(lateral), inputs[i - 1]], dim=1))  # (B, 2*c[i-1], ...)
        outs = [feat]
        for i in range(num_levels - 1):
            down = self.downsamples[i](outs[-1])
            outs.append(self.bottom_up_blocks[i](
                torch.cat([down, laterals[num_levels - 2 - i]], dim=1)))  # (B, 2*c[i], ...)
        if self.out_convs is not None:
            outs = [conv(out) for conv, out in zip(self.out_convs, outs)]
        return tuple(outs)
