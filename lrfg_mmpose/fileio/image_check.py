# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
"""Is a file an image that OpenCV, and so MMPose's ``LoadImage``, decodes? One cause per bad file.

Causes: missing, unreadable, empty, not an image, truncated, corrupt, a format OpenCV does not
read (GIF), and (for dataset checks) a size other than the annotation's. Needs numpy and OpenCV
only, so that the torch-free runtime (:mod:`lrfg_mmpose.deploy`) uses it too.

OpenCV 4.x refuses a JPEG or PNG that ends early (``imdecode`` gives ``None``); the cause is then
told apart by the file's signature and end marker. A dataset check decodes JPEGs at 1/8 scale
(libjpeg's DCT scaling: every byte of the data is still decoded, so a truncated file still fails,
at about half the time of a full decode).
"""
import json
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Callable, Dict, Iterable, NamedTuple, Optional, Sequence, Tuple

import cv2
import numpy as np

CACHE_VERSION = 1
# (signature at offset 0, format); WebP is RIFF....WEBP, checked apart.
_SIGNATURES = ((b'\xff\xd8\xff', 'JPEG'), (b'\x89PNG\r\n\x1a\n', 'PNG'), (b'GIF87a', 'GIF'),
               (b'GIF89a', 'GIF'), (b'BM', 'BMP'), (b'II*\x00', 'TIFF'), (b'MM\x00*', 'TIFF'))
_UNSUPPORTED = {'GIF'}  # OpenCV's imdecode gives None for these


class BadImageError(ValueError):
    """An image file that cannot be used; ``str()`` is ``'<path>: <cause>'``."""

    def __init__(self, path, cause: str):
        super().__init__(f'{path}: {cause}')
        self.path, self.cause = str(path), cause


class CheckResult(NamedTuple):
    """:func:`check_images`' answer: ``{path: cause}`` of the bad files, and how many files
    were decoded (the others came from the cache or were missing)."""
    bad: Dict[str, str]
    decoded: int


class ImageInfo(NamedTuple):
    """What a check found: ``cause`` (None when the image decodes) and the decoded size
    ``(w, h)`` at ``1 / reduction`` scale (None when it does not)."""
    cause: Optional[str]
    size_wh: Optional[Tuple[int, int]]
    reduction: int


def image_format(head: bytes) -> Optional[str]:
    """The image format named by a file's first bytes, or None."""
    if head[:4] == b'RIFF' and head[8:12] == b'WEBP':
        return 'WebP'
    return next((fmt for sig, fmt in _SIGNATURES if head.startswith(sig)), None)


def _failure_cause(data: bytes) -> str:
    """Why bytes that OpenCV could not decode are not a usable image."""
    if not data:
        return 'empty file (0 bytes)'
    fmt = image_format(data[:16])
    if fmt is None:
        return f'not an image (the file begins with {data[:8]!r})'
    if fmt in _UNSUPPORTED:
        return f'{fmt} image, which OpenCV cannot read: convert it to JPEG or PNG'
    # JPEG ends with the EOI marker FF D9; PNG with its IEND chunk (+ 4 bytes of CRC).
    tail = data[-1024:]
    if (fmt == 'JPEG' and b'\xff\xd9' not in tail) or (fmt == 'PNG' and b'IEND' not in tail):
        return f'truncated {fmt} ({len(data)} bytes, its end marker is missing)'
    return f'corrupt {fmt} data (OpenCV cannot decode it)'


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise BadImageError(path, 'missing (no such file)') from None
    except IsADirectoryError:
        raise BadImageError(path, 'a folder, not an image file') from None
    except OSError as e:
        raise BadImageError(path, f'unreadable ({e.strerror or e})') from None


def decode_image(data: bytes, path, flags: int = cv2.IMREAD_COLOR) -> np.ndarray:
    """``cv2.imdecode`` of a file's bytes, or :class:`BadImageError` with the cause."""
    image = cv2.imdecode(np.frombuffer(data, np.uint8), flags) if data else None
    if image is None or image.size == 0:
        raise BadImageError(path, _failure_cause(data))
    return image


def read_image(path, flags: int = cv2.IMREAD_COLOR) -> np.ndarray:
    """The image at ``path`` as ``cv2.imread`` gives it (BGR for the default flags), or
    :class:`BadImageError` naming the file and the cause."""
    path = Path(path)
    return decode_image(_read_bytes(path), path, flags)


def inspect_image(path) -> ImageInfo:
    """Decode ``path`` as cheaply as the check allows (JPEG at 1/8 scale)."""
    path = Path(path)
    try:
        data = _read_bytes(path)
        reduction = 8 if image_format(data[:16]) == 'JPEG' else 1
        image = decode_image(data, path, cv2.IMREAD_REDUCED_COLOR_8 if reduction == 8
                             else cv2.IMREAD_COLOR)
    except BadImageError as e:
        return ImageInfo(e.cause, None, 1)
    return ImageInfo(None, (image.shape[1], image.shape[0]), reduction)


def size_mismatch(info: ImageInfo, expected_wh: Sequence[int]) -> Optional[str]:
    """A cause when the decoded size is not ``expected_wh`` (libjpeg rounds 1/8 scale up)."""
    if info.size_wh is None:
        return None
    expected = tuple(-(-int(s) // info.reduction) for s in expected_wh)
    if tuple(info.size_wh) == expected:
        return None
    r = info.reduction
    actual = f'about {info.size_wh[0] * r}x{info.size_wh[1] * r}' if r > 1 else \
        f'{info.size_wh[0]}x{info.size_wh[1]}'
    swapped = ' (rotated by its EXIF orientation?)' if tuple(info.size_wh) == expected[::-1] else ''
    return (f'the image is {actual} but the annotation says {expected_wh[0]}x{expected_wh[1]}'
            f'{swapped}')


def _load_cache(cache_file: Optional[Path]) -> dict:
    if cache_file is None or not cache_file.is_file():
        return {}
    try:
        cache = json.loads(cache_file.read_text())
    except (OSError, ValueError):
        return {}  # a damaged cache is only a slower start
    return cache.get('entries', {}) if cache.get('version') == CACHE_VERSION else {}


def _save_cache(cache_file: Path, entries: dict) -> None:
    cache_file.parent.mkdir(parents=True, exist_ok=True)
    tmp = cache_file.with_name(f'{cache_file.name}.{os.getpid()}.tmp')
    tmp.write_text(json.dumps(dict(version=CACHE_VERSION, entries=entries)))
    os.replace(tmp, cache_file)  # atomic: a reader sees the old or the new file


def check_images(paths: Iterable, expected_wh: Optional[Dict[str, Sequence[int]]] = None,
                 cache_file=None, workers: Optional[int] = None,
                 progress: Optional[Callable[[int], None]] = None) -> CheckResult:
    """Check image files in parallel: the bad ones with their causes.

    Args:
        paths: Image files.
        expected_wh: ``{path: (w, h)}`` the annotations give; a different decoded size is bad.
        cache_file: JSON file of earlier results, keyed by path, size and modification time
            (an unchanged file is not decoded again); updated in place. None: no cache.
        workers: Threads (OpenCV decodes without the GIL). Defaults to the CPU count.
        progress: Called with the number of files decoded so far, now and then.
    """
    paths = [str(p) for p in paths]
    cache_file = Path(cache_file) if cache_file is not None else None
    cache = _load_cache(cache_file)
    # Other files' entries stay: datasets of one image folder (a subset, train and val) share
    # the cache file.
    entries, todo, infos = dict(cache), [], {}
    for path in paths:
        try:
            st = os.stat(path)
        except OSError:
            infos[path] = inspect_image(path)  # missing or unreadable: nothing to decode
            continue
        key = [st.st_size, st.st_mtime_ns]
        hit = cache.get(path)
        if hit is not None and hit[:2] == key:
            infos[path] = ImageInfo(hit[2], tuple(hit[3]) if hit[3] else None, hit[4])
        else:
            todo.append((path, key))
    if todo:
        with ThreadPoolExecutor(workers or os.cpu_count() or 1) as pool:
            for i, ((path, key), info) in enumerate(
                    zip(todo, pool.map(inspect_image, [p for p, _ in todo]))):
                infos[path] = info
                entries[path] = [*key, info.cause, list(info.size_wh) if info.size_wh else None,
                                 info.reduction]
                if progress is not None and (i + 1) % 1000 == 0:
                    progress(i + 1)
        if cache_file is not None:
            _save_cache(cache_file, entries)
    bad = {}
    for path in paths:
        info = infos[path]
        cause = info.cause or (size_mismatch(info, expected_wh[path])
                               if expected_wh and path in expected_wh else None)
        if cause:
            bad[path] = cause
    return CheckResult(bad, len(todo))
