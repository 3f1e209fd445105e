# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
"""Draw people (boxes, keypoints, skeleton) with OpenCV, in the colours of the dataset meta."""
import colorsys
from typing import Dict, Optional, Sequence, Tuple

import cv2
import numpy as np


def track_color(track_id: int) -> Tuple[int, int, int]:
    """A BGR colour of its own for each track ID (hues a golden angle apart, so that IDs
    close in number look far apart)."""
    r, g, b = colorsys.hsv_to_rgb((track_id * 0.618033988749895) % 1.0, 0.85, 1.0)
    return int(b * 255), int(g * 255), int(r * 255)


def draw_people(image: np.ndarray, people: Dict[str, np.ndarray], keypoints: dict,
                kpt_thr: float = 0.3, radius: int = 3, thickness: int = 1,
                track_ids: Optional[Sequence[int]] = None) -> np.ndarray:
    """A copy of the BGR ``image`` with each person's box (green), its keypoints above
    ``kpt_thr`` and the skeleton links between them, in the colours of the keypoint set
    ``keypoints`` (:func:`~lrfg_mmpose.structures.keypoint_meta`, a predictor's ``keypoints``;
    RGB, as MMPose's visualiser uses them). With ``track_ids`` each box is drawn in its
    track's colour (:func:`track_color`) and labelled with its ID."""
    out = image.copy()
    kmeta = keypoints
    kpt_colors = [tuple(int(c) for c in reversed(rgb)) for rgb in kmeta['keypoint_colors']]
    link_colors = [tuple(int(c) for c in reversed(rgb)) for rgb in kmeta['skeleton_colors']]
    for i, (box, kpts, kscores) in enumerate(zip(people['bboxes'], people['keypoints'],
                                                 people['keypoint_scores'])):
        x1, y1, x2, y2 = (int(round(v)) for v in box)
        color = (0, 255, 0) if track_ids is None else track_color(int(track_ids[i]))
        cv2.rectangle(out, (x1, y1), (x2, y2), color, thickness + (track_ids is not None))
        if track_ids is not None:
            label = f'id {int(track_ids[i])}'
            (w, h), _ = cv2.getTextSize(label, cv2.FONT_HERSHEY_SIMPLEX, 0.5, 1)
            cv2.rectangle(out, (x1, max(y1 - h - 4, 0)), (x1 + w + 4, max(y1, h + 4)), color, -1)
            cv2.putText(out, label, (x1 + 2, max(y1 - 3, h + 1)), cv2.FONT_HERSHEY_SIMPLEX, 0.5,
                        (0, 0, 0), 1, cv2.LINE_AA)
        visible = kscores > kpt_thr
        for (a, b), color in zip(kmeta['skeleton'], link_colors):
            if visible[a] and visible[b]:
                cv2.line(out, tuple(int(v) for v in kpts[a]), tuple(int(v) for v in kpts[b]),
                         color, thickness + 1, cv2.LINE_AA)
        for k in np.flatnonzero(visible):
            cv2.circle(out, tuple(int(v) for v in kpts[k]), radius, kpt_colors[k], -1, cv2.LINE_AA)
    return out
