# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
"""lrfg-mmpose: LRFG-YoloPose as an MMPose plugin.

Importing this package registers its modules in MMPose's registries (models, datasets,
transforms, hooks), so a config needs only ``custom_imports = dict(imports=['lrfg_mmpose'], allow_failed_imports=False)``.
It also lets MMEngine checkpoints load under torch's ``weights_only=True`` default
(see :mod:`lrfg_mmpose.utils.checkpoint_compat`), and lets a config ask for its files to be
checked before any data is built (``run_checks = True``, :mod:`lrfg_mmpose.engine.run_checks`).

On a deployment machine without MMPose (and torch), only :mod:`lrfg_mmpose.deploy` is used:
the registration is then skipped, so that ``import lrfg_mmpose.deploy`` works there.
"""
import importlib.util

__version__ = '0.1.0'

if importlib.util.find_spec('mmpose') is not None:
    from . import datasets, engine, evaluation, models  # noqa: F401  (registers the modules)
    from .engine.run_checks import enable_run_checks
    from .utils import enable_weights_only_checkpoints
    enable_weights_only_checkpoints()
    enable_run_checks()  # configs with run_checks=True: missing files in one line, before data
