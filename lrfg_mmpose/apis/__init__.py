# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
"""What the command-line tools run: inference, the demo, the over-fit check, benchmarks."""
from .demo import run_demo, write_demo_config
from .inference import infer
from .overfit import APRecorder, overfit_cfg, run_overfit

__all__ = ['APRecorder', 'infer', 'overfit_cfg', 'run_demo', 'run_overfit', 'write_demo_config']
