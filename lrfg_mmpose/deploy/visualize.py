# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
"""Draw people (boxes, keypoints, skeleton) with OpenCV, in the colours of the dataset meta."""
from typing import Dict

import cv2
import numpy as np


def draw_people(image: np.ndarray, people: Dict[str, np.ndarray], keypoints: dict,
                kpt_thr: float = 0.3, radius: int = 3, thickness: int = 1) -> np.ndarray:
    """A copy of the BGR ``image`` with each person's box (green), its keypoints above
    ``kpt_thr`` and the skeleton links between them, in the colours of the keypoint set
    ``keypoints`` (:func:`~lrfg_mmpose.structures.keypoint_meta`, a predictor's ``keypoints``;
    RGB, as MMPose's visualiser uses them)."""
    out = image.copy()
    kmeta = keypoints
    kpt_colors = [tuple(int(c) for c in reversed(rgb)) for rgb in kmeta['keypoint_colors']]
    link_colors = [tuple(int(c) for c in reversed(rgb)) for rgb in kmeta['skeleton_colors']]
    for box, kpts, kscores in zip(people['bboxes'], people['keypoints'],
                                  people['keypoint_scores']):
        x1, y1, x2, y2 = (int(round(v)) for v in box)
        cv2.rectangle(out, (x1, y1), (x2, y2), (0, 255, 0), thickness)
        visible = kscores > kpt_thr
        for (a, b), color in zip(kmeta['skeleton'], link_colors):
            if visible[a] and visible[b]:
                cv2.line(out, tuple(int(v) for v in kpts[a]), tuple(int(v) for v in kpts[b]),
                         color, thickness + 1, cv2.LINE_AA)
        for k in np.flatnonzero(visible):
            cv2.circle(out, tuple(int(v) for v in kpts[k]), radius, kpt_colors[k], -1, cv2.LINE_AA)
    return out
