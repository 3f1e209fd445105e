# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
"""YOLOv5's colour jitter: multiplicative hue, saturation and value gains, always applied.

The YOLO-Pose reference (edgeai-yolov5 ``utils/datasets.py``, ``augment_hsv``, with
``hyp.scratch.yaml``'s ``hsv_h/s/v`` = 0.015, 0.7, 0.4) draws three gains ``1 + U(-1, 1) * g``
for every training image and maps each HSV channel of the 8-bit image through a lookup table:
hue ``(x * gain_h) mod 180`` (OpenCV's 8-bit hue range), saturation and value
``clip(x * gain, 0, 255)``, each truncated to an integer. MMPose's ``YOLOXHSVRandomAug`` adds
offsets instead, half of the time. With numpy's global generator seeded alike, this transform
and the reference give the same pixels (``tests/test_datasets/test_yolov5_hsv.py``).
"""
import cv2
import numpy as np
from mmcv.transforms import BaseTransform
from mmpose.registry import TRANSFORMS


def hsv_lookup_tables(gains) -> tuple:
    """The three 256-entry uint8 tables for hue, saturation and value gains."""
    levels = np.arange(256, dtype=np.float64)
    hue = np.mod(levels * gains[0], 180).astype(np.uint8)
    sat = np.clip(levels * gains[1], 0, 255).astype(np.uint8)
    val = np.clip(levels * gains[2], 0, 255).astype(np.uint8)
    return hue, sat, val


def apply_hsv_gains(img: np.ndarray, gains) -> np.ndarray:
    """A BGR uint8 image with its hue, saturation and value scaled by ``gains``."""
    tables = np.stack(hsv_lookup_tables(gains), axis=-1)[:, None]  # (256, 1, 3): one per channel
    return cv2.cvtColor(cv2.LUT(cv2.cvtColor(img, cv2.COLOR_BGR2HSV), tables), cv2.COLOR_HSV2BGR)


@TRANSFORMS.register_module()
class YOLOv5HSVRandomAug(BaseTransform):
    """Multiply hue, saturation and value by ``1 + U(-1, 1) * gain`` (one draw of three
    numbers from numpy's global generator per image, as the reference).

    Args:
        hue_gain (float): Defaults to 0.015.
        saturation_gain (float): Defaults to 0.7.
        value_gain (float): Defaults to 0.4.
    """

    def __init__(self, hue_gain: float = 0.015, saturation_gain: float = 0.7,
                 value_gain: float = 0.4):
        self.gains = np.array([hue_gain, saturation_gain, value_gain], dtype=np.float64)

    def transform(self, results: dict) -> dict:
        gains = np.random.uniform(-1, 1, 3) * self.gains + 1
        img = results['img']
        if img.dtype != np.uint8 or img.ndim != 3 or img.shape[2] != 3:
            raise ValueError(f'YOLOv5HSVRandomAug takes 8-bit BGR images, got {img.dtype} '
                             f'{img.shape} ({results.get("img_path", "")})')
        results['img'] = apply_hsv_gains(img, gains)
        return results

    def __repr__(self) -> str:
        h, s, v = self.gains
        return f'{type(self).__name__}(hue_gain={h}, saturation_gain={s}, value_gain={v})'
