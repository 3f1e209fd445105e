# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
from .coco_check import DatasetError, check_coco_keypoints
from .coco_subset import images_with_people, people_per_image, write_coco_subset
from .pipelines import fixed_train_pipeline, val_pipeline

__all__ = ['DatasetError', 'check_coco_keypoints', 'fixed_train_pipeline', 'images_with_people',
           'people_per_image', 'val_pipeline', 'write_coco_subset']
