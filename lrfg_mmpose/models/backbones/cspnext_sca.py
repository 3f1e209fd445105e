# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
"""RTMPose's CSPNeXt with the paper's SCA: coordinate attention in the CSP layers of chosen
stages, for MMPose's top-down models.

Paper: LRFG-YoloPose (README, "Citation") puts coordinate attention (Hou et al., "Coordinate
Attention for Efficient Mobile Network Design", CVPR 2021, Eq. (4)-(9)) into the last two C3
blocks of its CSP-Darknet (:class:`~lrfg_mmpose.models.backbones.SCADKNet`). CSPNeXt (RTMDet /
RTMPose, mmdet's ``CSPNeXt``) has no C3 bottleneck of that form, but each of its CSP layers
already gates the concatenation of its two branches with an attention module
(``channel_attention=True``: squeeze-and-excitation style ``ChannelAttention``, one weight per
channel). :class:`CSPNeXtSCA` puts coordinate attention in that place in the chosen stages: the
gate then varies along the height and the width as well as the channels, which is what SCA adds
to a pose backbone. The rest is mmdet's ``CSPNeXt`` unchanged, so RTMPose's pretrained weights
load into every other tensor.
"""
from typing import Sequence

from mmdet.models.backbones import CSPNeXt
from mmdet.models.layers import CSPLayer
from mmpose.registry import MODELS

from ..layers import CoordAttention


@MODELS.register_module()
class CSPNeXtSCA(CSPNeXt):
    """mmdet's ``CSPNeXt`` with :class:`~lrfg_mmpose.models.layers.CoordAttention` instead of
    the channel attention of the CSP layers of ``sca_stages``.

    Args:
        sca_stages (Sequence[int]): Stages (1-4) whose CSP layers get coordinate attention.
            Defaults to (3, 4), the last two, as the paper's SCA.
        sca_reduction (int): Coordinate attention's reduction ratio λ. Defaults to 4.
        **kwargs: ``CSPNeXt``'s arguments (``channel_attention`` must stay True: the
            attention's place in the layer).
    """

    def __init__(self, sca_stages: Sequence[int] = (3, 4), sca_reduction: int = 4, **kwargs):
        if not kwargs.setdefault('channel_attention', True):
            raise ValueError('CSPNeXtSCA puts coordinate attention where CSPNeXt\'s channel '
                             'attention is: keep channel_attention=True')
        super().__init__(**kwargs)
        self.sca_stages = tuple(sca_stages)
        for i in self.sca_stages:
            layers = [m for m in getattr(self, f'stage{i}') if isinstance(m, CSPLayer)]
            if not layers:
                raise ValueError(f'CSPNeXtSCA: stage {i} has no CSP layer (stages are 1-4)')
            for layer in layers:
                channels = layer.attention.fc.in_channels  # 2 x the layer's mid channels
                layer.attention = CoordAttention(channels, reduction=sca_reduction)
