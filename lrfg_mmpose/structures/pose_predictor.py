# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
"""What every predictor gives (PyTorch's and the exported models'), so that the media loop, the
drawing, the benchmarks and the tools take any of them."""
from typing import Dict, List, Protocol, Sequence, runtime_checkable

import numpy as np


People = Dict[str, np.ndarray]
"""One image's people in original-image pixels: ``bboxes`` (n, 4) x1 y1 x2 y2, ``scores`` (n,),
``keypoints`` (n, K, 2) and ``keypoint_scores`` (n, K)."""

PEOPLE_KEYS = ('bboxes', 'scores', 'keypoints', 'keypoint_scores')


@runtime_checkable
class PosePredictor(Protocol):
    """BGR images in, :data:`People` out.

    Attributes:
        keypoints: The keypoint set (names, skeleton, flip indices, sigmas, colours;
            :func:`~lrfg_mmpose.structures.keypoint_meta`), for drawing and analysis.
        score_thr: The one person-score filter: people scoring at or below it are not returned.
    """
    keypoints: dict
    score_thr: float

    def __call__(self, image: np.ndarray) -> People:
        """The people of one BGR uint8 image (h, w, 3)."""

    def predict_batch(self, images: Sequence[np.ndarray]) -> List[People]:
        """The people of each image."""
