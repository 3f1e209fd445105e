# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
from .bottomup_letterbox import BottomupLetterbox
from .yolov5_hsv_random_aug import YOLOv5HSVRandomAug, apply_hsv_gains, hsv_lookup_tables

__all__ = ['BottomupLetterbox', 'YOLOv5HSVRandomAug', 'apply_hsv_gains', 'hsv_lookup_tables']
