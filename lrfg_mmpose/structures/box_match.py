# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
"""People of two sets paired by their boxes (numpy; SciPy's assignment imported when used): the
IoU matrix of ``x1 y1 x2 y2`` boxes and the one-to-one assignment that maximises the summed IoU
(the Hungarian method). The tracker, the tiles' merge, the model-agreement report and the
rectangular-inference check all pair people this way."""
from typing import List, Tuple

import numpy as np


def box_iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(n, m) IoU of x1 y1 x2 y2 boxes."""
    lt = np.maximum(a[:, None, :2], b[None, :, :2])
    rb = np.minimum(a[:, None, 2:], b[None, :, 2:])
    inter = np.clip(rb - lt, 0, None).prod(-1)
    area_a = np.clip(a[:, 2:] - a[:, :2], 0, None).prod(-1)
    area_b = np.clip(b[:, 2:] - b[:, :2], 0, None).prod(-1)
    return inter / np.maximum(area_a[:, None] + area_b[None] - inter, 1e-9)


def match(iou: np.ndarray, min_iou: float, strict: bool = False) -> List[Tuple[int, int]]:
    """Row-column pairs of the assignment that maximises the summed IoU, each pair's IoU at least
    ``min_iou`` (above it with ``strict``)."""
    if not iou.size:
        return []
    from scipy.optimize import linear_sum_assignment  # imported when people are to be matched
    rows, cols = linear_sum_assignment(1.0 - iou)
    keep = iou[rows, cols] > min_iou if strict else iou[rows, cols] >= min_iou
    return [(int(r), int(c)) for r, c, k in zip(rows, cols, keep) if k]
