# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
from .annotation_check import PROBLEMS, AnnotationReport, DatasetError, mend_annotation
from .checked_coco_dataset import CheckedCocoDataset
from .coco_check import DatasetCheck, check_coco_keypoints
from .coco_subset import (images_with_people, people_per_image, select_images, write_coco_mini,
                          write_coco_subset)
from .image_set import IMAGE_SETS, select_image_set
from .pipelines import fixed_train_pipeline, val_pipeline
from .regroup_keypoints import COCO_BODY13_GROUPS, regroup_keypoints, write_regrouped
from .transforms import BottomupLetterbox, YOLOv5RandomPerspective

__all__ = ['COCO_BODY13_GROUPS', 'IMAGE_SETS', 'PROBLEMS', 'AnnotationReport', 'BottomupLetterbox',
           'CheckedCocoDataset', 'DatasetCheck', 'DatasetError', 'check_coco_keypoints',
           'fixed_train_pipeline', 'images_with_people', 'mend_annotation', 'people_per_image',
           'regroup_keypoints', 'select_image_set', 'select_images', 'val_pipeline',
           'write_coco_mini', 'write_coco_subset', 'write_regrouped', 'YOLOv5RandomPerspective']
