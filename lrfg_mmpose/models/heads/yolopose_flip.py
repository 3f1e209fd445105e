# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
"""Flip test for the one-stage head: the candidates of the mirrored image brought back to the
original one and merged with the originals' before NMS.

MMPose's ``BottomupPoseEstimator`` (``test_cfg.flip_test=True``) runs the network on the input
and on ``input.flip(-1)`` and gives the head both feature sets. A mirrored candidate is un-flipped
about the input centre (``x -> W - x``, the mirror the training flip uses, ``YOLOv5RandomFlip``),
its keypoints reordered by the keypoint set's flip indices (a left wrist seen in the mirror is
the right wrist). Then the two views' candidates go through one NMS, and the merge is one of
:data:`FLIP_MERGES`:

- ``'average'`` (default): each person NMS keeps is averaged (box, keypoints, keypoint scores,
  equal weights) with its best-overlapping candidate of the other view, when that overlaps at
  least the NMS IoU threshold; what flip test does for heatmap models (the two views' maps
  averaged), here per person since there are no maps to average;
- ``'nms'``: NMS alone picks either view's candidate, nothing averaged (YOLOv5's test-time
  augmentation, ``augment=True``, merges this way).
"""
from typing import Sequence, Tuple

import torch
from torch import Tensor
from torchvision.ops import box_iou

FLIP_MERGES = ('average', 'nms')


def split_views(feats, merge: str):
    """``[feats, feats_of_the_mirrored_input]`` as MMPose's ``BottomupPoseEstimator`` passes
    them with ``test_cfg.flip_test=True``, checked, and the merge checked."""
    if merge not in FLIP_MERGES:
        raise ValueError(f'test_cfg.flip_merge must be one of {FLIP_MERGES}, got {merge!r}')
    if not (isinstance(feats, (list, tuple)) and len(feats) == 2
            and isinstance(feats[0], (list, tuple))):
        raise ValueError('flip_test: the head needs [feats, feats_flip], as MMPose\'s '
                         'BottomupPoseEstimator passes them with test_cfg.flip_test=True')
    return feats[0], feats[1]


def join_views(candidates: Tuple[Tensor, ...], mirrored_candidates: Tuple[Tensor, ...],
               width: float) -> Tuple[Tensor, ...]:
    """The candidates of both views as one set: boxes ``(B, 2N, 4)`` (the mirrored view's in
    the original input's pixels), scores, raw keypoint fields and cells (the decoder's
    :meth:`~.YOLOPoseDecoder.candidates`), and ``mirrored`` ``(2N, )``, which view each came
    from. The mirrored view's keypoints are brought back when decoded
    (:func:`unmirror_keypoints`)."""
    boxes, scores, kpt_fields, cells = candidates
    fboxes, fscores, fkpt_fields, _ = mirrored_candidates
    mirrored = torch.arange(2 * boxes.shape[1], device=boxes.device) >= boxes.shape[1]
    return (torch.cat([boxes, mirror_boxes(fboxes, width)], dim=1),
            torch.cat([scores, fscores], dim=1), torch.cat([kpt_fields, fkpt_fields], dim=1),
            torch.cat([cells, cells], dim=0), mirrored)


def unmirror_keypoints(kpts: Tensor, mirrored: Tensor, width: float,
                       flip_indices: Sequence[int]) -> Tensor:
    """Keypoints ``(n, K, 3)`` of candidates of either view, those with ``mirrored`` brought to
    the original input's pixels and keypoint order."""
    kpts[mirrored] = mirror_keypoints(kpts[mirrored], width, flip_indices)
    return kpts


def mirror_boxes(boxes: Tensor, width: float) -> Tensor:
    """Boxes ``(..., 4)`` x1 y1 x2 y2 of the mirrored input in the original input's pixels."""
    return torch.stack([width - boxes[..., 2], boxes[..., 1], width - boxes[..., 0],
                        boxes[..., 3]], dim=-1)


def mirror_keypoints(kpts: Tensor, width: float, flip_indices: Sequence[int]) -> Tensor:
    """Keypoints ``(..., K, 3)`` (x, y, score) of the mirrored input in the original input's
    pixels and order: x mirrored, keypoint ``k`` taken from ``flip_indices[k]``."""
    out = kpts[..., list(flip_indices), :].clone()
    out[..., 0] = width - out[..., 0]
    return out


def average_views(kept: Tensor, candidates: Tensor, boxes: Tensor, mirrored: Tensor,
                  kpts_of, iou_thr: float):
    """Each kept person averaged with its best-overlapping candidate of the other view.

    Args:
        kept: (n,) indices (into ``boxes``) of the people NMS kept.
        candidates: (m,) indices of all candidates that went into NMS.
        boxes: (N, 4) every candidate's box in the original input's pixels.
        mirrored: (N,) bool, the candidate comes from the mirrored view.
        kpts_of: indices -> (len, K, 3) keypoints in the original input's pixels and order.
        iou_thr: The least IoU for a partner (the NMS threshold).

    Returns:
        (bboxes (n, 4), keypoints (n, K, 3)): averaged where a partner exists, else the kept
        person's own.
    """
    bboxes, kpts = boxes[kept].clone(), kpts_of(kept)
    if not len(kept) or not len(candidates):
        return bboxes, kpts
    iou = box_iou(bboxes, boxes[candidates])
    iou[mirrored[kept][:, None] == mirrored[candidates][None]] = -1  # other view only
    best_iou, best = iou.max(dim=1)
    has = best_iou >= iou_thr
    if has.any():
        partners = candidates[best[has]]
        bboxes[has] = (bboxes[has] + boxes[partners]) / 2
        kpts[has] = (kpts[has] + kpts_of(partners)) / 2
    return bboxes, kpts
