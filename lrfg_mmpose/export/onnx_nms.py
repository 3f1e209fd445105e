# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
"""Box NMS inside an exported graph (ONNX ``NonMaxSuppression``) with fixed-size outputs.

ONNX's ``NonMaxSuppression`` returns a variable list of ``(batch, class, box)`` indices. Runtimes
and TensorRT-style consumers want fixed shapes, so the selected candidates of each image fill
``max_det`` slots, best first, padded with zeros, with the count in ``num_dets``. Every op used
(NonMaxSuppression, ScatterElements, TopK, Gather) is in ONNX Runtime and OpenVINO.
"""
from typing import Tuple

import torch
from torch import Tensor


class _NonMaxSuppression(torch.autograd.Function):
    """``NonMaxSuppression`` (single class, corner boxes) as an ONNX node. Its PyTorch
    forward only stands in while tracing (the exported graph runs the ONNX op); it returns
    the right type and rank, not a real NMS."""

    @staticmethod
    def forward(ctx, boxes: Tensor, scores: Tensor, max_det: int, iou_thr: float,
                score_thr: float) -> Tensor:
        num = min(max_det, boxes.shape[1])
        batch = torch.arange(boxes.shape[0]).repeat_interleave(num)
        index = torch.arange(num).repeat(boxes.shape[0])
        return torch.stack([batch, torch.zeros_like(batch), index], dim=1)

    @staticmethod
    def symbolic(g, boxes, scores, max_det, iou_thr, score_thr):
        return g.op('NonMaxSuppression', boxes, scores,
                    g.op('Constant', value_t=torch.tensor([max_det], dtype=torch.long)),
                    g.op('Constant', value_t=torch.tensor([iou_thr], dtype=torch.float)),
                    g.op('Constant', value_t=torch.tensor([score_thr], dtype=torch.float)),
                    center_point_box_i=0)


def nms_fixed_outputs(boxes: Tensor, scores: Tensor, extra: Tensor, max_det: int, iou_thr: float,
                      score_thr: float) -> Tuple[Tensor, Tensor, Tensor, Tensor]:
    """NMS per image, kept candidates in ``max_det`` zero-padded slots, best first.

    The kept candidates are marked in a (B, N) mask and read back with ``topk`` over their
    scores: every shape follows the input's, so one graph serves any batch and input size
    (with N >= ``max_det`` candidates: inputs of at least 128 x 128 at ``max_det`` 300).

    Args:
        boxes (Tensor): (B, N, 4) x1, y1, x2, y2.
        scores (Tensor): (B, N) in [0, 1].
        extra (Tensor): (B, N, E) per-candidate data carried along (keypoints).
        max_det (int): Slots per image.
        iou_thr (float): Overlap above which a lower-scored box is dropped.
        score_thr (float): Candidates must score above this.

    Returns:
        num_dets (B, ) int64, boxes (B, max_det, 4), scores (B, max_det),
        extra (B, max_det, E).
    """
    selected = _NonMaxSuppression.apply(boxes, scores[:, None], max_det, iou_thr,
                                        score_thr)  # (S, 3) batch, class, box
    # (B, N) mask of the kept. Built from ``scores * 0`` rather than zeros_like: the exporter
    # folds zeros_like into a constant of the traced batch size.
    flat = selected[:, 0] * scores.shape[1] + selected[:, 2]
    kept = (scores * 0).flatten().scatter(0, flat, 1.0).view_as(scores)
    num_dets = kept.sum(dim=1).long()
    # Kept candidates keep their score, the others rank below any of them.
    top, order = torch.where(kept > 0, scores, scores * 0 - 1).topk(max_det, dim=1)
    valid = (top >= 0).to(boxes.dtype)  # (B, max_det)
    # Row of each slot, (B, 1), from a cumulative sum: arange(B) would be traced as a constant.
    row = (order[:, :1] * 0 + 1).cumsum(0) - 1
    flat_order = order + row * scores.shape[1]  # (B, max_det) into the flattened (B * N)

    def take(x):  # (B, N, C) -> (B, max_det, C), zeros past num_dets
        return x.flatten(0, 1)[flat_order] * valid[..., None]
    return num_dets, take(boxes), top.clamp(min=0) * valid, take(extra)
