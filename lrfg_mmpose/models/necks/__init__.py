# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
from .yolopose_pafpn import YOLOPosePAFPN

__all__ = ['YOLOPosePAFPN']
