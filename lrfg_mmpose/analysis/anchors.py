# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
"""Do the head's anchors fit a dataset? Best possible recall, and anchors fitted to the data.

YOLO-Pose assigns a person to every anchor whose width and height ratios to the person's box
both lie within ``1 / anchor_thr`` and ``anchor_thr`` (:func:`~lrfg_mmpose.models.heads.
assign_level`); a person that no anchor of any level matches is never a positive, so it is
never learnt. The *best possible recall* (BPR, YOLOv5's autoanchor check) is the fraction of
training people some anchor matches, at the training scale (each image letterboxed to the
input size). :func:`fit_anchors` finds anchors for a dataset as YOLOv5's autoanchor does:
k-means on the box sizes, then a short evolution (random multiplicative mutations kept when
they raise the fitness, the mean best-anchor ratio of the matched people), and keeps the
current anchors when the fitted ones would match fewer people.
"""
import json
import os.path as osp
from pathlib import Path
from typing import Dict, Iterable, NamedTuple, Sequence, Tuple

import numpy as np

from ..structures import DEFAULT_ANCHORS, letterbox_scale


def training_box_sizes(data_list: Iterable[dict], image_sizes: Dict[str, Sequence[float]],
                       input_wh: Sequence[float]) -> np.ndarray:
    """``(n, 2)`` width and height, in input pixels, of the people that become training targets:
    at least one labelled keypoint, not crowd (MMPose's ``FilterAnnotations(by_kpt=True)``),
    wider and taller than 1 px at the training scale (``by_box``).

    Args:
        data_list: Bottom-up data infos (one per image: ``img_path``, ``bbox`` (N, 4) xyxy,
            ``keypoints_visible`` (N, K), ``iscrowd``), as MMPose's COCO datasets hold them.
        image_sizes: ``{img_path: (w, h)}``.
        input_wh: The training input size.
    """
    sizes = []
    for info in data_list:
        boxes = np.asarray(info.get('bbox', np.zeros((0, 4))), dtype=np.float64).reshape(-1, 4)
        if not len(boxes):
            continue
        vis = np.asarray(info['keypoints_visible'], dtype=np.float64).reshape(len(boxes), -1)
        crowd = np.asarray(info.get('iscrowd', [0] * len(boxes)), dtype=bool).reshape(-1)
        keep = (vis > 0).any(axis=1) & ~crowd
        wh = (boxes[keep, 2:] - boxes[keep, :2]) * letterbox_scale(image_sizes[info['img_path']],
                                                                    input_wh)
        sizes.append(wh[(wh > 1).all(axis=1)])
    return np.concatenate(sizes) if sizes else np.zeros((0, 2))


def dataset_image_sizes(dataset) -> Dict[str, Tuple[float, float]]:
    """``{img_path: (w, h)}`` of a built MMPose COCO-style dataset: ``CheckedCocoDataset``
    keeps them; for others the annotation file is read again."""
    sizes = getattr(dataset, 'image_sizes', None)
    if sizes:
        return sizes
    coco = json.loads(Path(dataset.ann_file).read_text())
    return {osp.join(dataset.data_prefix['img'], img['file_name']): (img['width'], img['height'])
            for img in coco['images']}


def pipeline_input_size(pipeline) -> Tuple[int, int]:
    """The training input size (w, h): the first ``input_size`` of the pipeline's transforms
    (built or as config dicts), e.g. ``BottomupRandomAffine``'s."""
    for t in getattr(pipeline, 'transforms', pipeline):
        size = t.get('input_size') if isinstance(t, dict) else getattr(t, 'input_size', None)
        if size is not None:
            return tuple(int(v) for v in size)
    raise ValueError('no transform of the training pipeline has an input_size')


def dataset_box_sizes(dataset) -> Tuple[np.ndarray, Tuple[int, int]]:
    """The training people's box sizes of a built COCO-style bottom-up dataset at its
    pipeline's input size (:func:`training_box_sizes`), and that size."""
    from mmengine.dataset import BaseDataset
    input_wh = pipeline_input_size(dataset.pipeline)
    # BaseDataset's get_data_info: the data info without MMPose's per-call metainfo copies
    data_list = [BaseDataset.get_data_info(dataset, i) for i in range(len(dataset))]
    return training_box_sizes(data_list, dataset_image_sizes(dataset), input_wh), input_wh


def _worst_ratio(wh: np.ndarray, anchors: np.ndarray) -> np.ndarray:
    """``(n, m)`` the worse of the width and height ratios ``min(r, 1/r)`` of each box to each
    anchor: 1 for a perfect fit, matched when above ``1 / anchor_thr``."""
    r = wh[:, None] / anchors[None]  # (n, m, 2)
    return np.minimum(r, 1 / r).min(axis=2)


class Recall(NamedTuple):
    overall: float  # people some anchor of some level matches
    per_level: Tuple[float, ...]  # people some anchor of that level matches
    anchors_per_person: float  # mean number of anchors matching a person (YOLOv5's "aat")
    people: int


def best_possible_recall(wh: np.ndarray, anchors, anchor_thr: float = 4.0) -> Recall:
    """The recall any training could reach with ``anchors`` ``(L, A, 2)`` on boxes ``wh``."""
    anchors = np.asarray(anchors, dtype=np.float64)
    if not len(wh):
        return Recall(float('nan'), tuple(float('nan') for _ in anchors), float('nan'), 0)
    matched = _worst_ratio(wh, anchors.reshape(-1, 2)) > 1 / anchor_thr  # (n, L*A)
    per_level = matched.reshape(len(wh), *anchors.shape[:2]).any(axis=2).mean(axis=0)
    return Recall(float(matched.any(axis=1).mean()), tuple(float(x) for x in per_level),
                  float(matched.sum(axis=1).mean()), len(wh))


def anchor_fitness(wh: np.ndarray, anchors: np.ndarray, anchor_thr: float = 4.0) -> float:
    """YOLOv5's autoanchor fitness: the mean over people of the best anchor's worst ratio,
    counting 0 for people no anchor matches."""
    best = _worst_ratio(wh, anchors.reshape(-1, 2)).max(axis=1)
    return float((best * (best > 1 / anchor_thr)).mean())


class AnchorFit(NamedTuple):
    anchors: np.ndarray  # (L, A, 2), integer pixels, smallest area first
    recall: Recall
    fitness: float
    kept_current: bool  # the fitted anchors matched fewer people: the current ones are kept


def fit_anchors(wh: np.ndarray, current, anchor_thr: float = 4.0, generations: int = 1000,
                seed: int = 0) -> AnchorFit:
    """Anchors of the shape of ``current`` ``(L, A, 2)`` fitted to the boxes ``wh``: k-means,
    then ``generations`` of evolution (mutation probability 0.9, sigma 0.1, factors clipped to
    0.3-3, as YOLOv5's autoanchor), rounded to pixels and sorted by area over the levels. The
    current anchors are returned when the fitted ones have a lower best possible recall."""
    from scipy.cluster.vq import kmeans
    current = np.asarray(current, dtype=np.float64)
    levels, per_level = current.shape[:2]
    rng = np.random.default_rng(seed)
    if len(wh) < levels * per_level:
        raise ValueError(f'{len(wh)} training people cannot fit {levels * per_level} anchors')
    std = wh.std(axis=0)  # k-means on whitened sizes, as YOLOv5
    k = kmeans(wh / std, levels * per_level, iter=30, rng=rng)[0] * std
    if len(k) < levels * per_level:  # k-means drops empty clusters; refill from the boxes
        k = np.concatenate([k, wh[rng.choice(len(wh), levels * per_level - len(k))]])
    best = anchor_fitness(wh, k, anchor_thr)
    for _ in range(generations):
        factor = np.ones_like(k)
        while (factor == 1).all():  # mutate at least one value
            mutate = rng.random(k.shape) < 0.9
            factor = (mutate * rng.random() * rng.standard_normal(k.shape) * 0.1 + 1)
            factor = factor.clip(0.3, 3.0)
        candidate = (k * factor).clip(min=2.0)
        fitness = anchor_fitness(wh, candidate, anchor_thr)
        if fitness > best:
            best, k = fitness, candidate
    k = np.round(k[np.argsort(k.prod(axis=1))]).reshape(levels, per_level, 2)
    fitted = best_possible_recall(wh, k, anchor_thr)
    before = best_possible_recall(wh, current, anchor_thr)
    if fitted.overall < before.overall:
        return AnchorFit(current, before, anchor_fitness(wh, current, anchor_thr), True)
    return AnchorFit(k, fitted, anchor_fitness(wh, k, anchor_thr), False)


def anchors_override(anchors: np.ndarray) -> str:
    """The config lines that set ``anchors``."""
    levels = ',\n    '.join('(' + ', '.join(f'({int(w)}, {int(h)})' for w, h in level) + ')'
                           for level in np.asarray(anchors))
    return f'model = dict(head=dict(anchors=(\n    {levels})))'


def config_anchor_data(cfg) -> dict:
    """What :func:`best_possible_recall` needs from a config: its training people's box sizes
    at the training input size (the training set built without image check or pipeline), the
    head's anchors and ``anchor_thr``, and that input size."""
    import copy

    from mmengine.registry import DefaultScope
    from mmpose.registry import DATASETS

    dataset_cfg = copy.deepcopy(cfg.train_dataloader.dataset)
    if dataset_cfg.type == 'CheckedCocoDataset':
        dataset_cfg.bad_images = 'off'  # the boxes need the annotations only
    with DefaultScope.overwrite_default_scope('mmpose'):
        dataset = DATASETS.build(dataset_cfg)
    head = cfg.model.head
    wh, input_wh = dataset_box_sizes(dataset)
    return dict(wh=wh, anchors=np.asarray(head.get('anchors', DEFAULT_ANCHORS), dtype=np.float64),
                anchor_thr=head.get('assigner', {}).get('anchor_thr', 4.0), input_wh=input_wh,
                strides=list(head.get('featmap_strides', (8, 16, 32, 64))))
