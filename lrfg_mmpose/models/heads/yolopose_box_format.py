# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
"""The head's two box formats: centre and size (``cx, cy, w, h``: the assigner's targets, the
CIoU loss, the decoded fields) and corners (``x1, y1, x2, y2``: NMS, the predictions, MMPose's
data samples). The assigner, the loss and the decoder convert through these only."""
import torch
from torch import Tensor


def corners(xy: Tensor, wh: Tensor) -> Tensor:
    """``(..., 4)`` x1 y1 x2 y2 from centres ``(..., 2)`` and sizes ``(..., 2)``."""
    return torch.cat([xy - wh / 2, xy + wh / 2], dim=-1)


def cxcywh_to_xyxy(boxes: Tensor) -> Tensor:
    """``(..., 4)`` centre/size boxes to corner boxes."""
    return corners(boxes[..., :2], boxes[..., 2:])


def xyxy_to_cxcywh(boxes: Tensor) -> Tensor:
    """``(..., 4)`` corner boxes to centre/size boxes."""
    return torch.cat([(boxes[..., :2] + boxes[..., 2:]) / 2, boxes[..., 2:] - boxes[..., :2]],
                     dim=-1)
