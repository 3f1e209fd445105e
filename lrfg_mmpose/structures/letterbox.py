# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
"""Input sizes and letterboxing: square (MMPose's ``BottomupResize``, 'fit') or rectangular (the
YOLO-Pose reference's evaluation: the image's aspect ratio kept, each side padded only up to a
multiple of the largest stride). Numpy only: the head, the MMPose transform, the exporter and the
torch-free runtime share it.

Every function takes the model's largest feature stride as ``multiple``; ``P6_STRIDE`` (64, the
P3-P6 models') is only its default. The exporter writes the stride into the sidecar
(``size_multiple``) and the runtime reads it from there."""
import math
from typing import Sequence, Tuple

import numpy as np

P6_STRIDE = 64  # P6, the coarsest level of the P3-P6 models: inputs hold whole cells of it
# The grey of the padding (BGR): MMPose's BottomupResize, the reference's letterbox and its
# augmentations' borders, the exported model's preprocessing.
PAD_VALUE = (114, 114, 114)


def check_input_size(size_wh: Sequence[int], multiple: int = P6_STRIDE) -> Tuple[int, int]:
    """``(w, h)`` as ints, or ValueError naming the nearest valid sizes."""
    w, h = (int(v) for v in size_wh)
    if w > 0 and h > 0 and w % multiple == 0 and h % multiple == 0:
        return w, h

    def near(v):
        low = max(multiple, v // multiple * multiple)
        return sorted({low, low + multiple} if v % multiple else {v})

    options = [f'{a}x{b}' for a in near(w) for b in near(h)]
    raise ValueError(f'input size {w}x{h}: width and height must be multiples of {multiple} '
                     f'(the largest feature stride); the nearest valid sizes are '
                     f'{", ".join(options)}')


def letterbox_scale(image_wh: Sequence[float], input_wh: Sequence[float]) -> float:
    """``s = min(W / w, H / h)``: the image scaled to fit the input (MMPose's ``BottomupResize``
    'fit', and the fixed-geometry training affine with ``scale_type='long'``)."""
    return min(input_wh[0] / image_wh[0], input_wh[1] / image_wh[1])


def rect_input_size(image_wh: Sequence[float], input_wh: Sequence[int],
                    multiple: int = P6_STRIDE) -> Tuple[int, int]:
    """The rectangular input of an image: scaled to fit ``input_wh`` (as the square letterbox),
    each side then padded up to a multiple of ``multiple`` instead of to ``input_wh``."""
    (w, h), (in_w, in_h) = image_wh, input_wh
    s = letterbox_scale(image_wh, input_wh)
    return (min(in_w, math.ceil(s * w / multiple) * multiple),
            min(in_h, math.ceil(s * h / multiple) * multiple))


def letterbox_matrix(image_wh: Sequence[float], input_wh: Sequence[int]
                     ) -> Tuple[np.ndarray, float]:
    """The 2x3 affine matrix of MMPose's ``BottomupResize`` (fit: the image scaled by
    ``s = min(W / w, H / h)``, its centre on the input's centre) and ``s``."""
    (w, h), (in_w, in_h) = image_wh, input_wh
    s = letterbox_scale(image_wh, input_wh)
    return np.array([[s, 0, in_w / 2 - s * w / 2], [0, s, in_h / 2 - s * h / 2]]), s
