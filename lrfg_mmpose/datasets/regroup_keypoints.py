# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
"""A new keypoint set made from an old one: each new keypoint is one source keypoint, or the
mean of the labelled ones of a group (COCO-Body13's "head" from the five face points).

Used to derive the embedded example of training on your own keypoints (``data/coco-body13``,
``configs/_base_/datasets/coco_body13.py``) from the embedded COCO images' annotations.
"""
import copy
import json
from pathlib import Path
from typing import List, Sequence

import numpy as np

# COCO-Body13 from COCO's 17: head = mean of nose, eyes, ears; then the 12 body points.
COCO_BODY13_GROUPS = ((0, 1, 2, 3, 4), *((k, ) for k in range(5, 17)))


def regroup_keypoints(coco: dict, groups: Sequence[Sequence[int]], names: Sequence[str],
                      skeleton: Sequence[Sequence[int]]) -> dict:
    """A copy of the COCO keypoint dict ``coco`` with keypoint ``j`` made from the source
    keypoints ``groups[j]``: the mean position of those labelled, the highest visibility among
    them, unlabelled (0, 0, 0) when none is. ``num_keypoints`` is recounted; the keypoint
    category gets ``names`` and the 1-based COCO ``skeleton`` (pairs of new indices, 0-based
    here)."""
    if len(groups) != len(names):
        raise ValueError(f'{len(groups)} groups but {len(names)} names')
    out = copy.deepcopy(coco)
    for ann in out['annotations']:
        k = np.asarray(ann['keypoints'], dtype=np.float64).reshape(-1, 3)
        new: List[float] = []
        for group in groups:
            g = k[list(group)]
            labelled = g[:, 2] > 0
            if labelled.any():
                x, y = g[labelled, :2].mean(axis=0)
                new += [round(float(x), 2), round(float(y), 2), int(g[labelled, 2].max())]
            else:
                new += [0, 0, 0]
        ann['keypoints'] = new
        ann['num_keypoints'] = int(sum(v > 0 for v in new[2::3]))
    for cat in out['categories']:
        if 'keypoints' in cat:
            cat['keypoints'] = list(names)
            cat['skeleton'] = [[a + 1, b + 1] for a, b in skeleton]
    return out


def write_regrouped(src_ann, out_ann, groups: Sequence[Sequence[int]], metainfo: str) -> Path:
    """:func:`regroup_keypoints` of the file ``src_ann`` with the names and skeleton of the
    MMPose meta file ``metainfo``, written to ``out_ann``."""
    from mmpose.datasets.datasets.utils import parse_pose_metainfo
    meta = parse_pose_metainfo(dict(from_file=str(metainfo)))
    names = [meta['keypoint_id2name'][i] for i in range(meta['num_keypoints'])]
    coco = json.loads(Path(src_ann).read_text())
    out = regroup_keypoints(coco, groups, names, meta['skeleton_links'])
    out_ann = Path(out_ann)
    out_ann.parent.mkdir(parents=True, exist_ok=True)
    out_ann.write_text(json.dumps(out, separators=(',', ':')))
    return out_ann
