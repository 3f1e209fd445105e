# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
"""Small COCO keypoint subsets (over-fit checks, demos, tests), keeping the original records."""
import json
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
    images = images[:num_images]
    ids = {i['id'] for i in images}
    out.parent.mkdir(parents=True, exist_ok=True)
    annotations = [a for a in coco['annotations'] if a['image_id'] in ids]
    out.write_text(json.dumps(dict(coco, images=images, annotations=annotations)))
    return out
