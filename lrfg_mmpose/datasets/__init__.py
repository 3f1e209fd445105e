# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
from .coco_check import DatasetError, check_coco_keypoints
from .pipelines import fixed_train_pipeline, val_pipeline

__all__ = ['DatasetError', 'check_coco_keypoints', 'fixed_train_pipeline', 'val_pipeline']
