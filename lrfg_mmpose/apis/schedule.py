# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
"""Run a config's optimizer schedule without training: every iteration's lr, momentum and
weight decay per parameter group (what ``tools/vis_scheduler.py`` writes and plots).

The config's own pieces do the work: its model is built (no forward pass), its optimizer
wrapper constructor makes the parameter groups, and its ``default_hooks.param_scheduler``
hook (:class:`~lrfg_mmpose.engine.hooks.YOLOv5ParamSchedulerHook`, or MMEngine's
``ParamSchedulerHook`` with the config's ``param_scheduler`` list) is called at every
iteration and epoch as the training loop calls it, on a stand-in for the runner that has the
dataset's batches per epoch, the batch size and the number of processes asked for.
"""
import copy
import math
from dataclasses import dataclass
from typing import Iterator, List, Optional

from mmengine.logging import MMLogger


@dataclass
class ScheduleRow:
    iter: int
    epoch: int
    group: str
    lr: float
    momentum: Optional[float]
    weight_decay: float
    step: bool  # the optimizer steps at this iteration (gradient accumulation)


class _Loader:
    """What the hooks read of the train dataloader: its length and batch size."""

    def __init__(self, batches: int, batch_size: int):
        self.batches, self.batch_size = batches, batch_size

    def __len__(self):
        return self.batches


class ScheduleRunner:
    """The parts of MMEngine's ``Runner`` a schedule hook reads."""

    def __init__(self, optim_wrapper, param_schedulers, batches: int, batch_size: int,
                 world_size: int, max_epochs: int):
        self.optim_wrapper, self.param_schedulers = optim_wrapper, param_schedulers
        self.train_dataloader = _Loader(batches, batch_size)
        self.world_size, self.max_epochs = world_size, max_epochs
        self.max_iters = batches * max_epochs
        self.iter = self.epoch = 0
        self.logger = MMLogger.get_current_instance()


def _group_name(i: int, group: dict) -> str:
    return group.get('name', f'group{i}')


def _build_param_schedulers(cfg_list, optim_wrapper, batches: int, max_epochs: int):
    """MMEngine schedulers as its Runner builds them (default ``end``, epoch-to-iteration
    conversion)."""
    from mmengine.registry import PARAM_SCHEDULERS
    schedulers = []
    for scheduler_cfg in cfg_list or []:
        scheduler_cfg = copy.deepcopy(dict(scheduler_cfg))
        by_epoch = scheduler_cfg.get('by_epoch', True)
        scheduler_cfg.setdefault('end', max_epochs if by_epoch else batches * max_epochs)
        schedulers.append(PARAM_SCHEDULERS.build(
            scheduler_cfg, default_args=dict(optimizer=optim_wrapper, epoch_length=batches)))
    return schedulers


def simulate_schedule(cfg, dataset_size: int, world_size: int = 1,
                      batch_size: Optional[int] = None, max_epochs: Optional[int] = None,
                      drop_last: bool = False) -> Iterator[ScheduleRow]:
    """Yield one :class:`ScheduleRow` per iteration and parameter group: the values the
    optimizer step of that iteration uses (set before it, as the hooks set them).

    Args:
        cfg (mmengine.Config): a training config.
        dataset_size (int): training images (e.g. 56599 for the reference's COCO train set).
        world_size (int): processes (GPUs). Defaults to 1.
        batch_size (int, optional): per process; defaults to the config's.
        max_epochs (int, optional): defaults to the config's ``train_cfg.max_epochs``.
        drop_last (bool): whether the sampler drops the last incomplete batch.
    """
    from mmengine.hooks import ParamSchedulerHook
    from mmengine.optim import build_optim_wrapper
    from mmengine.registry import DefaultScope
    from mmpose.registry import HOOKS

    from ..utils import build_pose_model
    batch_size = batch_size or cfg.train_dataloader.batch_size
    max_epochs = max_epochs or cfg.train_cfg.max_epochs
    per_rank = math.ceil(dataset_size / world_size)  # DefaultSampler pads to equal shares
    batches = per_rank // batch_size if drop_last else math.ceil(per_rank / batch_size)
    model = build_pose_model(cfg.model)
    with DefaultScope.overwrite_default_scope(cfg.get('default_scope', 'mmpose')):
        optim_wrapper = build_optim_wrapper(model, copy.deepcopy(cfg.optim_wrapper))
        hook_cfg = copy.deepcopy(cfg.get('default_hooks', {}).get(
            'param_scheduler', dict(type='ParamSchedulerHook')))
        hook = HOOKS.build(hook_cfg)
        schedulers = []
        if isinstance(hook, ParamSchedulerHook):
            schedulers = _build_param_schedulers(cfg.get('param_scheduler'), optim_wrapper,
                                                 batches, max_epochs)
    runner = ScheduleRunner(optim_wrapper, schedulers, batches, batch_size, world_size,
                            max_epochs)
    optim_wrapper.initialize_count_status(model, 0, runner.max_iters)
    hook.before_train(runner)
    for epoch in range(max_epochs):
        runner.epoch = epoch
        hook.before_train_epoch(runner)
        for i in range(batches):
            runner.iter = epoch * batches + i
            hook.before_train_iter(runner, i)
            optim_wrapper._inner_count = runner.iter + 1  # as after this iteration's backward
            step = optim_wrapper.should_update()
            for g, group in enumerate(optim_wrapper.optimizer.param_groups):
                momentum = group.get('momentum', group.get('betas', (None,))[0])
                yield ScheduleRow(runner.iter, epoch, _group_name(g, group), group['lr'],
                                  momentum, group.get('weight_decay', 0.0), step)
            hook.after_train_iter(runner, i)
        hook.after_train_epoch(runner)


def schedule_table(rows: List[ScheduleRow]) -> dict:
    """Rows as arrays per group: ``{group: {'iter': [...], 'lr': [...], ...}}``."""
    table = {}
    for row in rows:
        t = table.setdefault(row.group, dict(iter=[], epoch=[], lr=[], momentum=[],
                                             weight_decay=[], step=[]))
        for key in t:
            t[key].append(getattr(row, key))
    return table
