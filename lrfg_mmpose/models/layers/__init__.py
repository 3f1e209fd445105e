# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
from .coord_attention import CoordAttention
from .fgcspp import FGCSPP
from .ghost_conv import GhostConv
from .implicit import ImplicitA, ImplicitM, fold_implicit_into_conv
from .sca_c3 import SCAC3, SCABottleneck

__all__ = [
    'CoordAttention', 'SCAC3', 'SCABottleneck', 'FGCSPP', 'GhostConv', 'ImplicitA',
    'ImplicitM', 'fold_implicit_into_conv'
]
