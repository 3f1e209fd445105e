# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
"""YOLOv5's warm-up, one-cycle schedule, weight-decay scaling and accumulation ramp.

What the YOLO-Pose reference's ``train.py`` does, iteration by iteration (``ni`` counts
iterations from 0 over the run, ``nb`` is the number of batches in an epoch, ``E`` the number
of epochs, ``lr0`` the config's lr, ``lrf`` the final factor):

- **warm-up** for ``ni <= nw``, ``nw = max(round(warmup_epochs * nb), warmup_min_iters)``:
  the bias group's lr falls linearly from ``warmup_bias_lr`` and the other groups' rise
  from 0, both reaching ``lr0 * lf(e)`` at ``ni = nw`` (``e`` the current epoch); momentum
  rises linearly from ``warmup_momentum`` to the config's momentum;
- **schedule** (``one_cycle``: ``lf(e) = ((1 - cos(pi e / E)) / 2) (lrf - 1) + 1``, cosine from
  1 to ``lrf``; ``scheduler_type='linear'``: ``(1 - e / (E - 1)) (1 - lrf) + lrf``), a
  ``LambdaLR`` stepped once an epoch. The reference sets ``scheduler.last_epoch = start_epoch
  - 1`` after the constructor's first step, so its schedule lags one epoch: after the warm-up,
  epoch ``e`` trains at ``lr0 * lf(e - 1)``, except the epoch in which the warm-up ends, which
  keeps the warm-up's last value ``lr0 * lf(e)``; the last epoch trains at ``lf(E - 2)``, not
  ``lrf``. This is reproduced as it is (what produced Table 1);
- **nominal batch** of ``nominal_batch_size`` (64): with a total batch ``B`` (GPUs x batch per
  GPU), weight decay is multiplied by ``B * round(64 / B) / 64`` and the optimizer steps every
  ``accumulate`` iterations, ``accumulate = max(1, round(interp(ni, [0, nw], [1, 64 / B])))``
  during warm-up and its last warm-up value after (numpy rounding, half to even, as the
  reference);
- gradients are cleared at every epoch start.

Use it in place of MMEngine's ``ParamSchedulerHook`` with ``param_scheduler = None``, the
optimizer from :class:`~lrfg_mmpose.engine.optimizers.YOLOv5OptimWrapperConstructor` and the
:class:`~lrfg_mmpose.engine.optimizers.YOLOv5OptimWrapper`::

    default_hooks = dict(param_scheduler=dict(type='YOLOv5ParamSchedulerHook', lr_factor=0.2))
    param_scheduler = None

The values are a function of ``ni`` and the epoch alone, so a resumed run continues exactly.
"""
import math

import numpy as np
from mmengine.hooks import Hook
from mmengine.runner import EpochBasedTrainLoop
from mmpose.registry import HOOKS


def one_cycle_factor(epoch: int, max_epochs: int, lr_factor: float,
                     scheduler_type: str = 'cosine') -> float:
    """The reference's ``lf(epoch)``."""
    if scheduler_type == 'linear':
        return (1 - epoch / (max_epochs - 1)) * (1.0 - lr_factor) + lr_factor
    return ((1 - math.cos(epoch * math.pi / max_epochs)) / 2) * (lr_factor - 1) + 1


@HOOKS.register_module()
class YOLOv5ParamSchedulerHook(Hook):
    """Set lr, momentum, weight decay and accumulation as YOLOv5's ``train.py`` does.

    Args:
        lr_factor (float): final lr over initial lr (``lrf``). Defaults to 0.2.
        scheduler_type (str): ``'cosine'`` (one-cycle, the default) or ``'linear'``.
        warmup_epochs (float): warm-up length in epochs. Defaults to 3.
        warmup_min_iters (int): warm-up lasts at least this many iterations. Defaults to 1000.
        warmup_bias_lr (float): the bias group's lr at iteration 0. Defaults to 0.1.
        warmup_momentum (float): momentum at iteration 0. Defaults to 0.8.
        nominal_batch_size (int): the batch the recipe is tuned for. Defaults to 64.
    """

    # before RuntimeInfoHook (VERY_HIGH), so the logged lr is the one this iteration uses
    priority = 'HIGHEST'

    def __init__(self, lr_factor: float = 0.2, scheduler_type: str = 'cosine',
                 warmup_epochs: float = 3, warmup_min_iters: int = 1000,
                 warmup_bias_lr: float = 0.1, warmup_momentum: float = 0.8,
                 nominal_batch_size: int = 64):
        if scheduler_type not in ('cosine', 'linear'):
            raise ValueError(f'scheduler_type must be "cosine" or "linear", not '
                             f'{scheduler_type!r}')
        self.lr_factor, self.scheduler_type = lr_factor, scheduler_type
        self.warmup_epochs, self.warmup_min_iters = warmup_epochs, warmup_min_iters
        self.warmup_bias_lr, self.warmup_momentum = warmup_bias_lr, warmup_momentum
        self.nominal_batch_size = nominal_batch_size

    # -- set-up ---------------------------------------------------------------------------
    def before_train(self, runner) -> None:
        loop = getattr(runner, 'train_loop', None)
        if loop is not None and not isinstance(loop, EpochBasedTrainLoop):
            raise ValueError('YOLOv5ParamSchedulerHook follows epochs (its one-cycle schedule is '
                             'stepped once an epoch): use train_cfg type EpochBasedTrainLoop')
        if runner.param_schedulers:
            raise ValueError('YOLOv5ParamSchedulerHook schedules lr and momentum itself: set '
                             'param_scheduler = None in the config')
        wrapper = runner.optim_wrapper
        groups = wrapper.optimizer.param_groups
        for group in groups:
            group.setdefault('initial_lr', group['lr'])
            group.setdefault('initial_momentum', group.get('momentum'))
            group.setdefault('base_weight_decay', group.get('weight_decay', 0.0))
        if not any(g.get('name') == 'bias' for g in groups):
            raise ValueError('YOLOv5ParamSchedulerHook needs the bias group of '
                             'YOLOv5OptimWrapperConstructor (optim_wrapper.constructor)')
        self.batches_per_epoch = len(runner.train_dataloader)
        self.max_epochs = runner.max_epochs
        self.warmup_iters = max(round(self.warmup_epochs * self.batches_per_epoch),
                                self.warmup_min_iters)
        total = runner.train_dataloader.batch_size * runner.world_size
        self.accumulate_ratio = self.nominal_batch_size / total
        self.nominal_accumulate = max(round(self.accumulate_ratio), 1)
        decay_scale = total * self.nominal_accumulate / self.nominal_batch_size
        for group in groups:
            group['weight_decay'] = group['base_weight_decay'] * decay_scale
        if not hasattr(wrapper, 'accumulate') and self.nominal_accumulate > 1:
            raise ValueError(
                f'the total batch {total} needs gradient accumulation to the nominal '
                f'{self.nominal_batch_size}: use optim_wrapper type YOLOv5OptimWrapper')
        runner.logger.info(
            f'YOLOv5 schedule: total batch {total} ({runner.world_size} x '
            f'{runner.train_dataloader.batch_size}), accumulate to {self.nominal_batch_size} '
            f'({self.nominal_accumulate} after warm-up), weight decay x {decay_scale:g}, '
            f'warm-up {self.warmup_iters} iterations, {self.scheduler_type} '
            f'1 -> {self.lr_factor} over {self.max_epochs} epochs')

    # -- per epoch / iteration ---------------------------------------------------------------
    def before_train_epoch(self, runner) -> None:
        runner.optim_wrapper.zero_grad()  # the reference drops gradients left from the last epoch

    def before_train_iter(self, runner, batch_idx: int, data_batch=None) -> None:
        self.apply(runner.optim_wrapper, runner.iter, runner.epoch)

    def values(self, ni: int, epoch: int, group: dict):
        """(lr, momentum) of ``group`` at iteration ``ni`` of ``epoch``."""
        warming_up = ni <= self.warmup_iters
        # the reference's one-epoch lag, from the epoch after the one the warm-up ends in
        lagged = not warming_up and epoch > self.warmup_iters // self.batches_per_epoch
        target = group['initial_lr'] * one_cycle_factor(
            epoch - 1 if lagged else epoch, self.max_epochs, self.lr_factor, self.scheduler_type)
        momentum = group['initial_momentum']
        if not warming_up:
            return target, momentum
        xi = [0, self.warmup_iters]
        start = self.warmup_bias_lr if group.get('name') == 'bias' else 0.0
        if momentum is not None:
            momentum = float(np.interp(ni, xi, [self.warmup_momentum, momentum]))
        return float(np.interp(ni, xi, [start, target])), momentum

    def accumulate_at(self, ni: int) -> int:
        """Batches per optimizer step at iteration ``ni`` (the reference's ``accumulate``)."""
        ni = min(ni, self.warmup_iters)
        ramp = np.interp(ni, [0, self.warmup_iters], [1, self.accumulate_ratio])
        return int(max(1, ramp.round()))

    def apply(self, optim_wrapper, ni: int, epoch: int) -> None:
        """Set every group's lr and momentum, and the wrapper's accumulation, for iteration
        ``ni`` of ``epoch``."""
        for group in optim_wrapper.optimizer.param_groups:
            lr, momentum = self.values(ni, epoch, group)
            group['lr'] = lr
            if 'momentum' in group and momentum is not None:
                group['momentum'] = momentum
        if hasattr(optim_wrapper, 'accumulate'):
            optim_wrapper.accumulate = self.accumulate_at(ni)
