# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
"""Stop training at the first non-finite loss, saying where, and never save NaN weights.

MMEngine logs a NaN loss and trains on: the optimiser step turns every weight into NaN and the
next checkpoints hold nothing of use. mmdet's ``CheckInvalidLossHook`` asserts on the total loss
every 50 iterations, so a checkpoint can be written in between, and its message names neither
the iteration's loss terms nor the images.
"""
from typing import Optional

import torch
from mmengine.hooks import Hook
from mmpose.registry import HOOKS


class NonFiniteLossError(FloatingPointError):
    """A loss term or a weight to be saved is NaN or inf."""


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
    """

    priority = 'VERY_HIGH'

    def __init__(self):
        self._last_saved: Optional[str] = None  # the last checkpoint whose weights passed

    def after_train_iter(self, runner, batch_idx: int, data_batch: Optional[dict] = None,
                         outputs: Optional[dict] = None) -> None:
        if not outputs:
            return
        finite = [bool(torch.isfinite(torch.as_tensor(v)).all()) for v in outputs.values()]
        if all(finite):
            return
        terms = ', '.join(f'{k}={_fmt(v)}' for k, v in outputs.items())
        samples = (data_batch or {}).get('data_samples') or []
        ids = [s.metainfo.get('img_id') for s in samples]
        files = [s.metainfo.get('img_path') for s in samples]
        raise NonFiniteLossError(
            f'non-finite loss at iteration {runner.iter + 1} (epoch {runner.epoch + 1}, batch '
            f'{batch_idx + 1}): {terms}; batch image ids {ids} (files {files}). Training is '
            f'stopped before this step\'s weights reach a checkpoint; {self._last(runner)}. '
            f'Look at these images\' annotations, or lower the learning rate or clip gradients '
            f'(optim_wrapper.clip_grad=dict(max_norm=10.0)) and resume.')

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
