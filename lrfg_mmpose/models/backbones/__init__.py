# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
from .scadk_net import SCADKNet

__all__ = ['SCADKNet']
