# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
from .yolopose_assigner import LevelTargets, YOLOPoseAssigner, assign_level, collect_targets
from .yolopose_coder import CellPredictions, decode_cells, encode_cells
from .yolopose_decoder import YOLOPoseDecoder
from .yolopose_head import YOLOPoseHead
from .yolopose_layouts import CHANNEL_LAYOUTS, ChannelLayout, PerAnchorLayout, ReferenceLayout
from .yolopose_loss import (ScaleNormalisedL1Loss, YOLOPoseCIoULoss, YOLOPoseOKSLoss,
                            complete_iou, oks_keypoint_loss, scale_normalised_l1_loss)

__all__ = ['CHANNEL_LAYOUTS', 'CellPredictions', 'ChannelLayout', 'LevelTargets',
           'PerAnchorLayout', 'ReferenceLayout', 'ScaleNormalisedL1Loss', 'YOLOPoseAssigner',
           'YOLOPoseCIoULoss', 'YOLOPoseDecoder', 'YOLOPoseHead', 'YOLOPoseOKSLoss',
           'assign_level', 'collect_targets', 'complete_iou', 'decode_cells', 'encode_cells',
           'oks_keypoint_loss', 'scale_normalised_l1_loss']
