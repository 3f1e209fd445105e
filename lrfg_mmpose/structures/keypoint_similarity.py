# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
"""COCO's keypoint similarity, the term OKS averages: ``ks = exp(-d^2 / (2 s^2 k^2))``, ``d`` the
distance of a keypoint to its reference, ``s^2`` the person's area, ``k = 2 sigma`` the
keypoint's OKS constant. Numpy only: the tiles' merge (runtime) and the error analysis share it."""
import numpy as np


def keypoint_similarity(pred: np.ndarray, gt: np.ndarray, area: float,
                        sigmas: np.ndarray) -> np.ndarray:
    """(..., K) similarity of predicted keypoints (..., K, 2+) to reference ones (K, 2+)."""
    d2 = ((np.asarray(pred)[..., :2] - gt[:, :2]) ** 2).sum(-1)
    return np.exp(-d2 / (2 * (area + np.spacing(1)) * (2 * sigmas) ** 2))
