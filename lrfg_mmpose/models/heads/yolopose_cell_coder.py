# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
"""YOLO-Pose's per-anchor output fields to boxes and keypoints in cell space (grid units,
relative to the cell's corner), and back: what the loss compares with its targets.

Paper: "YOLO-Pose: Enhancing YOLO for Multi Person Pose Estimation Using Object Keypoint
Similarity Loss", Maji et al., CVPRW 2022, Eq. (1)-(2) (box decoding as YOLOv5; keypoints
decoded like box centres but without the sigmoid, so that they may leave the anchor's cell).

The fields of one anchor at one cell are ``tx, ty, tw, th, obj, cls_1..cls_nc`` then ``K`` times
``kx, ky, kconf``. In grid units, relative to the cell's top-left corner::

    box centre  = 2 sigmoid(tx, ty) - 0.5            in (-0.5, 1.5): the cell or a neighbour
    box size    = (2 sigmoid(tw, th))^2 * anchor     in (0, 4) anchors
    keypoint    = 2 (kx, ky) - 0.5

Adding the cell corner and multiplying by the stride gives input pixels. The loss works on the
cell-relative values, ``predict()`` and the exporter on pixels (:mod:`.yolopose_pixel_decoder`),
the tests on the inverse.
"""
from typing import NamedTuple, Tuple

import torch
from torch import Tensor


class CellPredictions(NamedTuple):
    """Decoded fields, cell-relative, grid units (``...`` = any leading shape)."""
    boxes: Tensor  # (..., 4) cx, cy, w, h
    obj_logits: Tensor  # (..., )
    cls_logits: Tensor  # (..., nc)
    keypoints: Tensor  # (..., K, 2) x, y
    keypoint_logits: Tensor  # (..., K) keypoint confidence before the sigmoid


def decode_boxes(fields: Tensor, anchors: Tensor) -> Tensor:
    """Box ``(..., 4)`` cx, cy, w, h from the fields' first four (``tx, ty, tw, th``)."""
    xy = fields[..., :2].sigmoid() * 2 - 0.5
    wh = (fields[..., 2:4].sigmoid() * 2).pow(2) * anchors
    return torch.cat([xy, wh], dim=-1)


def decode_cell_keypoints(kpt_fields: Tensor) -> Tuple[Tensor, Tensor]:
    """Keypoints ``(..., K, 2)`` and their confidence logits ``(..., K)`` from the ``3K``
    keypoint fields."""
    kpt = kpt_fields.unflatten(-1, (-1, 3))  # (..., K, 3)
    return kpt[..., :2] * 2 - 0.5, kpt[..., 2]


def decode_cells(fields: Tensor, anchors: Tensor, num_classes: int = 1) -> CellPredictions:
    """Decode fields ``(..., 5 + nc + 3K)`` with ``anchors`` ``(..., 2)`` (w, h in grid units,
    broadcastable to the fields' leading shape)."""
    nb = 5 + num_classes
    keypoints, keypoint_logits = decode_cell_keypoints(fields[..., nb:])
    return CellPredictions(decode_boxes(fields, anchors), fields[..., 4], fields[..., 5:nb],
                           keypoints, keypoint_logits)


def encode_cells(pred: CellPredictions, anchors: Tensor) -> Tensor:
    """Inverse of :func:`decode_cells` (centres in (-0.5, 1.5), sizes in (0, 4) anchors)."""
    def logit(p):
        return torch.log(p / (1 - p))

    txy = logit((pred.boxes[..., :2] + 0.5) / 2)
    twh = logit((pred.boxes[..., 2:] / anchors).sqrt() / 2)
    kpt = torch.cat([(pred.keypoints + 0.5) / 2, pred.keypoint_logits[..., None]], dim=-1)
    return torch.cat([txy, twh, pred.obj_logits[..., None], pred.cls_logits, kpt.flatten(-2)],
                     dim=-1)
