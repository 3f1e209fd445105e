# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
"""Keypoint error types of Ronchi and Perona ("Benchmarking and Error Diagnosis in Multi-Instance
Pose Estimation", ICCV 2017, Sec. 3.1) and the normalised error per keypoint, over COCO-format
predictions matched to the ground truth.

Keypoint similarity of a predicted keypoint to a labelled one (the term OKS averages, COCO's):
``ks = exp(-d^2 / (2 s^2 k^2))``, ``s^2`` the person's area, ``k = 2 sigma`` (the keypoint's OKS
sigma). Each labelled keypoint of a person a prediction is matched to is, in this order:

- **good**: ``ks >= 0.85`` to itself;
- **jitter**: ``0.5 <= ks < 0.85`` to itself (a small error around the right place);
- **inversion**: under 0.5 to itself, at least 0.5 to its left-right mirror keypoint of the
  same person (the flip indices of the keypoint set);
- **swap**: none of the above, at least 0.5 to some labelled keypoint of another person of the
  image (the prediction took a part of someone else);
- **miss**: none of the above (a large error).

Matching is COCO's: per image, the predictions by decreasing score (the 20 best), each to the
unmatched person of highest OKS, at OKS of at least ``min_oks`` (0.1, the loosest threshold, so
that badly localised people still have their errors counted rather than being called missing).
The labelled keypoints of a person no prediction is matched to are counted as **miss** too (a
person not found loses all its keypoints; :attr:`ErrorTypes.people_missed` counts them apart),
and predictions matched to nobody as :attr:`ErrorTypes.false_positives`. Crowd regions and people
without labelled keypoints are left out, as COCOeval leaves them out.

The normalised error of a keypoint is ``d / s`` (distance over the square root of the person's
area) over the matched people; its median per keypoint is reported.
"""
from dataclasses import dataclass, field
from typing import Dict, List, Sequence

import numpy as np

from ..structures import keypoint_similarity

ERROR_TYPES = ('good', 'jitter', 'inversion', 'swap', 'miss')
GOOD_KS, JITTER_KS = 0.85, 0.5  # the paper's thresholds on keypoint similarity


def oks(pred: np.ndarray, gt: np.ndarray, area: float, sigmas: np.ndarray) -> float:
    """COCO's OKS of one prediction (K, 2+) to one person (K, 3) with labelled keypoints."""
    labelled = gt[:, 2] > 0
    if not labelled.any():
        return 0.0
    return float(keypoint_similarity(pred, gt, area, sigmas)[labelled].mean())


@dataclass
class ErrorTypes:
    """Counts per keypoint (K,) of each error type, over the labelled keypoints of the
    people scored, and the normalised errors of matched keypoints per keypoint."""
    counts: Dict[str, np.ndarray]
    people: int = 0
    people_missed: int = 0
    false_positives: int = 0
    normalised_errors: List[List[float]] = field(default_factory=list)

    def shares(self) -> Dict[str, float]:
        """Each type's share of all labelled keypoints."""
        total = sum(int(c.sum()) for c in self.counts.values())
        return {t: (float(self.counts[t].sum()) / total if total else 0.0) for t in ERROR_TYPES}

    def median_errors(self) -> np.ndarray:
        """(K,) median normalised error per keypoint (NaN where none was matched)."""
        return np.asarray([np.median(e) if e else np.nan for e in self.normalised_errors])


def _people(anns: Sequence[dict], num_keypoints: int) -> List[dict]:
    out = []
    for a in anns:
        kpts = np.asarray(a.get('keypoints', []), dtype=np.float64).reshape(-1, 3)
        if a.get('iscrowd', 0) or len(kpts) != num_keypoints or not (kpts[:, 2] > 0).any():
            continue
        out.append(dict(kpts=kpts, area=float(a['area'])))
    return out


def error_types(gt_by_image: Dict[int, List[dict]], dt_by_image: Dict[int, List[dict]],
                sigmas: Sequence[float], flip_indices: Sequence[int], min_oks: float = 0.1,
                max_dets: int = 20) -> ErrorTypes:
    """The error types (module docstring) of predictions against the ground truth.

    Args:
        gt_by_image: COCO annotations (``keypoints``, ``area``, ``iscrowd``) per image id.
        dt_by_image: COCO keypoint results (``keypoints``, ``score``) per image id.
        sigmas: The keypoint set's OKS sigmas (K,).
        flip_indices: Its left-right mirror of each keypoint (K,).
        min_oks: Least OKS of a match. Defaults to 0.1.
        max_dets: Predictions per image scored (by score). Defaults to 20 (COCO's).
    """
    sigmas = np.asarray(sigmas, dtype=np.float64)
    num_kpts = len(sigmas)
    flip = np.asarray(flip_indices)
    result = ErrorTypes({t: np.zeros(num_kpts, dtype=np.int64) for t in ERROR_TYPES},
                        normalised_errors=[[] for _ in range(num_kpts)])
    for image_id, anns in gt_by_image.items():
        people = _people(anns, num_kpts)
        dets = sorted(dt_by_image.get(image_id, []), key=lambda d: -d['score'])[:max_dets]
        preds = [np.asarray(d['keypoints'], dtype=np.float64).reshape(-1, 3) for d in dets]
        result.people += len(people)
        matched = {}  # person index -> prediction
        for pred in preds:
            scores = [(oks(pred, p['kpts'], p['area'], sigmas), i) for i, p in enumerate(people)
                      if i not in matched]
            best = max(scores, default=(0.0, -1))
            if best[1] >= 0 and best[0] >= min_oks:
                matched[best[1]] = pred
            else:
                result.false_positives += 1
        for i, person in enumerate(people):
            labelled = person['kpts'][:, 2] > 0
            if i not in matched:
                result.counts['miss'] += labelled
                result.people_missed += 1
                continue
            pred, gt, area = matched[i], person['kpts'], person['area']
            own = keypoint_similarity(pred, gt, area, sigmas)
            mirror = keypoint_similarity(pred, gt[flip], area, sigmas) * (gt[flip, 2] > 0)
            others = np.zeros(num_kpts)
            for j, other in enumerate(people):
                if j != i:  # the best similarity to any labelled keypoint of another person
                    ks = keypoint_similarity(pred[:, None, :2], other['kpts'], other['area'],
                                             sigmas)  # (K, K): predicted k vs their keypoint m
                    ks = ks * (other['kpts'][:, 2] > 0)[None]
                    others = np.maximum(others, ks.max(axis=1))
            kind = np.select([own >= GOOD_KS, own >= JITTER_KS, mirror >= JITTER_KS,
                              others >= JITTER_KS], ['good', 'jitter', 'inversion', 'swap'],
                             'miss')
            for t in ERROR_TYPES:
                result.counts[t] += labelled & (kind == t)
            dist = np.linalg.norm(pred[:, :2] - gt[:, :2], axis=1) / np.sqrt(max(area, 1e-9))
            for k in np.flatnonzero(labelled):
                result.normalised_errors[k].append(float(dist[k]))
    return result
