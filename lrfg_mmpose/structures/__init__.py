# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
"""The bottom floor, numpy only: letterbox geometry (the stride a parameter, the pad grey), the
default anchors, people paired by box IoU, COCO's keypoint similarity, the keypoint set, the
exported model's sidecar and the predictor interface (``pose_metainfo`` alone calls MMPose's
meta-file parser, imported when called). Models, datasets, export and the runtime all import it;
it imports nothing else of the package."""
from .anchors import DEFAULT_ANCHORS
from .box_match import box_iou, match
from .keypoint_meta import (keypoint_meta, local_meta_file, meta_file, pose_metainfo,
                            resolve_meta_files)
from .keypoint_similarity import keypoint_similarity
from .letterbox import (P6_STRIDE, PAD_VALUE, check_input_size, letterbox_matrix, letterbox_scale,
                        rect_input_size)
from .pose_predictor import PEOPLE_KEYS, People, PosePredictor
from .sidecar import SIDECAR_VERSION, Sidecar, SidecarError, sidecar_path

__all__ = ['DEFAULT_ANCHORS', 'P6_STRIDE', 'PAD_VALUE', 'PEOPLE_KEYS', 'People', 'PosePredictor',
           'SIDECAR_VERSION', 'Sidecar', 'SidecarError', 'box_iou', 'check_input_size',
           'keypoint_meta', 'keypoint_similarity', 'letterbox_matrix', 'letterbox_scale',
           'local_meta_file', 'match', 'meta_file', 'pose_metainfo', 'rect_input_size',
           'resolve_meta_files', 'sidecar_path']
