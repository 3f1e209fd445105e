# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
from .anchor_recall_hook import AnchorRecallHook
from .ap_recorder_hook import APRecorderHook
from .broadcast_buffers_hook import BroadcastBuffersHook
from .keypoint_set_check_hook import KeypointSetCheckHook
from .nan_guard_hook import NaNGuardHook, NonFiniteLossError
from .rng_state_hook import RNGStateHook, rng_states, set_rng_states
from .val_test_cfg_hook import ValTestCfgHook
from .yolov5_checkpoint_hook import YOLOv5CheckpointHook
from .yolov5_ema_hook import YOLOv5EMAHook, YOLOv5ModelEMA
from .yolov5_param_scheduler_hook import YOLOv5ParamSchedulerHook, one_cycle_factor

__all__ = ['AnchorRecallHook', 'APRecorderHook', 'BroadcastBuffersHook', 'KeypointSetCheckHook',
           'NaNGuardHook', 'NonFiniteLossError', 'RNGStateHook', 'rng_states', 'set_rng_states',
           'ValTestCfgHook', 'YOLOv5CheckpointHook', 'YOLOv5EMAHook', 'YOLOv5ModelEMA',
           'YOLOv5ParamSchedulerHook', 'one_cycle_factor']
