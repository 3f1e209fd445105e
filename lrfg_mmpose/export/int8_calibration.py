# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
"""The images an INT8 model is calibrated on and measured on: the user's folders, letterboxed
exactly as at run time (:func:`lrfg_mmpose.deploy.letterbox_input`), and the split that holds
images out of the calibration for the report."""
from pathlib import Path
from typing import List, Sequence, Tuple

import numpy as np

from ..deploy import letterbox_input
from ..fileio import IMAGE_SUFFIXES, BadImageError, image_paths, read_image

HOLD_OUT_EVERY = 5  # every fifth calibration image is held out for the fidelity report
MAX_HELD_OUT = 50


def letterboxed(paths: Sequence[Path], input_size: Sequence[int], what: str = 'calibration'
                ) -> List[Tuple[Path, np.ndarray, np.ndarray]]:
    """``(path, (1, 3, H, W) float32 input, 2x3 image-to-input matrix)`` of each readable image,
    letterboxed to ``input_size`` (W, H) as at run time; unreadable files are skipped with one
    line each."""
    out = []
    for path in paths:
        try:
            x, matrix = letterbox_input(read_image(path), input_size)
        except BadImageError as e:
            print(f'warning: {path}: {e}; skipped for {what}')
            continue
        out.append((Path(path), x[None], matrix))
    return out


def _image_folder(folder, what: str, option: str) -> List[Path]:
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f'{folder}: {what} folder not found; pass a folder of images like '
                                f'the ones the model will see ({option})')
    return image_paths(folder)  # by suffix, sorted, as tools/infer.py reads folders


def calibration_inputs(folder, input_size: Sequence[int], limit: int = 300) -> List[np.ndarray]:
    """Up to ``limit`` images of ``folder`` (sorted by name), letterboxed to ``input_size``
    (W, H), as (1, 3, H, W) float32 batches; unreadable files are skipped with one line each."""
    if limit < 1:
        raise ValueError(f'--calib-limit {limit}: give at least 1 image to calibrate on')
    inputs = [x for _, x, _ in letterboxed(
        _image_folder(folder, 'calibration images', '--calib-images')[:limit], input_size)]
    if not inputs:
        raise ValueError(f'{folder}: no readable images ({", ".join(sorted(IMAGE_SUFFIXES))}) to '
                         f'calibrate on')
    return inputs


def split_calibration(calib_folder, limit: int, val_folder=None) -> Tuple[List[Path], List[Path],
                                                                           bool]:
    """The calibration images and the images the fidelity report runs on, and whether the latter
    are held out (no file name among the calibration images). With ``val_folder`` its images
    (at most :data:`MAX_HELD_OUT`); otherwise every :data:`HOLD_OUT_EVERY`-th calibration image
    (the last one of 2 to 4; a single image is used for both, and the report says so)."""
    if limit < 1:
        raise ValueError(f'--calib-limit {limit}: give at least 1 image to calibrate on')
    paths = _image_folder(calib_folder, 'calibration images', '--calib-images')
    if not paths:
        raise ValueError(f'{calib_folder}: no images ({", ".join(sorted(IMAGE_SUFFIXES))}) to '
                         f'calibrate on')
    if val_folder is not None:
        val = _image_folder(val_folder, 'validation images', '--val-images')
        if not val:
            raise ValueError(f'{val_folder}: no images to measure the INT8 model on')
        calib, val = paths[:limit], val[:MAX_HELD_OUT]
        return calib, val, not {p.name for p in calib} & {p.name for p in val}
    if len(paths) == 1:
        return paths, paths, False
    step = HOLD_OUT_EVERY if len(paths) >= HOLD_OUT_EVERY else len(paths)
    held = set(range(step - 1, len(paths), step)[:MAX_HELD_OUT])
    return ([p for i, p in enumerate(paths) if i not in held][:limit],
            [p for i, p in enumerate(paths) if i in held], True)
