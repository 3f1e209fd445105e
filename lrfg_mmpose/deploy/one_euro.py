# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
"""The 1€ filter (Casiez, Roussel and Vogel, "1€ Filter: A Simple Speed-based Low-pass Filter for
Noisy Input in Interactive Systems", CHI 2012), on arrays, for one tracked person's keypoints.

A first-order low-pass whose cutoff rises with the signal's speed (Eq. (1)-(4) of the paper):
smoothing factor ``alpha = 1 / (1 + tau / Te)``, ``tau = 1 / (2 pi fc)``; the speed
``dx = (x - x_prev_hat) / Te`` low-passed at ``d_cutoff``; the cutoff
``fc = min_cutoff + beta |dx_hat|``; ``x_hat = alpha x + (1 - alpha) x_prev_hat``. Slow
movements are smoothed hard (jitter removed), fast ones lightly (little lag).

Two choices of ours:

- Time is in frames and ``Te`` is the number of frames since the last update, so a person missed
  for some frames is filtered on with the true gap (the longer the gap, the more the new
  measurement counts) instead of being reset or breaking the filter.
- The speed is divided by the person's size (``scale``, e.g. the box diagonal) before it raises
  the cutoff, so that ``beta`` means the same for a person near the camera and far from it, and
  at any video resolution.

Written here (numpy, a few lines, vectorised over all keypoints) rather than taken from the
``OneEuroFilter`` package, which filters one scalar at a time.
"""
import math
from typing import Optional

import numpy as np


def smoothing_factor(te: float, cutoff) -> np.ndarray:
    """``alpha`` of a first-order low-pass at ``cutoff`` (cycles per frame) over ``te`` frames."""
    tau = 1.0 / (2 * math.pi * np.asarray(cutoff, dtype=np.float64))
    return 1.0 / (1.0 + tau / te)


class OneEuroFilter:
    """Smooths one array (e.g. a person's ``(K, 2)`` keypoints) frame after frame.

    Args:
        min_cutoff: Cutoff at rest, cycles per frame (lower: smoother at rest, more lag).
            Defaults to 0.02.
        beta: How much the person's speed (in person sizes per frame) raises the cutoff
            (higher: less lag on fast motion, more jitter). Defaults to 2.0.
        d_cutoff: Cutoff of the speed estimate, cycles per frame. Defaults to 0.03.

    The defaults, on keypoints jittered by white noise of std ``sigma`` (simulated, a person
    250 px across): at rest the jitter left is about 0.3 ``sigma``; moving at 1-2% of its size
    per frame, about 0.4-0.45 ``sigma`` with the keypoints 2-2.5 frames of motion behind (the
    lag any low-pass has on constant motion); faster, less lag and more jitter.
    """

    def __init__(self, min_cutoff: float = 0.02, beta: float = 2.0, d_cutoff: float = 0.03):
        if min_cutoff <= 0 or d_cutoff <= 0 or beta < 0:
            raise ValueError(f'OneEuroFilter needs min_cutoff > 0, d_cutoff > 0 and beta >= 0; '
                             f'got {min_cutoff}, {d_cutoff}, {beta}')
        self.min_cutoff, self.beta, self.d_cutoff = min_cutoff, beta, d_cutoff
        self.x_hat: Optional[np.ndarray] = None
        self.dx_hat: Optional[np.ndarray] = None
        self.frame: Optional[int] = None

    def __call__(self, x: np.ndarray, frame: int, scale: float = 1.0) -> np.ndarray:
        """The filtered ``x`` at ``frame`` (frame numbers increase; gaps are missed frames).
        ``scale`` is the person's size in the units of ``x``."""
        x = np.asarray(x, dtype=np.float64)
        if self.x_hat is None:
            self.x_hat, self.dx_hat, self.frame = x.copy(), np.zeros_like(x), frame
            return x.copy()
        if x.shape != self.x_hat.shape:
            raise ValueError(f'OneEuroFilter: shape {x.shape} after {self.x_hat.shape}')
        te = float(frame - self.frame)
        if te <= 0:
            raise ValueError(f'OneEuroFilter: frame {frame} is not after frame {self.frame}')
        dx = (x - self.x_hat) / te
        self.dx_hat = self.dx_hat + smoothing_factor(te, self.d_cutoff) * (dx - self.dx_hat)
        cutoff = self.min_cutoff + self.beta * np.abs(self.dx_hat) / max(scale, 1e-6)
        self.x_hat = self.x_hat + smoothing_factor(te, cutoff) * (x - self.x_hat)
        self.frame = frame
        return self.x_hat.copy()
