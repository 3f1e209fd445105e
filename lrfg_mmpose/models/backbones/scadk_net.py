# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
"""SCADK-Net: the CSP-Darknet backbone of LRFG-YoloPose.

Paper: LRFG-YoloPose (README, "Citation"). The baseline is YOLOv5s6's CSP-Darknet (P6
architecture: Focus stem, five stages, four outputs P3-P6 at strides 8/16/32/64); SCA puts
coordinate attention (Hou, Zhou, Feng, "Coordinate Attention for Efficient Mobile Network
Design", CVPR 2021, Eq. (4)-(9)) into the C3 blocks of chosen stages and FGCSPP replaces the
SPP of the last stage.
"""
import copy
from typing import Optional, Sequence

from mmdet.models.backbones.csp_darknet import CSPDarknet
from mmpose.registry import MODELS
from mmpose.utils.typing import ConfigType, OptMultiConfig

from ..layers import FGCSPP, SCAC3, SpaceToDepthFocus

# The SCA placement written in the paper: the last two C3 blocks of the backbone
# (stages 4 and 5 = layers 8 and 11), bottleneck x + CA(CBS1x1(x)), λ = 4.
DEFAULT_SCA_CFG = dict(stages=(4, 5), reduction=4, with_conv=True)


@MODELS.register_module()
class SCADKNet(CSPDarknet):
    """YOLOv5s6 CSP-Darknet with switchable SCA and FGCSPP.

    Built on mmdet's ``CSPDarknet``; stage ``i`` is ``[CBS 3x3 s2, (SPP | FGCSPP), C3 | SCA-C3]``.

    Args:
        arch (str): ``'P6'`` (YOLOv5s6, five stages, outputs P3-P6) or ``'P5'`` (four
            stages, as YOLOX-Pose's backbone; give ``sca_cfg.stages`` such as (3, 4)).
            Defaults to 'P6'.
        deepen_factor (float): Depth multiple of the C3 blocks. Defaults to 0.33.
        widen_factor (float): Width multiple. Defaults to 0.5.
        out_indices (Sequence[int]): Outputs (0 = stem, 1-5 = stages). Defaults to
            (2, 3, 4, 5), i.e. P3-P6.
        frozen_stages (int): Stages to freeze (-1: none). Defaults to -1.
        sca_cfg (dict, optional): SCA switch; None keeps plain C3 blocks. Keys:
            ``stages`` (stage indices whose C3 becomes an SCA-C3), ``reduction`` (λ),
            ``with_conv`` (bottleneck ``x + CA(CBS1x1(x))`` if True, else ``x + CA(x)``).
            Defaults to ``dict(stages=(4, 5), reduction=4, with_conv=True)``.
        use_fgcspp (bool): Replace the SPP by :class:`FGCSPP`. Defaults to True.
        spp_kernel_sizes (Sequence[int]): Pools of the plain SPP. Defaults to (3, 5, 7).
        norm_cfg (dict): Norm layer. Defaults to BN (momentum 0.03, eps 0.001).
        act_cfg (dict): Activation. Defaults to SiLU.
        norm_eval (bool): Keep BN layers in eval mode while training. Defaults to False.
        init_cfg (dict, optional): Initialisation config. Defaults to PyTorch's default
            conv init (Kaiming uniform, a = sqrt(5)), as YOLOv5.
    """

    def __init__(self,
                 arch: str = 'P6',
                 deepen_factor: float = 0.33,
                 widen_factor: float = 0.5,
                 out_indices: Sequence[int] = (2, 3, 4, 5),
                 frozen_stages: int = -1,
                 sca_cfg: Optional[dict] = DEFAULT_SCA_CFG,
                 use_fgcspp: bool = True,
                 spp_kernel_sizes: Sequence[int] = (3, 5, 7),
                 norm_cfg: ConfigType = dict(type='BN', momentum=0.03, eps=0.001),
                 act_cfg: ConfigType = dict(type='SiLU'),
                 norm_eval: bool = False,
                 init_cfg: OptMultiConfig = dict(
                     type='Kaiming', layer='Conv2d', a=2.23606797749979,
                     distribution='uniform', mode='fan_in', nonlinearity='leaky_relu')):
        super().__init__(
            arch=arch,
            deepen_factor=deepen_factor,
            widen_factor=widen_factor,
            out_indices=out_indices,
            frozen_stages=frozen_stages,
            spp_kernal_sizes=spp_kernel_sizes,
            norm_cfg=norm_cfg,
            act_cfg=act_cfg,
            norm_eval=norm_eval,
            init_cfg=init_cfg)
        settings = self.arch_settings[arch]
        num_stages = len(settings)
        cfg = dict(norm_cfg=norm_cfg, act_cfg=act_cfg)
        # The same stem, computed with one transpose instead of four strided slices.
        self.stem = SpaceToDepthFocus(3, int(settings[0][0] * widen_factor), kernel_size=3, **cfg)
        if use_fgcspp:
            last = getattr(self, f'stage{num_stages}')
            channels = int(settings[-1][1] * widen_factor)
            last[1] = FGCSPP(channels, channels, **cfg)  # index 1 is the SPP
        if sca_cfg is not None:
            sca_cfg = copy.deepcopy(sca_cfg)
            stages = sca_cfg.pop('stages')
            for i in stages:
                if not 1 <= i <= num_stages:
                    raise ValueError(f'sca_cfg.stages must lie in 1..{num_stages}, got {i}')
                stage = getattr(self, f'stage{i}')
                channels = int(settings[i - 1][1] * widen_factor)
                num_blocks = max(round(settings[i - 1][2] * deepen_factor), 1)
                stage[-1] = SCAC3(channels, channels, num_blocks=num_blocks, **sca_cfg, **cfg)
        self._freeze_stages()
