# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
"""Build an MMPose model from a config outside a Runner."""
import copy

import torch.nn as nn


def build_pose_model(model_cfg) -> nn.Module:
    """``MODELS.build(model_cfg)`` in MMPose's registry scope (what a Runner sets up), without
    changing the caller's default scope."""
    import mmpose.models  # noqa: F401  (registers MMPose's models)
    from mmengine.registry import DefaultScope
    from mmpose.registry import MODELS

    import lrfg_mmpose.models  # noqa: F401  (registers ours)
    with DefaultScope.overwrite_default_scope('mmpose'):
        return MODELS.build(copy.deepcopy(model_cfg))
