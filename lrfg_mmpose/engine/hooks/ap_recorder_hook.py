# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
"""Keep a run's learning curve: COCO OKS AP after every validation, with its iteration."""
from typing import List, Tuple

from mmengine.hooks import Hook
from mmpose.registry import HOOKS


@HOOKS.register_module()
class APRecorderHook(Hook):
    """Appends ``(iteration, metrics[metric])`` to :attr:`curve` after every validation of the
    runner it is registered in (the over-fit check and the ablation read it)."""

    priority = 'LOWEST'

    def __init__(self, metric: str = 'coco/AP'):
        self.metric = metric
        self.curve: List[Tuple[int, float]] = []

    def after_val_epoch(self, runner, metrics=None) -> None:
        self.curve.append((runner.iter, metrics[self.metric]))
