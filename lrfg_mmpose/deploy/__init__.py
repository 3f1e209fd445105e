# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
"""Run exported LRFG-YoloPose models with numpy, OpenCV and ONNX Runtime or OpenVINO only:
no torch, mmcv or MMPose (``import lrfg_mmpose.deploy`` works where they are not installed)."""
from .backends import BACKENDS, open_backend
from .media import MediaReport, check_inputs, instances, run_on_media
from .predictor import Predictor, letterbox_matrix, nms
from .visualize import draw_people

__all__ = ['BACKENDS', 'MediaReport', 'Predictor', 'check_inputs', 'draw_people', 'instances',
           'letterbox_matrix', 'nms', 'open_backend', 'run_on_media']
