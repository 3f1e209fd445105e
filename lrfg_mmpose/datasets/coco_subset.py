# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
"""Small COCO keypoint subsets (over-fit checks, tests), keeping the original records."""
import json
from pathlib import Path
from typing import Optional


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
    people = {}
    for a in coco['annotations']:
        if a['num_keypoints'] > 0:
            people[a['image_id']] = people.get(a['image_id'], 0) + 1
    images = [i for i in sorted(coco['images'], key=lambda i: i['id'])
              if 0 < people.get(i['id'], 0) <= (max_people or float('inf'))]
    if len(images) < num_images:
        raise ValueError(f'{src_ann} has only {len(images)} suitable images, '
                         f'asked for {num_images}')
    images = images[:num_images]
    ids = {i['id'] for i in images}
    out.parent.mkdir(parents=True, exist_ok=True)
    annotations = [a for a in coco['annotations'] if a['image_id'] in ids]
    out.write_text(json.dumps(dict(coco, images=images, annotations=annotations)))
    return out
