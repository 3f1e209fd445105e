# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
"""Losses of YOLO-Pose.

Paper: "YOLO-Pose: Enhancing YOLO for Multi Person Pose Estimation Using Object
Keypoint Similarity Loss", Maji et al., CVPRW 2022, Eq. (1)-(5) (box CIoU, OKS keypoint
loss and keypoint-confidence loss).
"""
import math
from typing import Optional, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmpose.registry import MODELS
from torch import Tensor

from .yolopose_box_format import cxcywh_to_xyxy


def complete_iou(pred: Tensor, target: Tensor, eps: float = 1e-7) -> Tensor:
    """CIoU of aligned (m, 4) cx, cy, w, h boxes (Zheng et al., AAAI 2020, Eq. (9)-(11)).

    ``IoU - rho^2 / c^2 - alpha * v`` with the aspect term's weight ``alpha`` kept out of
    the graph, as YOLOv5. mmdet's ``ciou_loss`` is not used: its ``alpha`` is 0 / 0 (NaN)
    for a perfect prediction.
    """
    p1, p2 = cxcywh_to_xyxy(pred).split(2, dim=-1)
    t1, t2 = cxcywh_to_xyxy(target).split(2, dim=-1)
    wh_p, wh_t = pred[:, 2:], target[:, 2:]
    inter = (torch.min(p2, t2) - torch.max(p1, t1)).clamp(min=0).prod(dim=-1)
    union = wh_p.prod(dim=-1) + wh_t.prod(dim=-1) - inter + eps
    iou = inter / union
    enclose = (torch.max(p2, t2) - torch.min(p1, t1)).pow(2).sum(dim=-1) + eps  # c^2
    rho2 = (pred[:, :2] - target[:, :2]).pow(2).sum(dim=-1)
    v = (4 / math.pi**2) * (torch.atan(wh_t[:, 0] / (wh_t[:, 1] + eps)) -
                            torch.atan(wh_p[:, 0] / (wh_p[:, 1] + eps))).pow(2)
    with torch.no_grad():
        alpha = v / (v - iou + (1 + eps))
    return iou - (rho2 / enclose + alpha * v)


def oks_keypoint_loss(pred: Tensor, target: Tensor, labelled: Tensor, areas: Tensor,
                      sigmas: Tensor, eps: float = 1e-9) -> Tensor:
    """YOLO-Pose's OKS keypoint loss, Eq. (3)-(4).

    ``sum_{i,k} v_ik (1 - exp(-d_ik^2 / (s_i * 4 sigma_k^2))) / sum_{i,k} v_ik`` with
    ``d`` the keypoint error and ``s`` the target box area (same units squared). This
    equals the reference's ``K / #labelled`` scaling of the mean over all ``m x K``
    keypoints. MMPose's ``OKSLoss`` is a different quantity (one minus the per-instance
    OKS, with ``8 sigma^2`` in the exponent), so it is not reused here.

    Args:
        pred (Tensor): (m, K, 2) predicted keypoints.
        target (Tensor): (m, K, 2) target keypoints.
        labelled (Tensor): (m, K) 1 where the keypoint is labelled, else 0.
        areas (Tensor): (m, ) target box areas.
        sigmas (Tensor): (K, ) per-keypoint OKS sigmas.

    Returns:
        Tensor: the scalar loss (0 when nothing is labelled).
    """
    dist2 = (pred - target).pow(2).sum(dim=-1)  # (m, K)
    scale = areas[:, None] * (4 * sigmas.pow(2))[None] + eps  # (m, K)
    per_kpt = (1 - torch.exp(-dist2 / scale)) * labelled
    return per_kpt.sum() / labelled.sum().clamp(min=1)


def scale_normalised_l1_loss(pred: Tensor, target: Tensor, labelled: Tensor, areas: Tensor,
                             eps: float = 1e-9) -> Tensor:
    """Scale-normalised L1 keypoint loss, the alternative YOLO-Pose compares its OKS loss
    with (Sec. 3.2).

    ``sum_{i,k} v_ik (|dx_ik| + |dy_ik|) / sqrt(s_i) / sum_{i,k} v_ik``. Unlike the OKS loss,
    whose gradient ``~ exp(-d^2 / (s 4 sigma^2))`` vanishes for a keypoint predicted far
    from its target, this pulls every labelled keypoint with a constant force; it is off by
    default (paper loss) and offered as the head's ``kpt_l1`` loss weight.

    Args:
        pred (Tensor): (m, K, 2) predicted keypoints.
        target (Tensor): (m, K, 2) target keypoints.
        labelled (Tensor): (m, K) 1 where the keypoint is labelled, else 0.
        areas (Tensor): (m, ) target box areas (same units squared).

    Returns:
        Tensor: the scalar loss (0 when nothing is labelled).
    """
    per_kpt = (pred - target).abs().sum(dim=-1) / (areas[:, None] + eps).sqrt() * labelled
    return per_kpt.sum() / labelled.sum().clamp(min=1)


# The same losses as modules, so that the head takes them as registry config dicts
# (``loss_bbox``, ``loss_kpt``, ``loss_kpt_l1``, ``loss_obj``, ``loss_vis``); the head applies
# the gains.
@MODELS.register_module()
class YOLOPoseCIoULoss(nn.Module):
    """``1 - CIoU`` averaged over the positives (:func:`complete_iou`); also returns the CIoU,
    which is the objectness target."""

    def forward(self, pred: Tensor, target: Tensor) -> Tuple[Tensor, Tensor]:
        iou = complete_iou(pred, target)
        return (1 - iou).mean(), iou


@MODELS.register_module()
class YOLOPoseOKSLoss(nn.Module):
    """:func:`oks_keypoint_loss`, Eq. (3)-(4)."""

    def forward(self, pred: Tensor, target: Tensor, labelled: Tensor, areas: Tensor,
                sigmas: Tensor) -> Tensor:
        return oks_keypoint_loss(pred, target, labelled, areas, sigmas)


@MODELS.register_module()
class ScaleNormalisedL1Loss(nn.Module):
    """:func:`scale_normalised_l1_loss` (``sigmas`` accepted and unused, so that it can stand
    where :class:`YOLOPoseOKSLoss` does)."""

    def forward(self, pred: Tensor, target: Tensor, labelled: Tensor, areas: Tensor,
                sigmas: Optional[Tensor] = None) -> Tensor:
        return scale_normalised_l1_loss(pred, target, labelled, areas)


@MODELS.register_module()
class YOLOPoseBCELoss(nn.Module):
    """Binary cross-entropy on logits, averaged over every element (Eq. (5) for the keypoint
    confidences; the objectness term against the detached CIoU), times ``loss_weight``.

    The reference's ``BCEWithLogitsLoss``, computed by PyTorch's fused mean, so that gradients
    equal the reference's to the last bit; MMPose's ``BCELoss`` (``reduction='none'``, then a
    mean) gives the same values but gradients that differ in the last bits, which a long
    over-fitting run on the CPU amplifies.
    """

    def __init__(self, loss_weight: float = 1.0):
        super().__init__()
        self.loss_weight = loss_weight

    def forward(self, logits: Tensor, target: Tensor) -> Tensor:
        loss = F.binary_cross_entropy_with_logits(logits, target)
        return loss if self.loss_weight == 1.0 else loss * self.loss_weight
