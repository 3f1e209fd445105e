# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
"""Resume exactly: the random number generators' states travel with the checkpoint.

MMEngine's checkpoints hold the weights, optimiser, schedulers, EMA and the loop position, but
not the state of Python's, NumPy's and torch's generators. A resumed epoch-based run therefore
starts its data augmentation (flips, affine, mosaic, HSV: MMPose's transforms draw from the
global generators) from the seed instead of from where the killed run was, and every loss after
the resume point differs. This hook saves the states in ``before_save_checkpoint`` and, when a
run is resumed (not when ``load_from`` only loads weights), puts them back before the first
batch is drawn.

What it cannot restore (docs/robustness.md, "Exact resume"): the generators inside data-loader worker
processes. With ``persistent_workers=True`` their streams run on across epochs and a resumed
run starts new workers from the seed. ``IterBasedTrainLoop`` needs no restoring: on resume it
re-draws the batches already trained from the seed (MMEngine's "Advance dataloader"), which
leaves the generators where the killed run had them, so the hook leaves those runs alone.
"""
import random

import numpy as np
import torch
from mmengine.hooks import Hook
from mmengine.runner import IterBasedTrainLoop
from mmpose.registry import HOOKS


def rng_states() -> dict:
    """The states of Python's, NumPy's and torch's (CPU and CUDA) global generators."""
    state = dict(python=random.getstate(), numpy=np.random.get_state(),
                 torch=torch.get_rng_state())
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        state['cuda'] = torch.cuda.get_rng_state_all()
    return state


def set_rng_states(state: dict) -> None:
    """Inverse of :func:`rng_states`."""
    version, internal, gauss = state['python']
    random.setstate((version, tuple(internal), gauss))
    np.random.set_state(state['numpy'])
    torch.set_rng_state(state['torch'])
    if 'cuda' in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state['cuda'])


@HOOKS.register_module()
class RNGStateHook(Hook):
    """Save the generators' states in each checkpoint (``checkpoint['rng_state']``) and restore
    them when an epoch-based run resumes. The states are the main process's (rank's); every
    rank saves its own only where each writes its own checkpoint, so in distributed training
    the other ranks restore rank 0's (their data order comes from the seeded sampler, which
    does not use these generators)."""

    priority = 'VERY_LOW'

    def __init__(self):
        self._pending = None

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        checkpoint['rng_state'] = rng_states()

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        # Called by load_from and by resume alike; only a resume moves the loop past 0, which
        # before_train tells.
        self._pending = checkpoint.get('rng_state')

    def before_train(self, runner) -> None:
        if self._pending is None or runner.iter == 0:
            return
        if isinstance(runner.train_loop, IterBasedTrainLoop):
            runner.logger.info('RNGStateHook: iteration-based loop, whose resume re-draws the '
                               'trained batches; generator states left as they are')
        else:
            set_rng_states(self._pending)
            runner.logger.info(f'RNGStateHook: random generators restored to their state at '
                               f'iteration {runner.iter}')
        self._pending = None
