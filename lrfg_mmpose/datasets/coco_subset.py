# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
"""Small COCO keypoint subsets (the embedded data, over-fit checks, demos, tests), keeping the
original records."""
import json
import shutil
from collections import Counter
from pathlib import Path
from typing import Dict, List, Optional


def people_per_image(coco: dict) -> Dict[int, int]:
    """Keypoint-annotated people (``num_keypoints > 0``) per image id of a COCO dict."""
    return Counter(a['image_id'] for a in coco['annotations'] if a['num_keypoints'] > 0)


def images_with_people(coco: dict, min_people: int = 1,
                       max_people: Optional[int] = None) -> List[dict]:
    """Image records, by id, with ``min_people`` to ``max_people`` keypoint-annotated people."""
    counts = people_per_image(coco)
    return [i for i in sorted(coco['images'], key=lambda i: i['id'])
            if min_people <= counts.get(i['id'], 0) <= (max_people or float('inf'))]


def select_images(coco: dict, images: List[dict]) -> dict:
    """``coco`` restricted to ``images`` and every annotation record of theirs."""
    ids = {i['id'] for i in images}
    return dict(coco, images=list(images),
                annotations=[a for a in coco['annotations'] if a['image_id'] in ids])


def write_coco_subset(src_ann, num_images: int, out, max_people: Optional[int] = None) -> Path:
    """Write the first ``num_images`` images (by id) that have a keypoint-annotated person,
    with all their annotation records, to ``out``.

    Args:
        src_ann (str | Path): Source COCO keypoint JSON.
        num_images (int): Images to keep.
        out (str | Path): Output JSON.
        max_people (int, optional): Keep only images with at most this many keypoint-annotated
            people. Defaults to None (no limit).
    """
    src_ann, out = Path(src_ann), Path(out)
    coco = json.loads(src_ann.read_text())
    images = images_with_people(coco, 1, max_people)
    if len(images) < num_images:
        raise ValueError(f'{src_ann} has only {len(images)} suitable images, '
                         f'asked for {num_images}')
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(select_images(coco, images[:num_images])))
    return out


def write_coco_mini(src_root, dst_root, split: str, num_empty: int = 2) -> dict:
    """Copy a COCO-layout split (``annotations/person_keypoints_<split>.json``, ``<split>/``)
    to ``dst_root``, keeping every image with a person record (with or without keypoints:
    crowd regions and unlabelled people too) and the first ``num_empty`` images without
    one, by id, with all their records. Returns the written COCO dict."""
    src_root, dst_root = Path(src_root), Path(dst_root)
    ann_file = src_root / 'annotations' / f'person_keypoints_{split}.json'
    coco = json.loads(ann_file.read_text())
    with_people = {a['image_id'] for a in coco['annotations']}
    images = sorted(coco['images'], key=lambda i: i['id'])
    empty = [i for i in images if i['id'] not in with_people][:num_empty]
    out = select_images(coco, [i for i in images if i['id'] in with_people] + empty)
    (dst_root / 'annotations').mkdir(parents=True, exist_ok=True)
    (dst_root / split).mkdir(parents=True, exist_ok=True)
    (dst_root / 'annotations' / ann_file.name).write_text(json.dumps(out))
    for img in out['images']:
        shutil.copy2(src_root / split / img['file_name'], dst_root / split / img['file_name'])
    return out
