# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
"""YOLOv5-style target assignment used by YOLO-Pose.

Paper: "YOLO-Pose: Enhancing YOLO for Multi Person Pose Estimation Using Object
Keypoint Similarity Loss", Maji et al., CVPRW 2022 (https://arxiv.org/abs/2204.06806),
Sec. 3 (anchor assignment follows YOLOv5).
"""
from typing import NamedTuple, Tuple

import torch
from mmpose.registry import TASK_UTILS
from torch import Tensor

from .yolopose_box_format import xyxy_to_cxcywh

# Offsets subtracted from the centre (times neighbour_thr) to reach the own cell and the
# neighbour to the left, above, to the right and below.
_NEIGHBOUR_OFFSETS = ((0, 0), (1, 0), (0, 1), (-1, 0), (0, -1))


class LevelTargets(NamedTuple):
    """Positives of one level; ``m`` = number of (target, anchor, cell) matches."""
    img_inds: Tensor  # (m, ) image index in the batch
    anchor_inds: Tensor  # (m, ) anchor index at this level
    grid_x: Tensor  # (m, ) cell column gi
    grid_y: Tensor  # (m, ) cell row gj
    target_inds: Tensor  # (m, ) index into the batch's target list
    boxes: Tensor  # (m, 4) cx, cy (relative to the cell corner), w, h in grid units
    keypoints: Tensor  # (m, K, 2) keypoints relative to the cell corner, grid units


def assign_level(img_inds: Tensor, boxes: Tensor, keypoints: Tensor, anchors: Tensor,
                 stride: float, grid_size: tuple, anchor_thr: float = 4.0,
                 neighbour_thr: float = 0.5) -> LevelTargets:
    """Assign targets to (anchor, cell) pairs of one feature level.

    A target matches an anchor when ``max(r, 1/r) < anchor_thr`` holds for both the
    width and the height ratio ``r`` of box to anchor. Each match goes to the cell
    holding the box centre and to the two neighbouring cells nearest that centre
    (the neighbours whose shared edge lies within ``neighbour_thr`` of the centre).

    Args:
        img_inds (Tensor): (n, ) image index of each target.
        boxes (Tensor): (n, 4) targets as cx, cy, w, h in input pixels.
        keypoints (Tensor): (n, K, 2) keypoints in input pixels.
        anchors (Tensor): (A, 2) anchor w, h in input pixels.
        stride (float): Level stride in pixels.
        grid_size (tuple): (H, W) of the level.
        anchor_thr (float): Largest allowed box/anchor side ratio. Defaults to 4.0.
        neighbour_thr (float): Neighbour-cell distance threshold. Defaults to 0.5.

    Returns:
        LevelTargets: the matches of this level.
    """
    grid_h, grid_w = grid_size
    gxy = boxes[:, :2] / stride  # (n, 2) centre in grid units
    gwh = boxes[:, 2:] / stride
    anchors = anchors / stride  # (A, 2)

    ratio = gwh[None] / anchors[:, None]  # (A, n, 2)
    matched = torch.max(ratio, 1 / ratio).amax(dim=2) < anchor_thr  # (A, n)
    anchor_inds, target_inds = matched.nonzero(as_tuple=True)  # (m0, ) each

    cxy = gxy[target_inds]  # (m0, 2)
    inv = torch.stack([cxy.new_tensor(grid_w), cxy.new_tensor(grid_h)]) - cxy
    left_up = (cxy % 1 < neighbour_thr) & (cxy > 1)  # (m0, 2): use cell to the left / above
    right_down = (inv % 1 < neighbour_thr) & (inv > 1)  # (m0, 2): cell to the right / below
    use = torch.stack([torch.ones_like(left_up[:, 0]), left_up[:, 0], left_up[:, 1],
                       right_down[:, 0], right_down[:, 1]])  # (5, m0)
    offsets = cxy.new_tensor(_NEIGHBOUR_OFFSETS) * neighbour_thr  # (5, 2)

    sel_offsets = offsets[:, None].expand(5, len(cxy), 2)[use]  # (m, 2)
    anchor_inds = anchor_inds[None].expand(5, -1)[use]  # (m, )
    target_inds = target_inds[None].expand(5, -1)[use]
    cxy = cxy[None].expand(5, -1, 2)[use]  # (m, 2)

    cell = (cxy - sel_offsets).long()
    grid_x = cell[:, 0].clamp_(0, grid_w - 1)
    grid_y = cell[:, 1].clamp_(0, grid_h - 1)
    corner = torch.stack([grid_x, grid_y], dim=1).to(cxy)  # (m, 2)
    rel_boxes = torch.cat([cxy - corner, gwh[target_inds]], dim=1)
    rel_kpts = keypoints[target_inds] / stride - corner[:, None]  # (m, K, 2)
    return LevelTargets(img_inds[target_inds], anchor_inds, grid_x, grid_y, target_inds,
                        rel_boxes, rel_kpts)


@TASK_UTILS.register_module()
class YOLOPoseAssigner:
    """:func:`assign_level` as the head's ``assigner`` config (``dict(type='YOLOPoseAssigner',
    anchor_thr=4.0)``); ``anchor_thr`` is also what the anchor analysis checks against."""

    def __init__(self, anchor_thr: float = 4.0, neighbour_thr: float = 0.5):
        self.anchor_thr, self.neighbour_thr = anchor_thr, neighbour_thr

    def __call__(self, img_inds: Tensor, boxes: Tensor, keypoints: Tensor, anchors: Tensor,
                 stride: float, grid_size: tuple) -> LevelTargets:
        return assign_level(img_inds, boxes, keypoints, anchors, stride, grid_size,
                            self.anchor_thr, self.neighbour_thr)


def collect_targets(batch_data_samples, num_keypoints: int, device, metainfo=None
                    ) -> Tuple[Tensor, Tensor, Tensor, Tensor]:
    """The batch's people as assignment inputs: image index (n, ), boxes cx, cy, w, h (n, 4),
    keypoints (n, K, 2) and labelled mask (n, K), in input pixels. Data with another keypoint
    count than the head's (``metainfo``, its meta file) is refused in one line."""
    img_inds, boxes, kpts, labelled = [], [], [], []
    K = num_keypoints
    for i, data_sample in enumerate(batch_data_samples):
        gt = data_sample.gt_instance_labels
        b = torch.as_tensor(gt.bboxes, dtype=torch.float32, device=device).reshape(-1, 4)
        if len(b) == 0:
            continue
        k = torch.as_tensor(gt.keypoints, dtype=torch.float32, device=device)
        if k.shape[-2] != K:
            raise ValueError(
                f'the data has {k.shape[-2]} keypoints per person but the head was built for '
                f'{K} (model.head.metainfo={metainfo!r}): give the head and the datasets '
                f'the same meta file')
        v = torch.as_tensor(gt.keypoints_visible, dtype=torch.float32, device=device)
        img_inds.append(torch.full((len(b), ), i, dtype=torch.long, device=device))
        boxes.append(xyxy_to_cxcywh(b))
        kpts.append(k.reshape(-1, K, 2))
        labelled.append((v.reshape(-1, K) > 0).float())
    if not boxes:
        return (torch.zeros(0, dtype=torch.long, device=device), torch.zeros(0, 4, device=device),
                torch.zeros(0, K, 2, device=device), torch.zeros(0, K, device=device))
    return torch.cat(img_inds), torch.cat(boxes), torch.cat(kpts), torch.cat(labelled)
