# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
"""COCO keypoint AP plus the YOLO-Pose reference's fitness, by which it keeps ``best.pt``.

The reference's ``train.py`` ranks epochs by ``fitness = 0.1 mAP@.5 + 0.9 mAP@.5:.95`` of the
person *boxes* its in-training validation finds (``utils/metrics.py`` ``fitness``), not by the
keypoint AP that Table 1 reports; ``best.pt`` is the epoch with the highest fitness (the later
one on a tie). :class:`CocoFitnessMetric` is MMPose's ``CocoMetric`` (keypoint OKS AP, its keys
unchanged) that also scores the same predictions' boxes against the annotation file's person
boxes with pycocotools' box evaluation and reports ``box AP``, ``box AP .5`` and ``fitness``
(``coco/fitness`` in the logs), for a checkpoint hook's ``save_best``.

The box scores use COCO's evaluation (101-point interpolated precision, crowd boxes ignored, at
most 300 detections an image as the reference's NMS keeps) in place of the reference's own
``ap_per_class``; the thresholds (IoU .5 and .5:.05:.95) and the weights are its. Only the images
that were validated are scored, so a val set restricted to the reference's images
(``image_set='keypoints'``) is not charged with the people of the others.
"""
import contextlib
import io
from typing import Dict

import numpy as np
from mmpose.evaluation.metrics import CocoMetric
from mmpose.registry import METRICS

#: The reference's fitness weights of [P, R, mAP@.5, mAP@.5:.95].
FITNESS_WEIGHTS = {'box AP .5': 0.1, 'box AP': 0.9}
MAX_DETECTIONS = 300


def box_ap(gt: dict, detections: list, image_ids) -> Dict[str, float]:
    """pycocotools' box AP and AP .5 of ``detections`` (``image_id, category_id, bbox`` x y w h,
    ``score``) against the COCO dict ``gt`` on ``image_ids``; 0 where nothing was detected."""
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval
    if not detections:
        return {'box AP': 0.0, 'box AP .5': 0.0}
    with contextlib.redirect_stdout(io.StringIO()):
        coco = COCO()
        coco.dataset = {k: v for k, v in gt.items() if k in ('images', 'annotations', 'categories')}
        coco.createIndex()
        ev = COCOeval(coco, coco.loadRes(detections), 'bbox')
        ev.params.imgIds = sorted(image_ids)
        ev.params.maxDets = [1, 10, MAX_DETECTIONS]
        ev.evaluate()
        ev.accumulate()
    # precision (IoU thresholds, recall points, categories, area ranges, max detections): area
    # 'all', at most MAX_DETECTIONS (summarize() would read maxDets=100 only); -1: undefined
    precision = ev.eval['precision'][:, :, :, 0, -1]

    def mean(p):
        p = p[p > -1]
        return float(p.mean()) if p.size else 0.0
    return {'box AP': mean(precision), 'box AP .5': mean(precision[0])}


def fitness(metrics: Dict[str, float]) -> float:
    """The reference's fitness of box metrics: 0.1 AP .5 + 0.9 AP (:data:`FITNESS_WEIGHTS`)."""
    return float(sum(w * metrics[k] for k, w in FITNESS_WEIGHTS.items()))


@METRICS.register_module()
class CocoFitnessMetric(CocoMetric):
    """MMPose's ``CocoMetric`` plus ``box AP``, ``box AP .5`` and the reference's ``fitness``
    of the predicted person boxes (same arguments)."""

    def compute_metrics(self, results: list) -> Dict[str, float]:
        metrics = super().compute_metrics(results)  # builds self.coco when no ann_file
        if self.format_only:  # predictions written for a test server: nothing scored
            return metrics
        image_ids, detections = set(), []
        for pred, _ in results:
            image_ids.add(int(pred['img_id']))
            boxes = np.asarray(pred.get('bbox', np.zeros((0, 4))), dtype=np.float64)
            scores = np.asarray(pred['bbox_scores'], dtype=np.float64).reshape(-1)
            for box, score in zip(boxes.reshape(-1, 4), scores):
                detections.append(dict(image_id=int(pred['img_id']),
                                       category_id=int(pred.get('category_id', 1)),
                                       bbox=[float(v) for v in box], score=float(score)))
        boxes = box_ap(self.coco.dataset, detections, image_ids)
        metrics.update(boxes)
        metrics['fitness'] = fitness(boxes)
        return metrics
