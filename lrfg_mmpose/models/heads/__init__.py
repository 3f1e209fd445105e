# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
from .yolopose_assigner import LevelTargets, YOLOPoseAssigner, assign_level, collect_targets
from .yolopose_box_format import cxcywh_to_xyxy, xyxy_to_cxcywh
from .yolopose_cell_coder import CellPredictions, decode_cells, encode_cells
from .yolopose_head import YOLOPoseHead
from .yolopose_layouts import CHANNEL_LAYOUTS, ChannelLayout, PerAnchorLayout, ReferenceLayout
from .yolopose_loss import (ScaleNormalisedL1Loss, YOLOPoseBCELoss, YOLOPoseCIoULoss,
                            YOLOPoseOKSLoss, complete_iou, oks_keypoint_loss,
                            scale_normalised_l1_loss)
from .yolopose_pixel_decoder import YOLOPoseDecoder

__all__ = ['CHANNEL_LAYOUTS', 'CellPredictions', 'ChannelLayout', 'LevelTargets',
           'PerAnchorLayout', 'ReferenceLayout', 'ScaleNormalisedL1Loss', 'YOLOPoseAssigner',
           'YOLOPoseBCELoss', 'YOLOPoseCIoULoss', 'YOLOPoseDecoder', 'YOLOPoseHead',
           'YOLOPoseOKSLoss', 'assign_level', 'collect_targets', 'complete_iou', 'cxcywh_to_xyxy',
           'decode_cells', 'encode_cells', 'oks_keypoint_loss', 'scale_normalised_l1_loss',
           'xyxy_to_cxcywh']
