# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
"""Which COCO images (and people) a bottom-up dataset uses: MMPose's set or the reference's.

- ``'all'`` (MMPose's convention; what YOLOX-Pose and RTMO report): for training, every image
  with a person annotation, crowd and keypoint-less people included (64,115 of train2017);
  for evaluation, all images (5,000 of val2017).
- ``'keypoints'`` (the YOLO-Pose reference's, which produced the paper's Table 1): its YOLO
  label files hold the non-crowd people with a box (crowd annotations are skipped when COCO's
  JSON is converted), and its image lists hold the images with at least one such person with a
  labelled keypoint: 56,599 train2017 and 2,346 val2017 images. Its ``test.py`` scores only
  those val images. Scored by COCO's evaluation over the whole annotation file, this equals
  the reference's protocol: the other images hold no person with keypoints, so no detection
  there is ever counted (the reference makes none; here none are made).

People without labelled keypoints stay in the ``'keypoints'`` set: they are box and objectness
targets with zero keypoint loss, as in the reference.
"""
from typing import List, Tuple

import numpy as np

IMAGE_SETS = ('all', 'keypoints')
#: Per-image (not per-person) fields of MMPose's bottom-up data infos.
IMAGE_KEYS = ('img_id', 'img_path', 'invalid_segs', 'crowd_index', 'dataset')


def drop_crowd(data_info: dict) -> dict:
    """A bottom-up data info without its crowd annotations (every per-person field)."""
    crowd = np.asarray(data_info.get('iscrowd', []), dtype=bool).reshape(-1)
    if not crowd.any():
        return data_info
    keep = ~crowd
    out = {}
    for key, value in data_info.items():
        if key not in IMAGE_KEYS and hasattr(value, '__len__') and len(value) == len(crowd):
            value = value[keep] if isinstance(value, np.ndarray) else \
                [v for v, k in zip(value, keep) if k]
        out[key] = value
    return out


def has_keypoint_person(data_info: dict) -> bool:
    """True when a (crowd-free) data info holds a person with a labelled keypoint."""
    vis = data_info.get('keypoints_visible')
    if vis is None or len(vis) == 0:
        return False
    vis = np.asarray(vis).reshape(len(vis), -1)
    return bool((vis > 0).any())


def select_image_set(data_list: List[dict], image_set: str) -> Tuple[List[dict], str]:
    """The data list of ``image_set`` (:data:`IMAGE_SETS`) and one line saying what it is."""
    if image_set not in IMAGE_SETS:
        raise ValueError(f'image_set={image_set!r}: use one of {IMAGE_SETS}')
    if image_set == 'all':
        return data_list, (f"image set 'all' (MMPose's convention): {len(data_list)} images")
    kept = [d for d in map(drop_crowd, data_list) if has_keypoint_person(d)]
    return kept, (f"image set 'keypoints' (the YOLO-Pose reference's): {len(kept)} of "
                  f'{len(data_list)} images, those with a non-crowd person with labelled '
                  f'keypoints; crowd annotations dropped')
