# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
"""The YOLO-Pose reference's optimizer groups and accumulation (registered in MMPose's
``OPTIM_WRAPPER_CONSTRUCTORS`` and ``OPTIM_WRAPPERS``)."""
from .yolov5_optim_constructor import (GROUP_NAMES, YOLOv5OptimWrapperConstructor,
                                       yolov5_param_groups)
from .yolov5_optim_wrapper import YOLOv5AmpOptimWrapper, YOLOv5OptimWrapper

__all__ = ['GROUP_NAMES', 'YOLOv5AmpOptimWrapper', 'YOLOv5OptimWrapper',
           'YOLOv5OptimWrapperConstructor', 'yolov5_param_groups']
