# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
from .yolopose_assigner import LevelTargets, assign_level
from .yolopose_coder import CellPredictions, decode_cells, encode_cells
from .yolopose_head import YOLOPoseHead
from .yolopose_loss import complete_iou, oks_keypoint_loss, scale_normalised_l1_loss

__all__ = ['YOLOPoseHead', 'assign_level', 'LevelTargets', 'CellPredictions', 'decode_cells',
           'encode_cells', 'oks_keypoint_loss', 'complete_iou', 'scale_normalised_l1_loss']
