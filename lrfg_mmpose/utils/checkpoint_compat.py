# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
"""Make MMEngine checkpoints load under ``torch.load(weights_only=True)`` (torch >= 2.6).

MMEngine 0.10.7 checkpoints hold the runner's ``MessageHub`` state: ``HistoryBuffer``
objects with numpy arrays and numpy scalars. Since torch 2.6 ``torch.load`` defaults to
``weights_only=True``, so ``--resume``, ``load_from`` and ``mim test`` fail with
"Weights only load failed". Two narrow fixes, applied when ``lrfg_mmpose`` is imported:

1. ``HistoryBuffer.__getstate__`` pickles the class-level table of statistics methods with
   every buffer, which unpickles only through ``builtins.getattr`` (never safe to allow).
   The table is class state that ``__setstate__`` rebuilds, so it is left out.
2. The numpy array/scalar constructors and ``HistoryBuffer`` are added to torch's
   weights-only allow-list (as torch's documentation recommends for numpy data).

Arbitrary code in an untrusted checkpoint is still refused: nothing here turns
``weights_only`` off.
"""
import importlib

import numpy as np
import torch
from mmengine.logging import HistoryBuffer


def _history_buffer_state(self) -> dict:
    """HistoryBuffer state without the class-level statistics table."""
    return {k: v for k, v in self.__dict__.items() if k != 'statistics_methods'}


def _numpy_globals() -> list:
    # numpy 1.x pickles through numpy.core.multiarray, numpy 2 through numpy._core.multiarray.
    name = 'numpy.core.multiarray' if np.__version__.startswith('1.') else 'numpy._core.multiarray'
    multiarray = importlib.import_module(name)
    dtype_classes = [type(np.dtype(t)) for t in np.sctypeDict.values() if t is not np.void]
    return [multiarray._reconstruct, multiarray.scalar, np.ndarray, np.dtype, *set(dtype_classes)]


def enable_weights_only_checkpoints() -> None:
    """Apply both fixes (idempotent)."""
    HistoryBuffer.__getstate__ = _history_buffer_state
    torch.serialization.add_safe_globals([HistoryBuffer, *_numpy_globals()])
