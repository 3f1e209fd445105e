# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
"""The YOLO-Pose head's outputs to people in input pixels, shared by ``predict()`` and the
exporter (Eq. (1)-(2) of YOLO-Pose, Maji et al., CVPRW 2022; the fields in cell space are
:mod:`.yolopose_cell_coder`'s)."""
import warnings
from typing import Dict, List, Sequence, Tuple

import torch
from torch import Tensor

from .yolopose_box_format import corners
from .yolopose_cell_coder import decode_boxes, decode_cell_keypoints
from .yolopose_layouts import ChannelLayout


class YOLOPoseDecoder:
    """Every anchor of every cell as a candidate: box, score and (on demand) keypoints.

    Args:
        featmap_strides: Level strides.
        layout: The head's :class:`~.yolopose_layouts.ChannelLayout` (it knows the fields).

    ``trace_dynamic_grid`` (set by exporters of graphs with a dynamic input size) makes the cell
    grid from the traced size instead of a cached constant.
    """

    def __init__(self, featmap_strides: Sequence[int], layout: ChannelLayout):
        self.featmap_strides = list(featmap_strides)
        self.layout = layout
        self.trace_dynamic_grid = False
        self._grid_cache: Dict[tuple, Tensor] = {}

    def grid(self, h: int, w: int, device, dtype) -> Tensor:
        """(H, W, 2) cell corners (x, y) in grid units, cached per size, device and dtype."""
        dynamic = self.trace_dynamic_grid and torch.jit.is_tracing()
        if not dynamic:  # a traced size is a tensor: as ints the grid is a constant of the graph
            with warnings.catch_warnings():  # (the tracer warns of exactly that)
                warnings.simplefilter('ignore', torch.jit.TracerWarning)
                h, w = int(h), int(w)
        key = (h, w, str(device), dtype)
        if dynamic or key not in self._grid_cache:
            ys, xs = torch.meshgrid(torch.arange(h, device=device, dtype=dtype),
                                    torch.arange(w, device=device, dtype=dtype), indexing='ij')
            grid = torch.stack([xs, ys], dim=-1)
            if dynamic:
                return grid
            self._grid_cache[key] = grid
        return self._grid_cache[key]

    def candidates(self, box_outs: List[Tensor], kpt_outs: List[Tensor], anchors: Tensor
                   ) -> Tuple[Tensor, Tensor, Tensor, Tensor]:
        """Boxes ``(B, N, 4)`` x1 y1 x2 y2 and scores ``(B, N)`` in input pixels, the raw
        keypoint fields ``(B, N, 3K)`` and each candidate's cell ``(N, 3)`` (corner x, y in grid
        units, stride), N running over level, anchor, row, column; ``anchors`` ``(L, A, 2)``
        pixels. :meth:`decode_keypoints` decodes the keypoints of the candidates kept."""
        boxes, scores, kpt_fields, cells = [], [], [], []
        nb = self.layout.num_box_out
        for level, (box_out, kpt_out) in enumerate(zip(box_outs, kpt_outs)):
            p = self.layout.join(box_out, kpt_out)  # (B, A, H, W, C)
            a, h, w = p.shape[1:4]
            stride = self.featmap_strides[level]
            grid = self.grid(h, w, p.device, p.dtype)
            box = decode_boxes(p, (anchors[level] / stride).to(p.dtype).view(1, a, 1, 1, 2))
            xy, wh = (box[..., :2] + grid) * stride, box[..., 2:] * stride
            boxes.append(corners(xy, wh).flatten(1, 3))
            scores.append((p[..., 4].sigmoid() * p[..., 5:nb].sigmoid().amax(dim=-1)).flatten(1))
            kpt_fields.append(p[..., nb:].flatten(1, 3))  # (B, A*H*W, 3K)
            # (A, H, W, 3): corner x, y and stride, repeated over anchors (no expand: export)
            cell = torch.cat([grid, grid[..., :1] * 0 + stride], dim=-1)
            cells.append(cell[None].repeat(a, 1, 1, 1).flatten(0, 2))
        return (torch.cat(boxes, dim=1), torch.cat(scores, dim=1), torch.cat(kpt_fields, dim=1),
                torch.cat(cells, dim=0))

    @staticmethod
    def decode_keypoints(kpt_fields: Tensor, cells: Tensor) -> Tensor:
        """Keypoints ``(..., K, 3)``: x, y in input pixels and confidence, from raw keypoint
        fields ``(..., 3K)`` and their candidates' cells ``(..., 3)`` (broadcastable)."""
        xy, logits = decode_cell_keypoints(kpt_fields)  # cell-relative, grid units
        xy = (xy + cells[..., None, :2]) * cells[..., None, 2:]
        return torch.cat([xy, logits.sigmoid()[..., None]], dim=-1)

    def decode(self, box_outs: List[Tensor], kpt_outs: List[Tensor], anchors: Tensor) -> Tensor:
        """All candidates as ``(B, N, 4 + 1 + 3K)``: box xyxy, score, keypoints ``(x, y, conf)``,
        in input pixels."""
        boxes, scores, kpt_fields, cells = self.candidates(box_outs, kpt_outs, anchors)
        kpts = self.decode_keypoints(kpt_fields, cells)  # (B, N, K, 3)
        return torch.cat([boxes, scores[..., None], kpts.flatten(-2)], dim=-1)
