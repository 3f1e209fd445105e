# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
from .cspnext_sca import CSPNeXtSCA
from .scadk_net import SCADKNet

__all__ = ['CSPNeXtSCA', 'SCADKNet']
