# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
from .coord_attention import CoordAttention
from .fgcspp import FGCSPP
from .ghost_conv import GhostConv
from .implicit import ImplicitA, ImplicitM, fold_implicit_into_conv
from .sca_c3 import SCAC3, SCABottleneck
from .space_to_depth_focus import SpaceToDepthFocus

__all__ = [
    'CoordAttention', 'SCAC3', 'SCABottleneck', 'FGCSPP', 'GhostConv', 'ImplicitA',
    'ImplicitM', 'SpaceToDepthFocus', 'fold_implicit_into_conv'
]
