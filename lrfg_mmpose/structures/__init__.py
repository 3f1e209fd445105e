# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
"""The bottom floor, numpy only: letterbox geometry (the stride a parameter), the keypoint set,
the exported model's sidecar and the predictor interface (``pose_metainfo`` alone calls MMPose's
meta-file parser, imported when called). Models, datasets, export and the runtime all import it;
it imports nothing else of the package."""
from .keypoint_meta import (keypoint_meta, local_meta_file, meta_file, pose_metainfo,
                            resolve_meta_files)
from .letterbox import (P6_STRIDE, check_input_size, letterbox_matrix, letterbox_scale,
                        rect_input_size)
from .pose_predictor import PEOPLE_KEYS, People, PosePredictor
from .sidecar import SIDECAR_VERSION, Sidecar, SidecarError, sidecar_path

__all__ = ['P6_STRIDE', 'PEOPLE_KEYS', 'People', 'PosePredictor', 'SIDECAR_VERSION', 'Sidecar',
           'SidecarError', 'check_input_size', 'keypoint_meta', 'letterbox_matrix',
           'letterbox_scale', 'local_meta_file', 'meta_file', 'pose_metainfo', 'rect_input_size',
           'resolve_meta_files', 'sidecar_path']
