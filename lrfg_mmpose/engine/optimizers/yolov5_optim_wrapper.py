# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
"""Gradient accumulation as the YOLO-Pose reference's train loop does it.

The reference (edgeai-yolov5 ``train.py``) back-propagates every batch and steps the optimizer
when the global iteration index ``ni`` is a multiple of ``accumulate``; ``accumulate`` ramps
from 1 to ``round(64 / total batch)`` during warm-up (set each iteration by
:class:`~lrfg_mmpose.engine.hooks.YOLOv5ParamSchedulerHook`). Three things differ from
MMEngine's ``OptimWrapper(accumulative_counts=n)``:

- the loss is **not** divided by ``accumulate``: the gradients of the accumulated batches are
  summed (the reference's learning rate and weight decay assume that sum);
- the step happens at ``ni % accumulate == 0`` with ``ni`` counted from 0 over the whole run,
  not after every ``n`` backward passes since the last step. While ``accumulate`` ramps, the
  number of batches in a step therefore varies (e.g. 1, then 2 at the 1 -> 2 change);
- no extra step on the run's last iteration.

The hook also clears the gradients at every epoch start, as the reference does, so batches left
over at an epoch's end are dropped. In distributed runs, gradients are synchronised only on
iterations that step (``no_sync`` otherwise), which gives the same summed gradient.
"""
from mmengine.optim import AmpOptimWrapper, OptimWrapper
from mmpose.registry import OPTIM_WRAPPERS


class _ReferenceAccumulation:
    """The reference's stepping rule, mixed into an MMEngine optimizer wrapper."""

    def __init__(self, accumulate: int = 1, **kwargs):
        if kwargs.get('accumulative_counts', 1) != 1:
            raise ValueError(f'{type(self).__name__} accumulates to the nominal batch itself '
                             '(YOLOv5ParamSchedulerHook sets it): remove accumulative_counts')
        super().__init__(**kwargs)
        self.accumulate = int(accumulate)

    def scale_loss(self, loss):
        return loss  # summed over the accumulated batches, as the reference

    def should_update(self) -> bool:
        # called after the backward pass of iteration ni, when _inner_count == ni + 1
        return (self._inner_count - 1) % self.accumulate == 0

    def should_sync(self) -> bool:
        # called before the forward pass of iteration ni, when _inner_count == ni
        return self._inner_count % self.accumulate == 0


@OPTIM_WRAPPERS.register_module()
class YOLOv5OptimWrapper(_ReferenceAccumulation, OptimWrapper):
    """``OptimWrapper`` stepping at ``ni % accumulate == 0`` on summed gradients.

    Args:
        accumulate (int): batches per step until a hook sets :attr:`accumulate`. Defaults to 1.
        **kwargs: as ``OptimWrapper`` (``clip_grad``...). ``accumulative_counts`` is refused:
            use ``accumulate``.
    """


@OPTIM_WRAPPERS.register_module()
class YOLOv5AmpOptimWrapper(_ReferenceAccumulation, AmpOptimWrapper):
    """:class:`YOLOv5OptimWrapper` with mixed precision (MMEngine's ``AmpOptimWrapper``: autocast
    and a dynamic loss scale), what the reference's train.py uses on CUDA. Needs a GPU (MMEngine
    refuses it otherwise); ``mim train --amp`` accepts only MMEngine's own wrappers, so select it
    in the config: ``--cfg-options optim_wrapper.type=YOLOv5AmpOptimWrapper``.
    """

