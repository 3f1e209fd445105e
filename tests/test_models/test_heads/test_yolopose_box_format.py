import torch

from lrfg_mmpose.models.heads import cxcywh_to_xyxy, xyxy_to_cxcywh
from lrfg_mmpose.models.heads.yolopose_box_format import corners


def test_box_formats_hand_computed_and_inverse():
    cxcywh = torch.tensor([[99., 101., 40., 80.], [0.5, 0.5, 1., 3.]])
    xyxy = torch.tensor([[79., 61., 119., 141.], [0., -1., 1., 2.]])
    torch.testing.assert_close(cxcywh_to_xyxy(cxcywh), xyxy)
    torch.testing.assert_close(xyxy_to_cxcywh(xyxy), cxcywh)
    torch.testing.assert_close(corners(cxcywh[:, :2], cxcywh[:, 2:]), xyxy)
    batched = torch.rand(2, 5, 4)  # any leading shape
    torch.testing.assert_close(xyxy_to_cxcywh(cxcywh_to_xyxy(batched)), batched)
