# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
"""Check a COCO keypoint dataset (any keypoint set) before training, with messages that name
the file.

MMPose reports a missing or unreadable image with its path, but an annotation file in the
wrong format surfaces as a bare ``KeyError``/``AssertionError`` deep inside the COCO API.
:func:`check_coco_keypoints` (``tools/check_dataset.py``, ``make demo``) raises for files that
are not COCO keypoint data at all, and reports everything else at once: the annotation problems
of :mod:`~lrfg_mmpose.datasets.annotation_check` and the bad image files of
:func:`lrfg_mmpose.fileio.check_images` (what :class:`CheckedCocoDataset` filters or stops on
when training starts). Valid COCO that looks unusual is accepted and counted: people without
keypoints and crowd regions (dropped from the training targets by MMPose's
``FilterAnnotations(by_kpt=True)``, as in its YOLOX-Pose; ignored by COCO evaluation), and
images without people (left out of MMPose's bottom-up training set; evaluated, where any
detection is a false positive).
"""
import json
from pathlib import Path
from typing import Dict, NamedTuple

from ..fileio import check_images
from .annotation_check import AnnotationReport, DatasetError, mend_annotation


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


class DatasetCheck(NamedTuple):
    """What :func:`check_coco_keypoints` found."""
    stats: Dict[str, int]  # images, people, with/without keypoints, crowd, images without people
    annotations: AnnotationReport
    bad_images: Dict[str, str]  # {path: cause}

    @property
    def ok(self) -> bool:
        return not (self.annotations or self.bad_images)

    def lines(self):
        """The problems, one per line."""
        return self.annotations.lines(max_ids=None) + [f'{p}: {c}' for p, c in
                                                       self.bad_images.items()]


def check_coco_keypoints(ann_file, img_dir=None, num_keypoints: int = 17,
                         check_image_files: bool = True, cache_file=None,
                         workers=None) -> DatasetCheck:
    """Check one COCO keypoint annotation file (and its images).

    Args:
        ann_file (str | Path): The annotation JSON.
        img_dir (str | Path, optional): Folder of the images; no image check if None.
        num_keypoints (int): Keypoints per person (the metainfo's). Defaults to 17 (COCO).
        check_image_files (bool): Decode every image (in parallel). Defaults to True.
        cache_file (str | Path, optional): Image-check cache (see ``check_images``).
        workers (int, optional): Decoding threads. Defaults to the CPU count.

    Returns:
        DatasetCheck: counts, the annotation problems and the bad image files.

    Raises:
        DatasetError: the file is not COCO keypoint data, naming the record and the fix.
    """
    ann_file = Path(ann_file)
    coco = _load_json(ann_file)
    cats = [c for c in coco['categories'] if len(c.get('keypoints', [])) == num_keypoints]
    if not cats:
        raise DatasetError(f'{ann_file}: no category with {num_keypoints} keypoint names; is '
                           f'this an instances_*.json (boxes only) instead of a keypoint file, '
                           f'or does the metainfo have another keypoint count?')
    images = {}
    for img in coco['images']:
        for key in ('id', 'file_name', 'width', 'height'):
            if key not in img:
                raise DatasetError(f'{ann_file}: image record {img} has no "{key}"')
        images[img['id']] = img
    stats = dict(images=len(images), people=0, with_keypoints=0, without_keypoints=0,
                 crowd=0, images_without_people=0)
    report = AnnotationReport(str(ann_file))
    people = set()
    for ann in coco['annotations']:
        img = images.get(ann.get('image_id'))
        if img is None:
            report.add('no_image', ann.get('id', '?'))
            continue
        ann = mend_annotation(ann, (img['width'], img['height']), num_keypoints, report,
                              str(ann_file))
        if ann is None:
            continue
        stats['people'] += 1
        stats['crowd'] += int(bool(ann.get('iscrowd', 0)))
        labelled = sum(v > 0 for v in ann.get('keypoints', [])[2::3])
        stats['with_keypoints' if labelled else 'without_keypoints'] += 1
        people.add(ann['image_id'])
    stats['images_without_people'] = len(set(images) - people)

    bad_images = {}
    if img_dir is not None and check_image_files:
        paths = {str(Path(img_dir) / img['file_name']): (img['width'], img['height'])
                 for img in images.values()}
        bad_images = check_images(list(paths), paths, cache_file, workers).bad
    return DatasetCheck(stats, report, bad_images)
