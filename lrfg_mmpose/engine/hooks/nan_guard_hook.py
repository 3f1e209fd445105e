# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
"""Stop training at the first non-finite loss, saying where, and never save NaN weights.

MMEngine logs a NaN loss and trains on: the optimiser step turns every weight into NaN and the
next checkpoints hold nothing of use. mmdet's ``CheckInvalidLossHook`` asserts on the total loss
every 50 iterations, so a checkpoint can be written in between, and its message names neither
the iteration's loss terms nor the images.

Mixed precision (``mim train ... --amp``, ``AmpOptimWrapper``) is another matter: there the
GradScaler skips any step whose gradients hold NaN or inf (and lowers its scale), and training
goes on, as in the reference's CUDA runs. Under AMP a non-finite loss is therefore counted and
logged with the batch's image ids, the step having been skipped by the scaler, and the run
stops only after ``max_amp_skips`` such iterations in a row (the scale would be down by
``2 ** max_amp_skips``: something other than an overflow) or when a weight has become
non-finite.
"""
from typing import Optional

import torch
from mmengine.hooks import Hook
from mmpose.registry import HOOKS


class NonFiniteLossError(FloatingPointError):
    """A loss term or a weight to be saved is NaN or inf."""


def _uses_loss_scaler(runner) -> bool:
    """Whether the run's optimizer wrapper scales the loss (MMEngine's ``AmpOptimWrapper`` and
    its subclasses, ``YOLOv5AmpOptimWrapper``), so that a non-finite gradient makes the
    GradScaler skip the step."""
    from mmengine.optim import AmpOptimWrapper
    return isinstance(getattr(runner, 'optim_wrapper', None), AmpOptimWrapper)


def _fmt(value) -> str:
    value = float(value.detach().mean()) if isinstance(value, torch.Tensor) else float(value)
    return f'{value:.4g}'


@HOOKS.register_module()
class NaNGuardHook(Hook):
    """After every training iteration, check each loss term; before every checkpoint, check the
    weights. Either failing raises :class:`NonFiniteLossError` naming the iteration, the loss
    terms, the batch's image ids and files, and the last checkpoint (written before the
    problem, so it holds finite weights).

    Its priority (``'VERY_HIGH'``) puts it before ``EMAHook`` and ``CheckpointHook``, so the EMA
    model is not updated with the step and no checkpoint of the iteration is written.

    Args:
        max_amp_skips (int): Under mixed precision, non-finite iterations in a row (each step
            skipped by the GradScaler) after which the run stops. Defaults to 20.
    """

    priority = 'VERY_HIGH'

    def __init__(self, max_amp_skips: int = 20):
        if max_amp_skips < 1:
            raise ValueError(f'NaNGuardHook(max_amp_skips={max_amp_skips}): give at least 1')
        self.max_amp_skips = max_amp_skips
        self.amp_skips = 0  # in a row
        self.amp_skips_total = 0
        self._last_saved: Optional[str] = None  # the last checkpoint whose weights passed

    def after_train_iter(self, runner, batch_idx: int, data_batch: Optional[dict] = None,
                         outputs: Optional[dict] = None) -> None:
        if not outputs:
            return
        finite = [bool(torch.isfinite(torch.as_tensor(v)).all()) for v in outputs.values()]
        if all(finite):
            self.amp_skips = 0
            return
        terms = ', '.join(f'{k}={_fmt(v)}' for k, v in outputs.items())
        samples = (data_batch or {}).get('data_samples') or []
        ids = [s.metainfo.get('img_id') for s in samples]
        files = [s.metainfo.get('img_path') for s in samples]
        where = (f'iteration {runner.iter + 1} (epoch {runner.epoch + 1}, batch {batch_idx + 1}): '
                 f'{terms}; batch image ids {ids}')
        if _uses_loss_scaler(runner):
            self._amp_skip(runner, where)
            return
        raise NonFiniteLossError(
            f'non-finite loss at {where} (files {files}). Training is '
            f'stopped before this step\'s weights reach a checkpoint; {self._last(runner)}. '
            f'Look at these images\' annotations, or lower the learning rate or clip gradients '
            f'(optim_wrapper.clip_grad=dict(max_norm=10.0)) and resume.')

    def _amp_skip(self, runner, where: str) -> None:
        """A non-finite loss under mixed precision: the GradScaler skipped the step; stop only
        after too many in a row or when a weight is no longer finite."""
        self.amp_skips += 1
        self.amp_skips_total += 1
        model = runner.model.module if hasattr(runner.model, 'module') else runner.model
        bad = [n for n, p in model.named_parameters() if not torch.isfinite(p).all()]
        if bad:
            raise NonFiniteLossError(
                f'non-finite weights after the non-finite loss at {where}: {len(bad)} parameters '
                f'(first: {", ".join(bad[:3])}); {self._last(runner)}.')
        if self.amp_skips >= self.max_amp_skips:
            raise NonFiniteLossError(
                f'{self.amp_skips} non-finite losses in a row under mixed precision (the last at '
                f'{where}): more than a GradScaler overflow; {self._last(runner)}. Look at '
                f'these images, lower the learning rate, or train without --amp to find the '
                f'first bad iteration.')
        runner.logger.warning(
            f'non-finite loss under mixed precision at {where}: the GradScaler skipped this '
            f'step ({self.amp_skips} in a row, {self.amp_skips_total} in all; the run stops at '
            f'{self.max_amp_skips} in a row)')

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        bad = [name for name, t in checkpoint.get('state_dict', {}).items()
               if torch.is_tensor(t) and t.is_floating_point() and not torch.isfinite(t).all()]
        if bad:
            raise NonFiniteLossError(
                f'not saving the checkpoint of iteration {runner.iter}: {len(bad)} weight tensors '
                f'hold NaN or inf (first: {", ".join(bad[:3])}); {self._last(runner)}.')
        # CheckpointHook names the file it is about to write before calling this hook.
        self._last_saved = runner.message_hub.get_info('last_ckpt')

    def _last(self, runner) -> str:
        last = self._last_saved or runner.message_hub.get_info('last_ckpt')
        return f'the last checkpoint is {last}' if last else 'no checkpoint was written yet'
