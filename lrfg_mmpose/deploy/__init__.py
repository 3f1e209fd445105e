# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
"""Run exported LRFG-YoloPose models with numpy, OpenCV and ONNX Runtime or OpenVINO only:
no torch, mmcv or MMPose (``import lrfg_mmpose.deploy`` works where they are not installed)."""
from .backends import BACKENDS, open_backend
from .letterbox import check_input_size, letterbox_matrix, letterbox_scale, rect_input_size
from .media import MediaReport, check_inputs, instances, run_on_media
from .predictor import Predictor, nms
from .visualize import draw_people

__all__ = ['BACKENDS', 'MediaReport', 'Predictor', 'check_input_size', 'check_inputs', 'draw_people',
           'instances', 'letterbox_matrix', 'letterbox_scale', 'nms', 'open_backend',
           'rect_input_size', 'run_on_media']
