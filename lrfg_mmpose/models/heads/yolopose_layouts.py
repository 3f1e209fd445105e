# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
"""How the YOLO-Pose head's two convs' output channels become per-anchor fields.

Per level the box conv gives ``A * (5 + nc)`` channels and the keypoint branch ``A * 3K``; a
layout reads them as ``A`` anchors of ``C = 5 + nc + 3K`` fields each (:meth:`join`) and back
(:meth:`split`). Both layouts have the same parameters, decoding and loss; the fields mean other
weights, so a checkpoint fits only the layout it was trained with (the head saves
:attr:`~ChannelLayout.code`).
"""
import math
from typing import Dict, Sequence, Tuple, Type

import torch
import torch.nn as nn
from torch import Tensor


class ChannelLayout:
    """The interface: ``join`` (two conv outputs -> ``(B, A, H, W, C)`` fields), its inverse
    ``split``, and how the conv biases start (:meth:`init_biases`)."""
    name = ''
    code = -1  # saved in the head's state dict

    def __init__(self, num_anchors: int, num_box_out: int, num_keypoints: int):
        self.num_anchors, self.num_box_out, self.num_keypoints = (num_anchors, num_box_out,
                                                                  num_keypoints)

    @property
    def num_fields(self) -> int:
        return self.num_box_out + 3 * self.num_keypoints

    def join(self, box_out: Tensor, kpt_out: Tensor) -> Tensor:
        """``(B, A*(5+nc), H, W)`` and ``(B, A*3K, H, W)`` -> fields ``(B, A, H, W, C)``."""
        raise NotImplementedError

    def split(self, fields: Tensor) -> Tuple[Tensor, Tensor]:
        """Fields ``(B, A, H, W, C)`` -> the box-conv and keypoint-branch outputs giving them."""
        raise NotImplementedError

    def init_biases(self, convs: Sequence[nn.Conv2d]) -> None:
        """Set the final convs' biases before the objectness and class priors are added."""


class ReferenceLayout(ChannelLayout):
    """YOLO-Pose's ``Detect`` and YOLOv7-pose's ``IKeypoint`` (which produced the paper's Table
    1): the two outputs concatenated, their ``A * C`` channels read as ``(A, C)``; field ``f`` of
    anchor ``a`` is concatenated channel ``a * C + f``. With COCO (``A = 3``, ``C = 57``) anchor 0
    takes its box, objectness, class and first 12 keypoint fields from the box conv and the rest
    from the keypoint branch; anchors 1 and 2 take all their fields from the keypoint branch.
    Conv biases keep PyTorch's default ``U(-1/sqrt(fan_in), 1/sqrt(fan_in))``, as there."""
    name, code = 'reference', 0

    def join(self, box_out: Tensor, kpt_out: Tensor) -> Tensor:
        b, _, h, w = box_out.shape
        fields = torch.cat([box_out, kpt_out], dim=1).view(b, self.num_anchors, self.num_fields,
                                                           h, w)
        return fields.permute(0, 1, 3, 4, 2)

    def split(self, fields: Tensor) -> Tuple[Tensor, Tensor]:
        b, A, h, w, C = fields.shape
        flat = fields.permute(0, 1, 4, 2, 3).reshape(b, A * C, h, w)
        return flat[:, :A * self.num_box_out], flat[:, A * self.num_box_out:]

    def init_biases(self, convs: Sequence[nn.Conv2d]) -> None:
        for conv in convs:
            bound = 1 / math.sqrt(conv.weight[0].numel())
            nn.init.uniform_(conv.bias, -bound, bound)


class PerAnchorLayout(ChannelLayout):
    """Each anchor takes its ``5 + nc`` fields from the box conv and its ``3K`` from the keypoint
    branch; biases start at 0 (``init_cfg``) plus the priors on every anchor."""
    name, code = 'per_anchor', 1

    def join(self, box_out: Tensor, kpt_out: Tensor) -> Tensor:
        b, _, h, w = box_out.shape
        A = self.num_anchors
        fields = torch.cat([box_out.view(b, A, self.num_box_out, h, w),
                            kpt_out.view(b, A, 3 * self.num_keypoints, h, w)], dim=2)
        return fields.permute(0, 1, 3, 4, 2)

    def split(self, fields: Tensor) -> Tuple[Tensor, Tensor]:
        b, A, h, w, C = fields.shape
        fields = fields.permute(0, 1, 4, 2, 3)  # (B, A, C, H, W)
        nb = self.num_box_out
        return (fields[:, :, :nb].reshape(b, A * nb, h, w),
                fields[:, :, nb:].reshape(b, A * (C - nb), h, w))


#: The layouts by name, in the order of their codes.
CHANNEL_LAYOUTS: Dict[str, Type[ChannelLayout]] = {
    cls.name: cls for cls in sorted((ReferenceLayout, PerAnchorLayout), key=lambda c: c.code)}
