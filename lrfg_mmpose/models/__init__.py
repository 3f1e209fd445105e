# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
from .backbones import SCADKNet
from .heads import YOLOPoseHead
from .layers import (FGCSPP, SCAC3, CoordAttention, GhostConv, ImplicitA, ImplicitM,
                     fold_implicit_into_conv)
from .necks import YOLOPosePAFPN

__all__ = [
    'SCADKNet', 'YOLOPosePAFPN', 'YOLOPoseHead', 'CoordAttention', 'SCAC3', 'FGCSPP',
    'GhostConv', 'ImplicitA', 'ImplicitM', 'fold_implicit_into_conv'
]
