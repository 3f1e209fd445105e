# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
"""Validate every process with rank 0's BatchNorm statistics, as the YOLO-Pose reference does.

The reference wraps its model in PyTorch's DDP with ``broadcast_buffers=True`` (rank 0's buffers
sent to every rank at each forward) and validates on rank 0 alone. MMEngine validates a sharded
val set on every rank, each with its own buffers: BatchNorm running statistics updated by its
own last batches, and an EMA of them (the EMA averages each rank's buffers). A ``--gpus 2`` run
would score half of the val images with rank 1's statistics, so its logged AP and the best
checkpoint it keeps would differ from the reference's (the weights rank 0 saves would not).

:class:`BroadcastBuffersHook` sends rank 0's buffers to every rank before each validation, after
the EMA hook has swapped the EMA weights in (its priority is lower), so every shard is scored by
the model rank 0 validates and saves. The paper configs also set ``broadcast_buffers=True`` in
``model_wrapper_cfg``, so training broadcasts as the reference's does. One process: nothing
happens.
"""
from mmengine.dist import broadcast, get_world_size
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmpose.registry import HOOKS


@HOOKS.register_module()
class BroadcastBuffersHook(Hook):
    """Before every validation epoch, every buffer of the model (BatchNorm running means,
    variances and batch counts; the EMA's when the EMA hook swapped them in) from rank 0."""

    priority = 'NORMAL'  # after YOLOv5EMAHook (49), which swaps the EMA weights in before val

    def before_val_epoch(self, runner) -> None:
        if get_world_size() < 2:
            return
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        for buffer in model.buffers():
            broadcast(buffer.data, src=0)
