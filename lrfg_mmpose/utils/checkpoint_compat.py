# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
"""Let MMEngine 0.10.7 checkpoints load under torch >= 2.6 (``weights_only=True`` by default).

MMEngine's checkpoints hold the runner's ``MessageHub`` state: ``HistoryBuffer`` objects with
numpy arrays and numpy scalars. Since torch 2.6 ``torch.load`` refuses them ("Weights only load
failed"), so ``--resume``, ``load_from``, ``mim test`` and the inferencer fail. Two changes,
made by :func:`enable_weights_only_checkpoints`, which ``import lrfg_mmpose`` (what a config's
``custom_imports`` does) calls once:

1. ``HistoryBuffer.__getstate__`` stops pickling the class-level table of statistics methods
   (which unpickles only through ``builtins.getattr``, never safe to allow); ``__setstate__``
   rebuilds it. This changes what MMEngine *writes*.
2. MMEngine's loader for local files (its ``CheckpointLoader`` scheme for plain paths) is
   replaced by the same ``torch.load`` inside ``torch.serialization.safe_globals`` with numpy's
   array and scalar constructors and ``HistoryBuffer`` allowed. The allow-list holds only
   while MMEngine loads a checkpoint; a plain ``torch.load`` elsewhere is unaffected, and
   arbitrary code in an untrusted checkpoint is still refused (``weights_only`` stays on).

Nothing is changed on torch < 2.6 (no ``weights_only`` default there), nor when the environment
sets ``LRFG_MMPOSE_KEEP_LOADER=1`` (for a program that registers its own loader; MMEngine
checkpoints with a message hub then fail to load on torch >= 2.6, as without this package).
"""
import importlib
import os
import os.path as osp

import numpy as np
import torch
from mmengine.logging import HistoryBuffer
from mmengine.runner.checkpoint import CheckpointLoader


def _history_buffer_state(self) -> dict:
    """HistoryBuffer state without the class-level statistics table."""
    return {k: v for k, v in self.__dict__.items() if k != 'statistics_methods'}


def checkpoint_safe_globals() -> list:
    """What an MMEngine checkpoint needs besides tensors: numpy arrays, scalars, dtypes and
    ``HistoryBuffer``."""
    # numpy 1.x pickles through numpy.core.multiarray, numpy 2 through numpy._core.multiarray.
    name = 'numpy.core.multiarray' if np.__version__.startswith('1.') else 'numpy._core.multiarray'
    multiarray = importlib.import_module(name)
    dtype_classes = {type(np.dtype(t)) for t in np.sctypeDict.values() if t is not np.void}
    return [HistoryBuffer, multiarray._reconstruct, multiarray.scalar, np.ndarray, np.dtype,
            *dtype_classes]


def load_from_local(filename: str, map_location=None):
    """MMEngine's local-file checkpoint loader, with :func:`checkpoint_safe_globals` allowed."""
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise FileNotFoundError(f'{filename} can not be found.')
    with torch.serialization.safe_globals(checkpoint_safe_globals()):
        return torch.load(filename, map_location=map_location, weights_only=True)


OPT_OUT = 'LRFG_MMPOSE_KEEP_LOADER'


def needs_patch() -> bool:
    """True on torch >= 2.6 unless ``LRFG_MMPOSE_KEEP_LOADER=1`` is set."""
    major, minor = (int(v) for v in torch.__version__.split('.')[:2])
    return (major, minor) >= (2, 6) and os.environ.get(OPT_OUT, '') != '1'


def enable_weights_only_checkpoints() -> bool:
    """Apply both changes (idempotent) where :func:`needs_patch`; returns whether it did."""
    if not needs_patch():
        return False
    HistoryBuffer.__getstate__ = _history_buffer_state
    CheckpointLoader.register_scheme(prefixes='', loader=load_from_local, force=True)
    return True

