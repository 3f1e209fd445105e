# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
"""The YOLO-Pose reference's model EMA (edgeai-yolov5 ``utils/torch_utils.py`` ``ModelEMA``).

The reference keeps a copy of the model taken before training and, after every optimizer step
``k = 1, 2, ...``, sets each floating-point tensor of the state (weights and BatchNorm running
statistics) to ``d_k * ema + (1 - d_k) * model`` with ``d_k = 0.9999 * (1 - exp(-k / 2000))``.
MMEngine's ``EMAHook`` with mmdet's ``ExpMomentumEMA(momentum=1e-4, gamma=2000)`` has the same
decay, but it copies the model at its first update instead of averaging, and it updates after
every iteration, also those that only accumulate gradients. :class:`YOLOv5ModelEMA` and
:class:`YOLOv5EMAHook` do neither, so the EMA weights follow the reference's.
"""
import math
from typing import Optional

import torch
import torch.nn as nn
from mmengine.hooks import EMAHook
from mmengine.model import BaseAveragedModel
from mmpose.registry import HOOKS, MODELS


@MODELS.register_module()
class YOLOv5ModelEMA(BaseAveragedModel):
    """``ema = d_k * ema + (1 - d_k) * model`` at update ``k`` (from 1), every floating-point
    tensor of the state dict, starting from the model as it was when this was built.

    Args:
        model (nn.Module): the model to average.
        decay (float): the decay it tends to. Defaults to 0.9999.
        tau (float): ramp length in updates. Defaults to 2000.
        interval, device, update_buffers: as MMEngine's ``BaseAveragedModel``;
            ``update_buffers`` defaults to True (the reference averages the BN statistics).
    """

    def __init__(self, model: nn.Module, decay: float = 0.9999, tau: float = 2000,
                 interval: int = 1, device: Optional[torch.device] = None,
                 update_buffers: bool = True):
        super().__init__(model, interval, device, update_buffers)
        self.decay, self.tau = decay, tau

    def decay_at(self, k: int) -> float:
        """The reference's ``d`` at its ``k``-th update (``k`` from 1)."""
        return self.decay * (1 - math.exp(-k / self.tau))

    def avg_func(self, averaged_param: torch.Tensor, source_param: torch.Tensor,
                 steps: int) -> None:
        d = self.decay_at(steps + 1)
        averaged_param.mul_(d).add_(source_param, alpha=1 - d)

    @torch.no_grad()
    def update_parameters(self, model: nn.Module) -> None:
        source = model.state_dict() if self.update_buffers else dict(model.named_parameters())
        if self.steps % self.interval == 0:
            for name, averaged in self.avg_parameters.items():
                if averaged.dtype.is_floating_point:
                    self.avg_func(averaged.data, source[name].data.to(averaged.device),
                                  self.steps)
        if not self.update_buffers:
            for b_avg, b_src in zip(self.module.buffers(), model.buffers()):
                b_avg.data.copy_(b_src.data.to(b_avg.device))
        self.steps += 1


@HOOKS.register_module()
class YOLOv5EMAHook(EMAHook):
    """MMEngine's ``EMAHook`` updating the EMA only after iterations whose optimizer stepped
    (with gradient accumulation, the others only add gradients), by default with
    :class:`YOLOv5ModelEMA`. Everything else (validation and checkpoints with the EMA weights,
    resume) is ``EMAHook``'s.
    """

    def __init__(self, ema_type: str = 'YOLOv5ModelEMA', **kwargs):
        super().__init__(ema_type=ema_type, **kwargs)

    def before_train(self, runner) -> None:
        """Start from the model as training starts (after ``load_from`` and MMEngine's weight
        initialisation), as the reference's ``ModelEMA(model)``; a resumed EMA (steps > 0)
        is kept."""
        super().before_train(runner)
        if int(self.ema_model.steps) == 0:
            self.ema_model.module.load_state_dict(self.src_model.state_dict())

    def after_train_iter(self, runner, batch_idx: int, data_batch=None,
                         outputs: Optional[dict] = None) -> None:
        # after update_params, should_update() says whether this iteration stepped
        if runner.optim_wrapper.should_update():
            super().after_train_iter(runner, batch_idx, data_batch, outputs)
