# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
from .bottomup_letterbox import BottomupLetterbox
from .yolov5_hsv_random_aug import YOLOv5HSVRandomAug, apply_hsv_gains, hsv_lookup_tables
from .yolov5_random_flip import YOLOv5RandomFlip
from .yolov5_random_perspective import (YOLOv5RandomPerspective, box_candidates,
                                        perspective_matrix, warp_points)

__all__ = ['BottomupLetterbox', 'YOLOv5HSVRandomAug', 'YOLOv5RandomFlip', 'YOLOv5RandomPerspective',
           'apply_hsv_gains', 'box_candidates', 'hsv_lookup_tables', 'perspective_matrix',
           'warp_points']
