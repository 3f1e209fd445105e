# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
from .build import build_pose_model
from .checkpoint_compat import enable_weights_only_checkpoints
from .framework_logs import framework_logs
from .load_checkpoint import CheckpointError, load_strict, read_checkpoint
from .mmpose_configs import load_config, mmpose_tool

__all__ = ['CheckpointError', 'build_pose_model', 'enable_weights_only_checkpoints',
           'framework_logs', 'load_config', 'load_strict', 'mmpose_tool', 'read_checkpoint']
