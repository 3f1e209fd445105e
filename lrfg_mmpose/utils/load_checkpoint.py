# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
"""A checkpoint loaded whole into a model, or refused in one line that says what to do.

Every tool that reads a checkpoint (inference, export) goes through :func:`load_strict`: a
missing file, a damaged one, a file whose weights do not fit the config, and a file a
weights-only load refuses each give one :class:`CheckpointError`. For the last, the pickle's
opcodes are read (nothing imported or run) to name the objects outside the safe set and what
the file looks like (:func:`refused_checkpoint_cause`): an Ultralytics model, a YOLO-Pose or
YOLOv5 reference checkpoint (the converter's command), or a file that would run code.
"""
import pickle
from pathlib import Path

class CheckpointError(ValueError):
    """A checkpoint that does not exist, is not a checkpoint, or does not fit the config."""


def _outside_safe_set(name: str) -> bool:
    """Whether a pickled global is outside what a weights-only load of an MMEngine checkpoint
    allows (torch's tensor rebuilding, containers, numpy data, ``HistoryBuffer``)."""
    from ..fileio.safe_pickle import DATA_GLOBALS, TENSOR_GLOBALS
    module, _, attr = name.rpartition('.')
    if (module, attr) in DATA_GLOBALS | TENSOR_GLOBALS or module.startswith('numpy'):
        return False  # numpy's dtype classes and scalars too
    if module == 'torch':
        return not (attr.endswith('Storage') or attr in ('device', 'dtype'))
    return not (module == 'torch._utils' or
                name == 'mmengine.logging.history_buffer.HistoryBuffer')


def refused_checkpoint_cause(path) -> str:
    """Why a weights-only load refused ``path``, in words a user can act on: the globals it
    holds outside the safe set and what the file looks like (an Ultralytics model, a
    YOLO-Pose / YOLOv5 reference checkpoint, or a file that runs code when loaded)."""
    from ..fileio.safe_pickle import pickle_globals
    try:
        outside = [g for g in pickle_globals(path) if _outside_safe_set(g)]
    except (OSError, ValueError):
        outside = []
    shown = ', '.join(outside[:4]) + (f' and {len(outside) - 4} more' if len(outside) > 4 else '')
    if any(g.startswith('ultralytics.') for g in outside):
        return (f'an Ultralytics model (it pickles {shown}); it is not an MMEngine checkpoint '
                f'and holds Ultralytics\' code objects: load it with Ultralytics')
    if any(g.startswith(('models.yolo.', 'models.common.', 'models.experimental.'))
           for g in outside):
        return (f'a YOLO-Pose / YOLOv5 reference checkpoint (it pickles {shown}); convert it '
                f'first: python tools/convert_yolopose_checkpoint.py {path} converted.pth')
    if outside:
        return (f'it holds objects outside the safe set of a checkpoint ({shown}): a file '
                f'that would run code when loaded; not loaded (never load it with '
                f'weights_only=False)')
    return ''


def _first_sentence(error: Exception) -> str:
    text = (str(error).splitlines() or [''])[0]
    return text.split('. ')[0][:160]


def read_checkpoint(checkpoint, config='CONFIG') -> dict:
    """The dict of an MMEngine checkpoint file, read with MMEngine's weights-only loader, or
    :class:`CheckpointError` in one line (missing, damaged, refused: what it is and what to do).
    ``config`` is named in the missing-file line's training command."""
    from mmengine.runner.checkpoint import _load_checkpoint
    path = Path(checkpoint)
    if not path.is_file():
        raise CheckpointError(f'{path}: checkpoint not found (train one with `make demo` or '
                              f'`mim train mmpose {config}`)')
    try:
        ckpt = _load_checkpoint(str(path), map_location='cpu', logger='current')
    except Exception as e:  # pickle, zip or torch errors: all mean "not a checkpoint"
        refused = refused_checkpoint_cause(path) if isinstance(e, pickle.UnpicklingError) else ''
        if refused:
            raise CheckpointError(f'{path}: not loaded: {refused}') from None
        raise CheckpointError(f'{path}: not a PyTorch checkpoint, or a damaged or truncated one '
                              f'({type(e).__name__}: {_first_sentence(e)})') from None
    if not isinstance(ckpt, dict):
        raise CheckpointError(f'{path}: holds a {type(ckpt).__name__}, not a checkpoint dict')
    return ckpt


def load_strict(model, checkpoint, config) -> dict:
    """Load every weight of ``checkpoint`` into ``model`` or raise :class:`CheckpointError` in
    one line (:func:`read_checkpoint`'s, or the weights that do not fit); the checkpoint's
    ``meta``."""
    from mmengine.runner.checkpoint import _load_checkpoint_to_model
    path = Path(checkpoint)
    ckpt = read_checkpoint(path, config)
    state = ckpt.get('state_dict', ckpt)
    ours = model.state_dict()
    missing = [k for k in ours if k not in state]
    unexpected = [k for k in state if k not in ours]
    wrong = [k for k in ours if k in state and tuple(state[k].shape) != tuple(ours[k].shape)]
    if missing or unexpected or wrong:
        parts = [f'{len(v)} {what} (e.g. {v[0]})' for what, v in
                 (('missing weights', missing), ('unexpected weights', unexpected),
                  ('weights of another shape', wrong)) if v]
        raise CheckpointError(f'{path} does not fit {config}: {"; ".join(parts)}; is it the '
                              f'checkpoint of another config (width, keypoint count, head)?')
    _load_checkpoint_to_model(model, ckpt, strict=True)
    return ckpt.get('meta', {}) or {}
