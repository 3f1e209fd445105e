# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
"""Pickles read without running them: plain data, numpy arrays and torch tensors only.

A pickle may name any Python callable and have it called while it is read, so a plain
``pickle.load`` of a file from elsewhere (a results file shared for comparison, ``mim test
--dump``'s ``.pkl``) can run code. :func:`load_data_pickle` resolves only the globals that
rebuild data: numpy's array, scalar and dtype constructors (protocol 5's from-buffer too),
pickle's bytes helper, ``set``, ``frozenset``, ``OrderedDict``, ``slice``, and torch's tensor
rebuild (a tensor's storage is read back by ``torch.load`` with ``weights_only=True``). Any other
global stops the read before it is called, with :class:`UnsafePickleError` naming it. Torch is
imported only when the file holds a tensor; numpy arrays need numpy alone.
"""
import io
import pickle
import pickletools
import zipfile
from pathlib import Path
from typing import List

#: Globals that only rebuild data, as pickle names them (``__builtin__`` is protocol 2's name
#: for ``builtins``; numpy 1.x pickles through ``numpy.core``, numpy 2 through ``numpy._core``).
DATA_GLOBALS = frozenset({
    ('numpy.core.multiarray', '_reconstruct'), ('numpy._core.multiarray', '_reconstruct'),
    ('numpy.core.multiarray', 'scalar'), ('numpy._core.multiarray', 'scalar'),
    ('numpy.core.numeric', '_frombuffer'), ('numpy._core.numeric', '_frombuffer'),
    ('numpy', 'ndarray'), ('numpy', 'dtype'), ('_codecs', 'encode'),
    ('collections', 'OrderedDict'), ('builtins', 'set'), ('__builtin__', 'set'),
    ('builtins', 'frozenset'), ('__builtin__', 'frozenset'), ('builtins', 'slice'),
    ('__builtin__', 'slice'),
})
#: numpy's dtype classes (``numpy.dtypes.Float32DType``, ...), which numpy 2 pickles by name.
_NUMPY_DTYPE_MODULES = ('numpy.dtypes', )
#: torch's tensor and parameter rebuild functions (a tensor's storage is read apart).
TENSOR_GLOBALS = frozenset({('torch._utils', '_rebuild_tensor_v2'), ('torch', 'Size'),
                            ('torch._utils', '_rebuild_parameter'),
                            ('torch._utils', '_rebuild_parameter_with_state')})


class UnsafePickleError(pickle.UnpicklingError):
    """The pickle names a global outside the data-only set; ``name`` is the first one."""

    def __init__(self, name: str):
        super().__init__(f'it refers to {name}, which is not data (a pickle that names it runs '
                         f'code when read)')
        self.name = name


def _storage_from_bytes(data: bytes):
    """A tensor storage as ``torch.save`` wrote it inside a plain pickle, read with
    ``weights_only=True``."""
    import torch
    return torch.load(io.BytesIO(data), map_location='cpu', weights_only=True)


class DataUnpickler(pickle.Unpickler):
    """An unpickler that resolves :data:`DATA_GLOBALS` (and torch's tensor rebuild) only."""

    def find_class(self, module, name):
        if (module, name) in DATA_GLOBALS | TENSOR_GLOBALS or module in _NUMPY_DTYPE_MODULES:
            return super().find_class(module, name)
        if (module, name) == ('torch.storage', '_load_from_bytes'):
            return _storage_from_bytes
        raise UnsafePickleError(f'{module}.{name}')


def load_data_pickle(path):
    """The contents of the pickle file ``path``, read with :class:`DataUnpickler`.

    Raises:
        FileNotFoundError: no such file.
        ValueError: the file is not a pickle, is damaged, or names a global outside the data-only
            set (:class:`UnsafePickleError` as the cause); one line naming the file.
    """
    path = Path(path)
    try:
        with open(path, 'rb') as f:
            return DataUnpickler(f).load()
    except FileNotFoundError:
        raise FileNotFoundError(f'{path}: no such file') from None
    except UnsafePickleError as e:
        raise ValueError(f'{path}: not read: {e}; only pickles of plain data, numpy arrays '
                         f'and tensors are read (what mim test --dump writes)') from e
    except Exception as e:  # noqa: BLE001  (a damaged or foreign pickle raises many kinds)
        raise ValueError(f'{path}: not a readable pickle ({type(e).__name__}: '
                         f'{str(e).splitlines()[0][:200] if str(e) else "damaged"})') from None


_STRING_OPS = {'SHORT_BINUNICODE', 'BINUNICODE', 'BINUNICODE8', 'UNICODE', 'SHORT_BINSTRING',
               'BINSTRING', 'STRING'}


def _pickle_bytes(path: Path) -> List[bytes]:
    """The pickles of a file: a ``torch.save`` zip's ``data.pkl`` (and any other ``.pkl``
    member), or the file itself."""
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as z:
            return [z.read(n) for n in z.namelist() if n.endswith('.pkl')]
    return [path.read_bytes()]


def pickle_globals(path) -> List[str]:
    """Every global (``module.name``) the pickles of ``path`` refer to, in order of first use,
    found by reading the opcodes only (nothing is imported or called). A damaged file gives
    those found before the damage."""
    found: List[str] = []
    for data in _pickle_bytes(Path(path)):
        strings, memo, memo_next, last = [], {}, 0, None  # last: the string just pushed
        try:
            for op, arg, _ in pickletools.genops(data):
                pushed, name = None, None
                if op.name in _STRING_OPS:
                    pushed = arg if isinstance(arg, str) else str(arg)
                elif op.name in ('BINPUT', 'LONG_BINPUT', 'PUT'):
                    memo[arg] = last
                elif op.name == 'MEMOIZE':
                    memo[memo_next] = last
                    memo_next += 1
                elif op.name in ('BINGET', 'LONG_BINGET', 'GET'):
                    pushed = memo.get(arg)
                if op.name == 'GLOBAL':
                    name = str(arg).replace(' ', '.')
                elif op.name == 'STACK_GLOBAL' and len(strings) >= 2:
                    name = f'{strings[-2]}.{strings[-1]}'
                if pushed is not None:
                    strings.append(pushed)
                if op.name not in ('BINPUT', 'LONG_BINPUT', 'PUT', 'MEMOIZE'):
                    last = pushed
                if name and name not in found:
                    found.append(name)
        except Exception:  # noqa: BLE001  (a truncated pickle: keep what was read)
            continue
    return found
