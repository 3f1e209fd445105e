# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
"""How far one model's people are from another's on the same images, without labels: what an
INT8 (or bf16, or pruned) model costs against the float model it came from.

The reference model's confident people (score >= ``score_thr``) are taken as ground truth:

- **found**: each is matched one to one to the test model's people by box IoU (optimal
  assignment, IoU > ``iou_thr``), as the tracker matches people;
- **keypoint error in OKS units**: for a matched pair, keypoint ``k``'s distance ``d`` divided
  by ``2 sigma_k sqrt(area)`` (area: the reference box's), the unit in which COCO's OKS is
  ``exp(-e^2 / 2)``: an error of 1 scores 0.61, 0.5 scores 0.88; counted where the reference
  is confident of the keypoint (>= ``kpt_thr``); median and 90th percentile, per keypoint and
  over all;
- **OKS AP against the reference**: COCOeval of the test model's people with the reference's as
  the annotations (confident keypoints labelled, box area as area); reference people between
  ``ignore_thr`` and ``score_thr`` are ignore regions (a test person on them counts neither
  way). 1.000 when the two agree to well within COCO's tolerances.
"""
from dataclasses import asdict, dataclass
from typing import List, Optional, Sequence

import numpy as np

from ..structures import box_iou, match
from ..structures import People
from .coco_results import coco_keypoint_eval

#: A report line's verdict turns into a warning below these (found share, OKS AP).
WARN_FOUND, WARN_OKS_AP = 0.95, 0.90


@dataclass
class Agreement:
    """The test model's people against the reference's (see the module's docstring)."""
    images: int
    people: int  # confident reference people
    found: int  # of them found by the test model
    error_median: float  # keypoint error, OKS units, all keypoints
    error_p90: float
    keypoint_error_median: List[float]  # (K,) per keypoint, NaN where none was compared
    keypoint_error_p90: List[float]
    oks_ap: float  # COCO OKS AP of the test people against the reference's
    oks_ap50: float

    @property
    def found_share(self) -> float:
        return self.found / self.people if self.people else float('nan')

    def ok(self) -> bool:
        """Whether the test model keeps the reference's people (:data:`WARN_FOUND`,
        :data:`WARN_OKS_AP`); with nobody to compare, True."""
        return not self.people or (self.found_share >= WARN_FOUND and self.oks_ap >= WARN_OKS_AP)

    def summary(self) -> str:
        """One line: found, keypoint error, OKS AP."""
        return (f'{self.found}/{self.people} confident people found again, keypoint error median '
                f'{self.error_median:.3f} / p90 {self.error_p90:.3f} OKS units, OKS AP against '
                f'the float model {self.oks_ap:.3f} (AP50 {self.oks_ap50:.3f}), on {self.images} '
                f'images')

    def to_dict(self) -> dict:
        """JSON-ready: undefined figures (nobody to compare) as None."""
        def clean(v):
            if isinstance(v, list):
                return [clean(x) for x in v]
            return None if isinstance(v, float) and np.isnan(v) else v
        return {k: clean(v) for k, v in asdict(self).items()}


def _reference_as_annotations(reference: Sequence[People], sigmas_k: int, score_thr: float,
                              ignore_thr: float, kpt_thr: float) -> dict:
    images, anns = [], []
    for i, people in enumerate(reference):
        images.append(dict(id=i + 1))
        for box, score, xy, conf in zip(people['bboxes'], people['scores'], people['keypoints'],
                                        people['keypoint_scores']):
            if score < ignore_thr:
                continue
            labelled = conf >= kpt_thr
            kpts = np.concatenate([xy, 2.0 * labelled[:, None]], axis=1)
            w, h = float(box[2] - box[0]), float(box[3] - box[1])
            # pycocotools ignores a ground truth only through iscrowd
            anns.append(dict(id=len(anns) + 1, image_id=i + 1, category_id=1,
                             iscrowd=int(score < score_thr),
                             bbox=[float(box[0]), float(box[1]), w, h],
                             area=max(w * h, 1.0), keypoints=kpts.ravel().tolist(),
                             num_keypoints=int(labelled.sum())))
    return dict(images=images, annotations=anns, categories=[dict(id=1, name='person')])


def people_as_results(people_per_image: Sequence[People], image_ids: Sequence[int]) -> List[dict]:
    """COCO keypoint results of each image's people (score: the box score, as our configs'
    ``CocoMetric``)."""
    results = []
    for image_id, people in zip(image_ids, people_per_image):
        for score, xy, conf in zip(people['scores'], people['keypoints'],
                                   people['keypoint_scores']):
            results.append(dict(image_id=int(image_id), category_id=1, score=float(score),
                                keypoints=np.concatenate([xy, conf[:, None]], 1).ravel()
                                .astype(float).tolist()))
    return results


def _matched_errors(ref: People, test: People, k2: np.ndarray, score_thr: float,
                    kpt_thr: float, iou_thr: float):
    """How many of ``ref``'s people are confident, and for each one matched in ``test`` its
    keypoint errors in OKS units (NaN where ``ref`` is not confident of the keypoint)."""
    confident = np.flatnonzero(ref['scores'] >= score_thr)
    rows = []
    if len(confident) and len(test['scores']):
        for r, t in match(box_iou(ref['bboxes'][confident], test['bboxes']), iou_thr,
                          strict=True):
            i = confident[r]
            box = ref['bboxes'][i]
            scale = np.sqrt(max((box[2] - box[0]) * (box[3] - box[1]), 1.0))
            e = np.linalg.norm(test['keypoints'][t] - ref['keypoints'][i], axis=-1) / (k2 * scale)
            rows.append(np.where(ref['keypoint_scores'][i] >= kpt_thr, e, np.nan))
    return len(confident), rows


def compare_people(reference: Sequence[People], test: Sequence[People], sigmas: Sequence[float],
                   score_thr: float = 0.3, ignore_thr: float = 0.1, kpt_thr: float = 0.5,
                   iou_thr: float = 0.5) -> Agreement:
    """The test model's people of each image (``test[i]``) against the reference model's
    (``reference[i]``), both :data:`~lrfg_mmpose.structures.People` in the same coordinates."""
    if len(reference) != len(test):
        raise ValueError(f'{len(reference)} reference images, {len(test)} test images')
    k2 = 2 * np.asarray(sigmas, dtype=np.float64)
    errors, people = [], 0
    for ref, ours in zip(reference, test):
        n, rows = _matched_errors(ref, ours, k2, score_thr, kpt_thr, iou_thr)
        people += n
        errors += rows
    found = len(errors)
    errors = np.asarray(errors, dtype=np.float64).reshape(-1, len(k2))

    def stat(values, q):
        values = values[~np.isnan(values)]
        return float(np.percentile(values, q)) if values.size else float('nan')

    gt = _reference_as_annotations(reference, len(k2), score_thr, ignore_thr, kpt_thr)
    if any(not a['iscrowd'] and a['num_keypoints'] for a in gt['annotations']):
        ev = coco_keypoint_eval(gt, people_as_results(test, range(1, len(test) + 1)), k2 / 2)
        oks_ap, oks_ap50 = float(ev.stats[0]), float(ev.stats[1])
    else:
        oks_ap = oks_ap50 = float('nan')
    return Agreement(
        images=len(reference), people=people, found=found,
        error_median=stat(errors.ravel(), 50), error_p90=stat(errors.ravel(), 90),
        keypoint_error_median=[stat(errors[:, k], 50) for k in range(len(k2))],
        keypoint_error_p90=[stat(errors[:, k], 90) for k in range(len(k2))],
        oks_ap=oks_ap, oks_ap50=oks_ap50)


def per_image_agreement(reference: People, test: People, sigmas: Sequence[float],
                        score_thr: float = 0.3, kpt_thr: float = 0.5,
                        iou_thr: float = 0.5) -> Optional[float]:
    """Mean OKS of one image's confident reference people with their test partners (0 for a
    person not found), None where the image has no confident reference person: a per-image
    score for ranking images or layers by what they lose."""
    n, rows = _matched_errors(reference, test, 2 * np.asarray(sigmas, dtype=np.float64),
                              score_thr, kpt_thr, iou_thr)
    if not n:
        return None
    # OKS of each found person: exp(-e^2 / 2) averaged over its confident keypoints
    return sum(float(np.nanmean(np.exp(-e ** 2 / 2))) for e in rows if not np.isnan(e).all()) / n
