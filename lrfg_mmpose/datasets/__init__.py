# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
from .coco_check import DatasetError, check_coco_keypoints

__all__ = ['DatasetError', 'check_coco_keypoints']
