# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
"""YOLOv5's horizontal flip for people with keypoints: the mirror about the image centre.

The YOLO-Pose reference (edgeai-yolov5 ``utils/datasets.py`` ``__getitem__``, ``fliplr`` 0.5)
mirrors normalised labels as ``x -> 1 - x``: in pixels ``x -> w - x`` for keypoints and box
edges (a box ``[x1, x2]`` becomes ``[w - x2, w - x1]``), with the left/right keypoints swapped
by its flip index. MMPose's ``RandomFlip`` mirrors about ``(w - 1) / 2`` (``x -> w - 1 - x``),
which puts every flipped label one pixel left of the reference's. Here the image is mirrored
with OpenCV into a new contiguous array (numpy's mirrored view would be copied again, slowly,
when the sample is packed). The flip indices come from the dataset meta (``flip_indices``).
"""
import cv2
import numpy as np
from mmcv.transforms import BaseTransform
from mmpose.registry import TRANSFORMS


@TRANSFORMS.register_module()
class YOLOv5RandomFlip(BaseTransform):
    """Mirror the image and its people left-right with probability ``prob``.

    Required keys: ``img``, ``flip_indices`` (when there are keypoints); optional ``bbox``
    (n, 4 xyxy), ``keypoints`` (n, K, 2), ``keypoints_visible`` (n, K).
    Added keys: ``flip``, ``flip_direction``.

    Args:
        prob (float): Defaults to 0.5 (hyp.scratch.yaml's ``fliplr``).
    """

    def __init__(self, prob: float = 0.5):
        self.prob = prob

    def transform(self, results: dict) -> dict:
        flip = bool(np.random.rand() < self.prob)
        results['flip'] = flip
        results['flip_direction'] = 'horizontal' if flip else None
        if not flip:
            return results
        w = results['img'].shape[1]
        results['img'] = cv2.flip(results['img'], 1)
        if results.get('bbox') is not None:
            bbox = np.asarray(results['bbox'])
            results['bbox'] = np.stack([w - bbox[..., 2], bbox[..., 1], w - bbox[..., 0],
                                        bbox[..., 3]], axis=-1).astype(bbox.dtype)
        if results.get('keypoints') is not None:
            order = np.asarray(results['flip_indices'])
            kpts = np.asarray(results['keypoints'])[:, order].copy()
            kpts[..., 0] = w - kpts[..., 0]
            results['keypoints'] = kpts
            if results.get('keypoints_visible') is not None:
                results['keypoints_visible'] = np.asarray(results['keypoints_visible'])[:, order]
        return results

    def __repr__(self) -> str:
        return f'{type(self).__name__}(prob={self.prob})'
