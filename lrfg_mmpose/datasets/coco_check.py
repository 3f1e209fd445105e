# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
"""Check a COCO person-keypoint dataset before training, with messages that name the file.

MMPose reports a missing or unreadable image with its path, but an annotation file in the
wrong format surfaces as a bare ``KeyError``/``AssertionError`` deep inside the COCO API.
This check runs first (``tools/check_dataset.py``, ``make demo``) and says what is wrong,
where, and how to fix it. Valid COCO that looks unusual is accepted and reported:
people without keypoints and crowd regions (dropped from the training targets by MMPose's
``FilterAnnotations(by_kpt=True)``, as in its YOLOX-Pose; ignored by COCO evaluation), and
images without people (left out of MMPose's bottom-up training set; evaluated, where any
detection is a false positive).
"""
import json
from pathlib import Path
from typing import Dict, Optional

import cv2
import numpy as np


class DatasetError(ValueError):
    """A dataset file is missing, unreadable or not COCO person-keypoint data."""


def _load_json(ann_file: Path) -> dict:
    if not ann_file.is_file():
        raise DatasetError(f'{ann_file}: annotation file not found; give the path of a COCO '
                           f'person_keypoints_*.json (data_root + ann_file in the config)')
    try:
        coco = json.loads(ann_file.read_text())
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise DatasetError(f'{ann_file}: not valid JSON ({e}); it must be a COCO keypoint '
                           f'annotation file') from None
    if not isinstance(coco, dict):
        raise DatasetError(f'{ann_file}: top level is a {type(coco).__name__}, not a COCO dict '
                           f'with "images", "annotations" and "categories"')
    missing = [k for k in ('images', 'annotations', 'categories') if k not in coco]
    if missing:
        raise DatasetError(f'{ann_file}: missing COCO keys {missing}; a COCO keypoint file has '
                           f'"images", "annotations" and "categories"')
    return coco


def check_coco_keypoints(ann_file, img_dir=None, num_keypoints: int = 17,
                         check_images: bool = True) -> Dict[str, int]:
    """Validate one COCO keypoint annotation file (and its images).

    Args:
        ann_file (str | Path): The annotation JSON.
        img_dir (str | Path, optional): Folder of the images; skip image checks if None.
        num_keypoints (int): Keypoints per person. Defaults to 17 (COCO).
        check_images (bool): Decode every image (slower). Defaults to True.

    Returns:
        dict: counts of images, people, people with keypoints, people without keypoints,
        crowd regions and images without people.

    Raises:
        DatasetError: naming the file, the record and the fix.
    """
    ann_file = Path(ann_file)
    coco = _load_json(ann_file)
    person = [c for c in coco['categories'] if c.get('name') == 'person']
    if not person or len(person[0].get('keypoints', [])) != num_keypoints:
        raise DatasetError(f'{ann_file}: no "person" category with {num_keypoints} keypoint '
                           f'names; is this an instances_*.json (boxes only) instead of '
                           f'person_keypoints_*.json?')
    image_ids = set()
    for img in coco['images']:
        for key in ('id', 'file_name', 'width', 'height'):
            if key not in img:
                raise DatasetError(f'{ann_file}: image record {img} has no "{key}"')
        image_ids.add(img['id'])
    stats = dict(images=len(coco['images']), people=0, with_keypoints=0, without_keypoints=0,
                 crowd=0, images_without_people=0)
    people = set()
    for ann in coco['annotations']:
        aid = ann.get('id', '?')
        if ann.get('image_id') not in image_ids:
            raise DatasetError(f'{ann_file}: annotation {aid} refers to image_id '
                               f'{ann.get("image_id")}, which is not in "images"')
        bbox = ann.get('bbox')
        if not (isinstance(bbox, list) and len(bbox) == 4):
            raise DatasetError(f'{ann_file}: annotation {aid} has bbox {bbox!r}; COCO wants '
                               f'[x, y, width, height]')
        kpts = ann.get('keypoints')
        if not (isinstance(kpts, list) and len(kpts) == 3 * num_keypoints):
            raise DatasetError(f'{ann_file}: annotation {aid} has '
                               f'{len(kpts) if isinstance(kpts, list) else kpts!r} keypoint '
                               f'values; COCO wants {3 * num_keypoints} (x, y, v per keypoint)')
        vis = np.asarray(kpts[2::3])
        if not np.isin(vis, (0, 1, 2)).all():
            raise DatasetError(f'{ann_file}: annotation {aid} has visibility flags outside '
                               f'0/1/2: {sorted(set(vis.tolist()))}')
        stats['people'] += 1
        stats['crowd'] += int(bool(ann.get('iscrowd', 0)))
        labelled = int((vis > 0).sum())
        stats['with_keypoints' if labelled else 'without_keypoints'] += 1
        people.add(ann['image_id'])
    stats['images_without_people'] = len(image_ids - people)

    if img_dir is not None and check_images:
        img_dir = Path(img_dir)
        for img in coco['images']:
            path = img_dir / img['file_name']
            if not path.is_file():
                raise DatasetError(f'{path}: image listed in {ann_file} is missing; copy it there '
                                   f'or drop its records from the annotation file')
            data = np.frombuffer(path.read_bytes(), np.uint8)
            decoded: Optional[np.ndarray] = cv2.imdecode(data, cv2.IMREAD_COLOR) if data.size else None
            if decoded is None:
                raise DatasetError(f'{path}: image cannot be decoded (corrupt or not an image); '
                                   f'replace it or drop its records from {ann_file}')
            if decoded.shape[:2] != (img['height'], img['width']):
                raise DatasetError(f'{path}: image is {decoded.shape[1]}x{decoded.shape[0]} but '
                                   f'{ann_file} says {img["width"]}x{img["height"]}')
    return stats
