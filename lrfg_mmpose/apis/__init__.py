# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
"""What the command-line tools run: inference, the demo, the over-fit check, benchmarks."""
from .demo import run_demo, write_demo_config
from .inference import infer
from .overfit import overfit_cfg, run_overfit
from .schedule import ScheduleRow, schedule_table, simulate_schedule
from .table1 import TABLE1, AblationRow, ablation_row

__all__ = ['TABLE1', 'AblationRow', 'ScheduleRow', 'ablation_row', 'infer', 'overfit_cfg',
           'run_demo', 'run_overfit', 'schedule_table', 'simulate_schedule', 'write_demo_config']
