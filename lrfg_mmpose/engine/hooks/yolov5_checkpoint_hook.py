# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
"""Keep the best checkpoint as the YOLO-Pose reference does: whenever the score ties or beats
the best so far.

The reference's ``train.py`` updates ``best_fitness`` when an epoch's fitness is higher and then
writes ``best.pt`` when the epoch's fitness equals it, so a tie replaces the earlier best with
the later epoch (more EMA averaging). MMEngine's ``CheckpointHook`` keeps the earlier one
(``rule='greater'`` is strict). :class:`YOLOv5CheckpointHook` adds ``rule='greater_or_equal'``
and is otherwise MMEngine's hook (``interval``, ``max_keep_ckpts``, ``save_last``, resuming the
best score).
"""
from math import inf

from mmengine.hooks import CheckpointHook
from mmpose.registry import HOOKS


@HOOKS.register_module()
class YOLOv5CheckpointHook(CheckpointHook):
    """MMEngine's ``CheckpointHook`` with a tie-replaces rule, ``'greater_or_equal'``."""

    rule_map = {**CheckpointHook.rule_map, 'greater_or_equal': lambda x, y: x >= y}
    init_value_map = {**CheckpointHook.init_value_map, 'greater_or_equal': -inf}
