# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
"""Deterministic pipelines (no augmentation) for over-fit checks, benchmarks and tests."""
from typing import List, Tuple

from ..structures import PAD_VALUE

VAL_META_KEYS = ('id', 'img_id', 'img_path', 'ori_shape', 'img_shape', 'input_size',
                 'input_center', 'input_scale')


def fixed_train_pipeline(input_size: Tuple[int, int]) -> List[dict]:
    """Whole image letterboxed to ``input_size`` (no shift, scale, rotation, flip or colour
    change), people with keypoints as targets for bottom-up heads."""
    return [
        dict(type='LoadImage'),
        dict(type='BottomupRandomAffine', input_size=tuple(input_size), shift_prob=0,
             rotate_prob=0, scale_prob=0, scale_type='long', pad_val=PAD_VALUE,
             bbox_keep_corner=False, clip_border=True),
        dict(type='FilterAnnotations', by_kpt=True, by_box=True, keep_empty=False),
        dict(type='GenerateTarget', encoder=dict(type='YOLOXPoseAnnotationProcessor',
                                                 input_size=tuple(input_size))),
        dict(type='PackPoseInputs'),
    ]


def val_pipeline(input_size: Tuple[int, int], rect: bool = False) -> List[dict]:
    """The configs' bottom-up test pipeline at ``input_size`` (``rect``: rectangular inputs)."""
    return [
        dict(type='LoadImage'),
        dict(type='BottomupLetterbox', input_size=tuple(input_size), rect=rect,
             pad_val=PAD_VALUE),
        dict(type='PackPoseInputs', meta_keys=VAL_META_KEYS),
    ]
