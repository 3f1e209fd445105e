# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
"""Read a YOLO-Pose reference checkpoint without its code and without running the file.

The reference (edgeai-yolov5, branch yolo-pose; likewise YOLOv5 and YOLOv7) releases
``torch.save`` files holding pickled ``models.yolo.Model`` objects. ``torch.load`` with
``weights_only=True`` refuses them, and ``weights_only=False`` imports the reference's
modules and lets the file call any Python function. Here the unpickler resolves only an
allow-list of globals: torch's tensor rebuild functions and storages, ``OrderedDict``,
``set``, numpy's array reconstruction and ``_codecs.encode`` (pickle's bytes helper). Every
class of the reference or of ``torch.nn`` becomes an :class:`InertModule`, which only keeps
its attributes; any other global stops the load. Tensors and plain data are all that
come out.
"""
import pickle
from collections import OrderedDict
from pathlib import Path
from typing import Dict, Tuple

import torch

from ..fileio.safe_pickle import DATA_GLOBALS, TENSOR_GLOBALS

# Globals a checkpoint may use as themselves: they only build tensors, dicts, sets and
# numpy arrays (the data-only set of results pickles, and torch's tensor rebuild functions).
_ALLOWED = DATA_GLOBALS | TENSOR_GLOBALS
# Modules whose classes become inert stand-ins (the reference's own and torch.nn's).
_MODULE_PREFIXES = ('models.', 'utils.', 'torch.nn.modules.')


class CheckpointFormatError(ValueError):
    """The file is not a checkpoint this reader understands."""


class InertModule:
    """Stand-in for a pickled module: keeps the pickled attributes, runs nothing."""

    qualname = ''  # the class the file named, e.g. 'models.yolo.Detect'

    def __setstate__(self, state):
        if isinstance(state, dict):
            self.__dict__.update(state)

    def children(self) -> Dict[str, 'InertModule']:
        return {k: v for k, v in self.__dict__.get('_modules', {}).items() if v is not None}

    def tensors(self, prefix: str = '') -> 'OrderedDict[str, torch.Tensor]':
        """Parameters and persistent buffers by state-dict name, as ``state_dict()``."""
        out = OrderedDict()
        skip = self.__dict__.get('_non_persistent_buffers_set', set())
        for group in ('_parameters', '_buffers'):
            for name, value in self.__dict__.get(group, {}).items():
                if isinstance(value, torch.Tensor) and name not in skip:
                    out[prefix + name] = value
        for name, child in self.children().items():
            out.update(child.tensors(f'{prefix}{name}.'))
        return out


_STAND_INS: Dict[Tuple[str, str], type] = {}


def _stand_in(module: str, name: str) -> type:
    key = (module, name)
    if key not in _STAND_INS:
        _STAND_INS[key] = type(name, (InertModule, ), dict(qualname=f'{module}.{name}'))
    return _STAND_INS[key]


class _RestrictedUnpickler(pickle.Unpickler):

    def find_class(self, module, name):
        if (module, name) in _ALLOWED:
            return super().find_class(module, name)
        if module.startswith(_MODULE_PREFIXES):
            return _stand_in(module, name)
        raise CheckpointFormatError(
            f'the file refers to {module}.{name}, which a YOLO-Pose checkpoint does not use')


class _RestrictedPickleModule:
    """What ``torch.load(pickle_module=...)`` needs: an ``Unpickler`` and ``load``."""
    Unpickler = _RestrictedUnpickler
    UnpicklingError = pickle.UnpicklingError

    @staticmethod
    def load(file, **kwargs):
        return _RestrictedUnpickler(file, **kwargs).load()


def load_reference_checkpoint(path) -> dict:
    """The top-level dict of a reference ``.pt`` file; models come back as
    :class:`InertModule` trees.

    Raises:
        CheckpointFormatError: the file is missing, not a torch file, or uses globals
            outside the allow-list.
    """
    path = Path(path)
    if not path.is_file():
        raise CheckpointFormatError(f'{path}: no such file')
    try:
        # weights_only=False only because torch requires it with a custom pickle_module;
        # the restricted unpickler above decides what may be loaded.
        ckpt = torch.load(path, map_location='cpu', pickle_module=_RestrictedPickleModule,
                          weights_only=False)
    except CheckpointFormatError as e:
        raise CheckpointFormatError(f'{path}: not a YOLO-Pose reference checkpoint ({e})') from None
    except Exception as e:  # noqa: BLE001  (torch/pickle raise many types for a bad file)
        raise CheckpointFormatError(f'{path}: not a torch checkpoint file '
                                    f'({type(e).__name__}: {e})') from None
    if not isinstance(ckpt, dict):
        raise CheckpointFormatError(f'{path}: holds a {type(ckpt).__name__}, not the dict a '
                                    f'YOLO-Pose training run saves')
    return ckpt
