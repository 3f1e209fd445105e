# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
"""What the command-line tools run: inference, the demo, the over-fit check, benchmarks."""
from .demo import run_demo, write_demo_config
from .inference import CheckpointError, TorchPredictor, infer, load_strict, set_test_resize
from .overfit import APRecorder, overfit_cfg, run_overfit

__all__ = ['APRecorder', 'CheckpointError', 'TorchPredictor', 'infer', 'load_strict', 'overfit_cfg',
           'run_demo', 'run_overfit', 'set_test_resize', 'write_demo_config']
