# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
"""The anchor-based YOLO-Pose head, with LRFG-YoloPose's implicit-knowledge switch.

Papers: "YOLO-Pose: Enhancing YOLO for Multi Person Pose Estimation Using Object Keypoint
Similarity Loss", Maji et al., CVPRW 2022, Eq. (1)-(5); implicit knowledge from YOLOR
(Wang et al., 2021, Eq. (1)-(3)) as used by LRFG-YoloPose.
"""
import math
from typing import Dict, List, Optional, Sequence, Tuple, Union

import numpy as np
import torch
import torch.nn as nn
from mmcv.cnn import ConvModule
from mmengine.dist import get_world_size
from mmengine.model import BaseModule
from mmengine.structures import InstanceData
from mmpose.registry import MODELS, TASK_UTILS
from mmpose.utils.typing import ConfigType, OptConfigType, OptMultiConfig, OptSampleList
from torch import Tensor
from torchvision.ops import nms

from ...structures import DEFAULT_ANCHORS, check_input_size, meta_file, pose_metainfo
from ..layers import ImplicitA, ImplicitM, fold_implicit_into_conv
from .yolopose_assigner import collect_targets
from .yolopose_cell_coder import decode_cells
from .yolopose_flip import average_views, join_views, split_views, unmirror_keypoints
from .yolopose_layouts import CHANNEL_LAYOUTS
from .yolopose_pixel_decoder import YOLOPoseDecoder

# The reference's loss gains (data/hyp.scratch.yaml: box, obj, kpt, and cls, which also weighs
# the keypoint-confidence loss), before the scaling YOLOPoseHead.loss_gains applies.
DEFAULT_LOSS_WEIGHTS = dict(bbox=0.05, obj=1.0, kpt=0.10, vis=0.5)


@MODELS.register_module()
class YOLOPoseHead(BaseModule):
    """YOLO-Pose head: per level and anchor, a person box, objectness, class score and
    ``K`` keypoints ``(x, y, conf)``.

    Per level: a 1x1 conv gives ``A * (5 + num_classes)`` box-conv channels (wrapped by
    ImplicitA on its input and ImplicitM on its output when ``use_implicit``); a keypoint
    branch of 6 depthwise 3x3 CBS alternating with 5 pointwise 1x1 CBS, then a 1x1 conv,
    gives ``A * 3K`` keypoint-branch channels. ``C = 5 + num_classes + 3K`` fields per anchor.

    Channel layout (how the two convs' channels become the ``A x C`` fields): ``'reference'``
    (YOLO-Pose's, which produced the paper's Table 1) or ``'per_anchor'``, the classes of
    :mod:`.yolopose_layouts`. Both have the same parameters and the same decoding and loss on the
    ``A x C`` fields; a checkpoint only fits the layout it was trained with
    (``channel_layout_code`` in the state dict; checked on load).

    Parts: the layers here; the layout (``self.layout``); the decoder shared with the exporter
    (``self.decoder``, :class:`.YOLOPoseDecoder`); the assigner and the losses, built from config
    dicts through MMPose's registries (defaults: the reference's).

    Decoding (Eq. (1)-(2)): box ``xy = (2 sigmoid(t) - 0.5 + grid) * stride``,
    ``wh = (2 sigmoid(t))^2 * anchor``; keypoint ``xy = (2t - 0.5 + grid) * stride``;
    keypoint confidence ``sigmoid(t)``; score ``sigmoid(obj) * sigmoid(cls)``.

    Args:
        in_channels (Sequence[int]): Widths of the input levels.
            Defaults to (128, 256, 384, 512).
        featmap_strides (Sequence[int]): Level strides. Defaults to (8, 16, 32, 64).
        anchors (Sequence): Per level, ``A`` anchors ``(w, h)`` in input pixels.
            Defaults to the YOLOv5s6 anchors.
        num_classes (int): Object classes (1: person). Defaults to 1.
        metainfo (str | dict): The keypoint set's meta file giving the keypoint count and OKS
            sigmas, or ``dict(from_file=...)`` as the datasets take it (one config variable for
            both). Defaults to MMPose's COCO meta file.
        use_implicit (bool): Implicit knowledge around the box conv. Defaults to True.
        channel_layout (str): ``'reference'`` or ``'per_anchor'`` (see above).
            Defaults to 'reference'.
        assigner (dict): The target assigner (``TASK_UTILS``). Defaults to YOLOv5's,
            ``dict(type='YOLOPoseAssigner', anchor_thr=4.0)``.
        loss_bbox (dict): Box loss returning the loss and the IoU that is the objectness
            target (``MODELS``). Defaults to ``dict(type='YOLOPoseCIoULoss')``.
        loss_kpt (dict): Keypoint loss (``MODELS``). Defaults to the OKS loss,
            ``dict(type='YOLOPoseOKSLoss')``.
        loss_kpt_l1 (dict): The term weighted by ``loss_weights['kpt_l1']`` when that is set.
            Defaults to ``dict(type='ScaleNormalisedL1Loss')``.
        loss_obj (dict): Objectness loss on the logits against the detached CIoU (``MODELS``).
            Defaults to ``dict(type='YOLOPoseBCELoss')`` (with logits, mean; MMPose's
            ``BCELoss`` fits too).
        loss_vis (dict): Keypoint-confidence loss on the logits against labelled / not
            (``MODELS``). Defaults to ``dict(type='YOLOPoseBCELoss')``.
        obj_level_weights (Sequence[float]): Objectness loss weight per level.
            Defaults to (4.0, 1.0, 0.25, 0.06).
        loss_weights (dict): Gains of ``bbox``, ``obj``, ``kpt`` and ``vis`` as the reference's
            hyper-parameter file gives them (box, obj, kpt and cls); :meth:`loss_gains` scales
            them to the number of levels, classes and the input size as the reference does.
            Optional ``kpt_l1``: weight of a scale-normalised L1 keypoint term (not in the
            paper; for small-data training from scratch). Defaults to the reference's
            ``dict(bbox=0.05, obj=1.0, kpt=0.10, vis=0.5)``.
        norm_cfg (dict): Norm layer. Defaults to BN (momentum 0.03, eps 0.001).
        act_cfg (dict): Activation. Defaults to SiLU.
        init_cfg (dict, optional): Initialisation config. Defaults to PyTorch's
            default conv init.
    """

    def __init__(self,
                 in_channels: Sequence[int] = (128, 256, 384, 512),
                 featmap_strides: Sequence[int] = (8, 16, 32, 64),
                 anchors: Sequence = DEFAULT_ANCHORS,
                 num_classes: int = 1,
                 metainfo: Union[str, dict] = 'configs/_base_/datasets/coco.py',
                 use_implicit: bool = True,
                 channel_layout: str = 'reference',
                 assigner: ConfigType = dict(type='YOLOPoseAssigner', anchor_thr=4.0),
                 loss_bbox: ConfigType = dict(type='YOLOPoseCIoULoss'),
                 loss_kpt: ConfigType = dict(type='YOLOPoseOKSLoss'),
                 loss_kpt_l1: OptConfigType = dict(type='ScaleNormalisedL1Loss'),
                 loss_obj: ConfigType = dict(type='YOLOPoseBCELoss'),
                 loss_vis: ConfigType = dict(type='YOLOPoseBCELoss'),
                 obj_level_weights: Sequence[float] = (4.0, 1.0, 0.25, 0.06),
                 loss_weights: Dict[str, float] = DEFAULT_LOSS_WEIGHTS,
                 norm_cfg: ConfigType = dict(type='BN', momentum=0.03, eps=0.001),
                 act_cfg: ConfigType = dict(type='SiLU'),
                 init_cfg: OptMultiConfig = dict(
                     type='Kaiming', layer='Conv2d', a=2.23606797749979,
                     distribution='uniform', mode='fan_in', nonlinearity='leaky_relu')):
        super().__init__(init_cfg)
        if not len(in_channels) == len(featmap_strides) == len(anchors) == len(
                obj_level_weights):
            raise ValueError('in_channels, featmap_strides, anchors and obj_level_weights '
                             'need one entry per level')
        if channel_layout not in CHANNEL_LAYOUTS:
            raise ValueError(f'channel_layout must be one of {tuple(CHANNEL_LAYOUTS)}, '
                             f'got {channel_layout!r}')
        self.metainfo = meta_file(metainfo)
        meta = pose_metainfo(metainfo)
        self.num_keypoints = int(meta['num_keypoints'])
        self.flip_indices = list(map(int, meta['flip_indices']))  # for flip test
        self.register_buffer('sigmas', torch.as_tensor(meta['sigmas'], dtype=torch.float32),
                             persistent=False)
        self.register_buffer('anchors', torch.as_tensor(anchors, dtype=torch.float32),
                             persistent=False)  # (L, A, 2) pixels
        self.in_channels = list(in_channels)
        self.featmap_strides = list(featmap_strides)
        self.num_anchors = self.anchors.shape[1]
        self.num_classes = num_classes
        self.num_box_out = 5 + num_classes
        self.use_implicit = use_implicit
        self.channel_layout = channel_layout
        A, K = self.num_anchors, self.num_keypoints
        self.layout = CHANNEL_LAYOUTS[channel_layout](A, self.num_box_out, K)
        self.decoder = YOLOPoseDecoder(featmap_strides, self.layout)
        # Saved with the weights (an integer buffer: MMEngine's EMA copies, never averages it)
        # so that a checkpoint is not loaded into the other layout.
        self.register_buffer('channel_layout_code',
                             torch.tensor(self.layout.code, dtype=torch.uint8))
        self.assigner = TASK_UTILS.build(assigner)  # its anchor_thr: what the anchor check reads
        self.loss_bbox, self.loss_kpt = MODELS.build(loss_bbox), MODELS.build(loss_kpt)
        self.loss_kpt_l1 = MODELS.build(loss_kpt_l1) if loss_kpt_l1 else None
        self.loss_obj, self.loss_vis = MODELS.build(loss_obj), MODELS.build(loss_vis)
        self.obj_level_weights = list(obj_level_weights)
        self.loss_weights = dict(loss_weights)

        cfg = dict(norm_cfg=norm_cfg, act_cfg=act_cfg)
        self.box_convs = nn.ModuleList(nn.Conv2d(c, A * self.num_box_out, 1) for c in in_channels)
        self.kpt_convs = nn.ModuleList()
        for c in in_channels:
            layers = []
            for i in range(6):
                layers.append(ConvModule(c, c, 3, padding=1, groups=c, **cfg))
                if i < 5:
                    layers.append(ConvModule(c, c, 1, **cfg))
            layers.append(nn.Conv2d(c, A * 3 * K, 1))
            self.kpt_convs.append(nn.Sequential(*layers))
        if use_implicit:
            self.implicit_a = nn.ModuleList(ImplicitA(c) for c in in_channels)
            self.implicit_m = nn.ModuleList(ImplicitM(A * self.num_box_out) for _ in in_channels)

    def init_weights(self):
        """Conv init, the layout's bias init (:meth:`ChannelLayout.init_biases`), then YOLOv5's
        prior biases for objectness and class."""
        super().init_weights()
        self.layout.init_biases([*self.box_convs, *(branch[-1] for branch in self.kpt_convs)])
        for conv, stride in zip(self.box_convs, self.featmap_strides):
            # (A * (5 + nc), ) -> (A, 5 + nc); in the reference layout these channels are
            # not all box fields of every anchor (class docstring), as in YOLO-Pose.
            bias = conv.bias.data.view(self.num_anchors, self.num_box_out)
            # About 8 objects per 640x640 image; class prior 0.6 (YOLOv5).
            bias[:, 4] += math.log(8 / (640 / stride)**2)
            bias[:, 5:] += math.log(0.6 / (self.num_classes - 0.99))

    def _load_from_state_dict(self, state_dict, prefix, *args, **kwargs):
        """Refuse weights trained in the other channel layout (same shapes, other meanings)."""
        saved = state_dict.get(prefix + 'channel_layout_code')
        if saved is not None and int(saved) != self.layout.code:
            theirs = next((name for name, layout in CHANNEL_LAYOUTS.items()
                           if layout.code == int(saved)), int(saved))
            raise ValueError(
                f'the checkpoint\'s YOLOPoseHead was trained with channel_layout={theirs!r} but '
                f'this model has {self.channel_layout!r}: set model.head.channel_layout='
                f'{theirs!r} in the config (the two layouts give the same weights other meanings)')
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)

    def forward(self, feats: Tuple[Tensor]) -> Tuple[List[Tensor], List[Tensor]]:
        """Raw outputs per level: box ``(B, A*(5+nc), H, W)`` and keypoint
        ``(B, A*3K, H, W)``."""
        box_outs, kpt_outs = [], []
        for i, x in enumerate(feats):
            if self.use_implicit:
                box_outs.append(self.implicit_m[i](self.box_convs[i](self.implicit_a[i](x))))
            else:
                box_outs.append(self.box_convs[i](x))
            kpt_outs.append(self.kpt_convs[i](x))
        return box_outs, kpt_outs

    def predict(self,
                feats: Union[Tuple[Tensor], List[Tuple[Tensor]]],
                batch_data_samples: OptSampleList,
                test_cfg: ConfigType = {}) -> List[InstanceData]:
        """Decode boxes and scores, filter by score, run box NMS, decode the kept people's
        keypoints and return instances in input space.

        ``test_cfg`` keys: ``score_thr`` (0.001), ``nms_thr`` (0.65), ``nms_pre``
        (30000 candidates into NMS), ``max_per_img`` (300), ``flip_test`` (False) and
        ``flip_merge`` (``'average'`` or ``'nms'``, :mod:`.yolopose_flip`). With ``flip_test``
        ``feats`` is ``[feats, feats_of_the_mirrored_input]``, as MMPose's
        ``BottomupPoseEstimator`` gives them; both views' candidates go through one NMS
        (``nms_pre`` counts them together).
        """
        score_thr = test_cfg.get('score_thr', 0.001)
        nms_thr = test_cfg.get('nms_thr', 0.65)
        nms_pre = test_cfg.get('nms_pre', 30000)
        max_per_img = test_cfg.get('max_per_img', 300)
        flip = bool(test_cfg.get('flip_test', False))
        merge = test_cfg.get('flip_merge', 'average')
        if flip:
            feats, feats_flip = split_views(feats, merge)
            width = feats[0].shape[-1] * self.featmap_strides[0]  # of the batch tensor flipped

        # Keypoints are decoded for the people NMS keeps only.
        candidates = self.decoder.candidates(*self.forward(feats), self.anchors)
        if flip:
            *candidates, mirrored = join_views(
                candidates, self.decoder.candidates(*self.forward(feats_flip), self.anchors),
                width)
        boxes, scores, kpt_fields, cells = candidates
        results = []
        for i, data_sample in enumerate(batch_data_samples):
            keep = (scores[i] > score_thr).nonzero()[:, 0]
            if len(keep) > nms_pre:
                keep = keep[scores[i, keep].topk(nms_pre).indices]
            candidates = keep
            if len(keep):
                # torchvision's NMS, as the reference's (CPU and CUDA kernels in its wheels)
                order = nms(boxes[i, keep].contiguous(), scores[i, keep].contiguous(), nms_thr)
                keep = keep[order[:max_per_img]]
            input_w, input_h = check_input_size(data_sample.metainfo['input_size'],
                                                self.featmap_strides[-1])

            def kpts_of(idx, i=i):  # (n, K, 3) in the original input's pixels and order
                kpts = self.decoder.decode_keypoints(kpt_fields[i, idx], cells[idx])
                return unmirror_keypoints(kpts, mirrored[idx], width, self.flip_indices) \
                    if flip else kpts

            if flip and merge == 'average':
                bboxes, kpts = average_views(keep, candidates, boxes[i], mirrored, kpts_of,
                                             nms_thr)
            else:
                bboxes, kpts = boxes[i, keep].clone(), kpts_of(keep)
            bboxes[:, 0::2].clamp_(0, input_w)
            bboxes[:, 1::2].clamp_(0, input_h)
            people_scores = scores[i, keep].cpu().numpy()
            results.append(InstanceData(
                scores=people_scores,
                labels=np.zeros(len(keep), dtype=np.int64),
                bboxes=bboxes.cpu().numpy(),
                bbox_scores=people_scores,
                keypoints=kpts[..., :2].cpu().numpy(),
                keypoint_scores=kpts[..., 2].cpu().numpy(),
                keypoints_visible=kpts[..., 2].cpu().numpy()))
        return results

    def loss_gains(self, input_size: Sequence[int]) -> Dict[str, float]:
        """The loss weights at ``input_size`` (w, h), scaled as the reference's train.py scales
        its hyper-parameters: ``bbox``, ``obj`` and ``vis`` by ``3 / levels``, ``vis`` (the
        reference's class gain) by ``classes / 80`` and ``obj`` by the input area over 640^2.
        ``kpt`` and ``kpt_l1`` are used as given."""
        w = self.loss_weights
        per_level = 3 / len(self.featmap_strides)
        return dict(w, bbox=w['bbox'] * per_level,
                    vis=w['vis'] * self.num_classes / 80 * per_level,
                    obj=w['obj'] * per_level * input_size[0] * input_size[1] / 640**2)

    def loss(self,
             feats: Tuple[Tensor],
             batch_data_samples: OptSampleList,
             train_cfg: ConfigType = {}) -> Dict[str, Tensor]:
        """Assign targets (YOLOv5 style) and compute the YOLO-Pose losses.

        Returns ``loss_bbox`` (1 - CIoU), ``loss_obj`` (BCE to the detached CIoU, with
        level weights), ``loss_kpt`` (OKS loss, Eq. (3)-(4)) and ``loss_vis`` (keypoint
        confidence BCE, Eq. (5)), each multiplied by the global batch size as in YOLOv5
        (the reference learning rate assumes summed per-image losses). These equal the
        reference's ``ComputeLoss`` terms (``tests/test_convert/test_yolopose_parity.py``), with
        two deliberate differences:

        - a keypoint is labelled when its visibility is > 0. The reference marks keypoints by
          a non-zero cell-relative x, so it drops a labelled keypoint lying exactly on the left
          edge of the cell it is assigned to (about 1.4 % of pairs on un-augmented COCO) or at
          x = 0;
        - a level with positives but no labelled keypoint adds 0 to ``loss_kpt``; the
          reference divides by zero there and the whole loss becomes NaN.
        """
        box_outs, kpt_outs = self.forward(feats)
        device = box_outs[0].device
        img_inds, boxes, kpts, labelled = collect_targets(batch_data_samples, self.num_keypoints,
                                                           device, self.metainfo)
        input_size = batch_data_samples[0].metainfo.get('input_size')
        if input_size is not None:
            check_input_size(input_size, self.featmap_strides[-1])
        gains = self.loss_gains(input_size or (box_outs[0].shape[-1] * self.featmap_strides[0],
                                               box_outs[0].shape[-2] * self.featmap_strides[0]))
        use_l1 = gains.get('kpt_l1', 0) > 0 and self.loss_kpt_l1 is not None
        loss_bbox = loss_obj = loss_kpt = loss_vis = loss_l1 = box_outs[0].new_zeros(())
        for level, (box_out, kpt_out) in enumerate(zip(box_outs, kpt_outs)):
            p = self.layout.join(box_out, kpt_out)  # (B, A, H, W, C)
            h, w = p.shape[2:4]
            stride = self.featmap_strides[level]
            t = self.assigner(img_inds, boxes, kpts, self.anchors[level], stride, (h, w))
            obj_target = torch.zeros_like(p[..., 4])
            if len(t.img_inds):
                ps = p[t.img_inds, t.anchor_inds, t.grid_y, t.grid_x]  # (m, C)
                cells = decode_cells(ps, self.anchors[level][t.anchor_inds] / stride,
                                     self.num_classes)  # cell-relative, grid units
                level_bbox, ciou = self.loss_bbox(cells.boxes, t.boxes)
                loss_bbox = loss_bbox + level_bbox

                mask = labelled[t.target_inds]  # (m, K)
                areas = t.boxes[:, 2] * t.boxes[:, 3]
                loss_kpt = loss_kpt + self.loss_kpt(cells.keypoints, t.keypoints, mask, areas,
                                                    self.sigmas)
                if use_l1:
                    loss_l1 = loss_l1 + self.loss_kpt_l1(cells.keypoints, t.keypoints, mask,
                                                         areas, self.sigmas)
                loss_vis = loss_vis + self.loss_vis(cells.keypoint_logits, mask)
                obj_target[t.img_inds, t.anchor_inds, t.grid_y,
                           t.grid_x] = ciou.detach().clamp(min=0).to(obj_target.dtype)
            loss_obj = loss_obj + self.obj_level_weights[level] * self.loss_obj(p[..., 4],
                                                                                obj_target)

        scale = len(batch_data_samples) * get_world_size()
        losses = dict(
            loss_bbox=loss_bbox * gains['bbox'] * scale,
            loss_obj=loss_obj * gains['obj'] * scale,
            loss_kpt=loss_kpt * gains['kpt'] * scale,
            loss_vis=loss_vis * gains['vis'] * scale)
        if use_l1:
            losses['loss_kpt_l1'] = loss_l1 * gains['kpt_l1'] * scale
        return losses

    def switch_to_deploy(self, test_cfg: Optional[ConfigType] = None):
        """Fold ImplicitA/ImplicitM into the box convs (outputs unchanged)."""
        if not self.use_implicit:
            return
        self.box_convs = nn.ModuleList(
            fold_implicit_into_conv(conv, ia, im)
            for conv, ia, im in zip(self.box_convs, self.implicit_a, self.implicit_m))
        del self.implicit_a, self.implicit_m
        self.use_implicit = False
