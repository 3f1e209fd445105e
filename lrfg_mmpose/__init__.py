# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
"""lrfg-mmpose: LRFG-YoloPose as an MMPose plugin.

Importing this package registers its modules in MMPose's ``MODELS`` registry, so a config
needs only ``custom_imports = dict(imports=['lrfg_mmpose'], allow_failed_imports=False)``.
It also lets MMEngine checkpoints load under torch's ``weights_only=True`` default
(see :mod:`lrfg_mmpose.utils.checkpoint_compat`).
"""
__version__ = '0.1.0'

from . import models  # noqa: E402,F401  (registers the modules)
from .utils import enable_weights_only_checkpoints  # noqa: E402

enable_weights_only_checkpoints()
