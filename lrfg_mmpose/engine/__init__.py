# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
"""Training-time hooks (registered in MMPose's ``HOOKS``), the YOLO-Pose reference's optimizer
groups and accumulation (``OPTIM_WRAPPER_CONSTRUCTORS``, ``OPTIM_WRAPPERS``), and the checks of a
config's files before a run (:mod:`.run_checks`)."""
from .hooks import (AnchorRecallHook, BroadcastBuffersHook, NaNGuardHook, NonFiniteLossError,
                    RNGStateHook, ValTestCfgHook, YOLOv5CheckpointHook, YOLOv5EMAHook,
                    YOLOv5ModelEMA, YOLOv5ParamSchedulerHook, one_cycle_factor, rng_states,
                    set_rng_states)
from .optimizers import (GROUP_NAMES, YOLOv5AmpOptimWrapper, YOLOv5OptimWrapper,
                         YOLOv5OptimWrapperConstructor, yolov5_param_groups)

__all__ = ['AnchorRecallHook', 'BroadcastBuffersHook', 'NaNGuardHook', 'NonFiniteLossError',
           'RNGStateHook', 'rng_states', 'set_rng_states', 'ValTestCfgHook', 'YOLOv5CheckpointHook',
           'YOLOv5EMAHook', 'YOLOv5ModelEMA', 'YOLOv5ParamSchedulerHook',
           'one_cycle_factor', 'GROUP_NAMES', 'YOLOv5AmpOptimWrapper', 'YOLOv5OptimWrapper',
           'YOLOv5OptimWrapperConstructor', 'yolov5_param_groups']
