"""Shared test helpers: targets made into the raw head outputs that decode to them."""
import torch

from lrfg_mmpose.models.heads import YOLOPoseHead, assign_level


def logit(p: torch.Tensor) -> torch.Tensor:
    return torch.log(p / (1 - p))


def perfect_outputs(head: YOLOPoseHead, boxes: torch.Tensor, kpts: torch.Tensor,
                    vis: torch.Tensor, input_hw: tuple, batch_size: int = 1, img_inds=None):
    """Raw ``(box_outs, kpt_outs)`` of ``head`` whose decoding gives exactly the given
    people (xyxy ``boxes`` (n, 4), ``kpts`` (n, K, 2), ``vis`` (n, K), input pixels) at
    every anchor/cell they are assigned to, with high scores there and low elsewhere."""
    K = head.num_keypoints
    img_inds = torch.zeros(len(boxes), dtype=torch.long) if img_inds is None else img_inds
    cxcywh = torch.cat([(boxes[:, :2] + boxes[:, 2:]) / 2, boxes[:, 2:] - boxes[:, :2]], 1)
    A, nb = head.num_anchors, head.num_box_out
    box_outs, kpt_outs = [], []
    for level, stride in enumerate(head.featmap_strides):
        h, w = input_hw[0] // stride, input_hw[1] // stride
        p = torch.full((batch_size, A, h, w, nb + 3 * K), -12.0)
        t = assign_level(img_inds, cxcywh, kpts, head.anchors[level], stride, (h, w))
        anchors = head.anchors[level][t.anchor_inds] / stride
        vals = torch.cat([
            logit((t.boxes[:, :2] + 0.5) / 2),
            logit((t.boxes[:, 2:] / anchors).sqrt() / 2),
            torch.full((len(t.img_inds), 2), 12.0),
            torch.cat([(t.keypoints + 0.5) / 2, (vis[t.target_inds] * 24 - 12)[..., None]],
                      dim=-1).flatten(1)
        ], dim=1)
        p[t.img_inds, t.anchor_inds, t.grid_y, t.grid_x] = vals
        box_out, kpt_out = head.split_outputs(p)  # in the head's channel layout
        box_outs.append(box_out)
        kpt_outs.append(kpt_out)
    return box_outs, kpt_outs


def gt_in_input_space(meta: dict, anns: list):
    """COCO records of one image mapped into the model's input space (the inverse of
    ``BottomupPoseEstimator.add_pred_to_datasample``): boxes (n, 4) xyxy, keypoints
    (n, K, 2) and labelled mask (n, K)."""
    center, scale, size = (torch.tensor(meta[k], dtype=torch.float32)
                           for k in ('input_center', 'input_scale', 'input_size'))

    def to_input(xy):
        return (xy - center + 0.5 * scale) * size / scale

    if not anns:
        return torch.zeros(0, 4), torch.zeros(0, 17, 2), torch.zeros(0, 17)
    kpts = torch.tensor([a['keypoints'] for a in anns], dtype=torch.float32).view(len(anns), -1, 3)
    x, y, w, h = torch.tensor([a['bbox'] for a in anns], dtype=torch.float32).T
    boxes = to_input(torch.stack([x, y, x + w, y + h], 1).view(-1, 2, 2)).view(-1, 4)
    return boxes, to_input(kpts[..., :2]), (kpts[..., 2] > 0).float()
