# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
"""YOLOv5's random perspective for people with keypoints: the window, the draws, the filter.

The YOLO-Pose reference (edgeai-yolov5 ``utils/datasets.py``: ``load_mosaic`` then
``random_perspective`` with ``border = -s/2``, ``box_candidates``; ``hyp.scratch.yaml``:
degrees 0, translate 0.1, scale 0.5, shear 0, perspective 0) warps the 2s x 2s mosaic into an
s x s training image with one matrix

    M = T @ Sh @ R @ P @ C

``C`` moves the centre of the input (the mosaic canvas) to the origin, ``P`` adds a perspective
term ``U(-p, p)`` per axis, ``R`` rotates by ``U(-deg, deg)`` and scales by ``U(1 - scale,
1 + scale)``, ``Sh`` shears by ``tan U(-shear, shear)`` per axis and ``T`` puts the origin at
``U(0.5 - translate, 0.5 + translate)`` of the output width and height. So the output keeps an
s x s window around the canvas centre, scaled by U(0.5, 1.5) and shifted by at most 10 %: all
four tiles meet near its middle. (MMPose's ``BottomupRandomAffine`` keeps another window of the
same canvas, with about four times the grey padding.) MMYOLO's ``YOLOv5RandomAffine`` is the
same transform for boxes only.

People: each box's four corners are warped and the box around them clipped to the output; a
person stays when the warped box is more than ``min_bbox_size`` pixels wide and high, keeps
more than ``min_area_ratio`` of its area (its input area scaled by the drawn scale) and is
less elongated than ``max_aspect_ratio`` (the reference's ``box_candidates``). Keypoints are
warped the same way; one that lands outside the output becomes unlabelled. A person whose
keypoints are all unlabelled stays (a box and objectness target), as in the reference.

Deliberate differences from the reference: draws come from numpy's global generator (MMPose's
transforms and MMEngine's worker seeding use it) instead of Python's ``random``; unlabelled
keypoints keep their coordinates with ``keypoints_visible = 0`` (MMPose's convention) where the
reference writes zeros; the image is left as it is when the matrix is the identity and the
sizes agree (the reference warps it anyway, to the same pixels).
"""
import math
from typing import Optional, Sequence, Tuple

import cv2
import numpy as np
from mmcv.transforms import BaseTransform
from mmpose.registry import TRANSFORMS

from ...structures import PAD_VALUE

#: Per-person fields of MMPose's bottom-up samples, filtered together with the boxes.
INSTANCE_KEYS = ('bbox', 'bbox_score', 'category_id', 'keypoints', 'keypoints_visible', 'area',
                 'keypoints_visible_weights', 'iscrowd', 'num_keypoints', 'id')


def perspective_matrix(in_size: Tuple[int, int], out_size: Tuple[int, int], *,
                       perspective: Tuple[float, float] = (0., 0.), angle: float = 0.,
                       scale: float = 1., shear: Tuple[float, float] = (0., 0.),
                       translate: Tuple[float, float] = (0.5, 0.5)) -> np.ndarray:
    """The 3 x 3 matrix ``T @ Sh @ R @ P @ C`` taking input (w, h) pixels to output pixels.

    Args:
        in_size (tuple): Input width and height (``C`` moves their centre to the origin).
        out_size (tuple): Output width and height (``T`` scales ``translate`` by them).
        perspective (tuple): ``P[2, 0]``, ``P[2, 1]``.
        angle (float): Rotation in degrees (counter-clockwise in the image, as OpenCV's).
        scale (float): Isotropic scale.
        shear (tuple): x and y shear in degrees.
        translate (tuple): Where the input centre goes, as fractions of the output size.
    """
    centre = np.eye(3)
    centre[:2, 2] = -in_size[0] / 2, -in_size[1] / 2
    persp = np.eye(3)
    persp[2, :2] = perspective
    rot = np.eye(3)
    a = math.radians(angle)
    # cv2.getRotationMatrix2D(centre=(0, 0), angle, scale) written out
    rot[:2, :2] = [[scale * math.cos(a), scale * math.sin(a)],
                   [-scale * math.sin(a), scale * math.cos(a)]]
    sh = np.eye(3)
    sh[0, 1] = math.tan(math.radians(shear[0]))
    sh[1, 0] = math.tan(math.radians(shear[1]))
    trans = np.eye(3)
    trans[:2, 2] = translate[0] * out_size[0], translate[1] * out_size[1]
    return trans @ sh @ rot @ persp @ centre


def warp_points(points: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    """``(..., 2)`` points through a 3 x 3 matrix (with the perspective division)."""
    flat = points.reshape(-1, 2).astype(np.float64)
    xyw = np.concatenate([flat, np.ones((len(flat), 1))], axis=1) @ matrix.T
    return (xyw[:, :2] / xyw[:, 2:3]).reshape(points.shape)


def box_candidates(before: np.ndarray, after: np.ndarray, min_size: float = 2.,
                   max_aspect_ratio: float = 20., min_area_ratio: float = 0.1,
                   eps: float = 1e-16) -> np.ndarray:
    """Which warped boxes ``after`` (n, 4 xyxy) to keep, given ``before`` in output scale:
    wider and higher than ``min_size`` px, aspect ratio below ``max_aspect_ratio`` and more
    than ``min_area_ratio`` of the area kept (the reference's ``box_candidates``)."""
    w0, h0 = before[:, 2] - before[:, 0], before[:, 3] - before[:, 1]
    w1, h1 = after[:, 2] - after[:, 0], after[:, 3] - after[:, 1]
    aspect = np.maximum(w1 / (h1 + eps), h1 / (w1 + eps))
    return ((w1 > min_size) & (h1 > min_size) & (w1 * h1 / (w0 * h0 + eps) > min_area_ratio)
            & (aspect < max_aspect_ratio))


@TRANSFORMS.register_module()
class YOLOv5RandomPerspective(BaseTransform):
    """The reference's ``random_perspective`` on an image with people (boxes + keypoints).

    Required keys: ``img``; optional ``bbox`` (n, 4 xyxy), ``keypoints`` (n, K, 2),
    ``keypoints_visible`` (n, K) and the other per-person fields of :data:`INSTANCE_KEYS`.
    Modified keys: ``img``, ``img_shape`` and the per-person fields (warped, filtered);
    ``area`` is multiplied by the drawn scale squared.

    Args:
        input_size (tuple): Output (w, h): 960 x 960 after a 1920 x 1920 mosaic is the
            reference's ``border = -s/2``; after a letterbox to the same size, ``border = 0``.
        max_rotate_degree (float): Rotation drawn in +-this. Defaults to 0 (hyp.scratch).
        max_translate_ratio (float): Shift drawn in +-this fraction of the output size.
            Defaults to 0.1.
        scaling_ratio_range (tuple): Scale drawn uniformly in this range. Defaults to
            (0.5, 1.5).
        max_shear_degree (float): Shear drawn in +-this per axis. Defaults to 0.
        max_perspective (float): Perspective terms drawn in +-this. Defaults to 0.
        border_val (tuple): Fill of the uncovered output. Defaults to ``PAD_VALUE`` (114, 114, 114).
        min_bbox_size (float): Defaults to 2 (pixels).
        min_area_ratio (float): Defaults to 0.1.
        max_aspect_ratio (float): Defaults to 20.
    """

    def __init__(self, input_size: Tuple[int, int] = (960, 960), max_rotate_degree: float = 0.,
                 max_translate_ratio: float = 0.1,
                 scaling_ratio_range: Tuple[float, float] = (0.5, 1.5),
                 max_shear_degree: float = 0., max_perspective: float = 0.,
                 border_val: Sequence[int] = PAD_VALUE, min_bbox_size: float = 2.,
                 min_area_ratio: float = 0.1, max_aspect_ratio: float = 20.):
        self.input_size = tuple(int(v) for v in input_size)
        self.max_rotate_degree = max_rotate_degree
        self.max_translate_ratio = max_translate_ratio
        self.scaling_ratio_range = tuple(scaling_ratio_range)
        self.max_shear_degree = max_shear_degree
        self.max_perspective = max_perspective
        self.border_val = tuple(border_val)
        self.min_bbox_size = min_bbox_size
        self.min_area_ratio = min_area_ratio
        self.max_aspect_ratio = max_aspect_ratio

    def sample_params(self) -> dict:
        """One draw of the warp's parameters, in the reference's order."""
        p, d, t = self.max_perspective, self.max_rotate_degree, self.max_translate_ratio
        uniform = np.random.uniform
        perspective = (uniform(-p, p), uniform(-p, p))
        angle = uniform(-d, d)
        scale = uniform(*self.scaling_ratio_range)
        shear = (uniform(-self.max_shear_degree, self.max_shear_degree),
                 uniform(-self.max_shear_degree, self.max_shear_degree))
        translate = (uniform(0.5 - t, 0.5 + t), uniform(0.5 - t, 0.5 + t))
        return dict(perspective=perspective, angle=angle, scale=scale, shear=shear,
                    translate=translate)

    def transform(self, results: dict, params: Optional[dict] = None) -> dict:
        """Warp ``results`` with ``params`` (:meth:`sample_params`: drawn when None)."""
        params = self.sample_params() if params is None else params
        img = results['img']
        in_size = (img.shape[1], img.shape[0])
        out_w, out_h = self.input_size
        matrix = perspective_matrix(in_size, self.input_size, **params)
        if in_size != self.input_size or not np.allclose(matrix, np.eye(3)):
            border = self.border_val[:img.shape[2]] if img.ndim == 3 else self.border_val[0]
            if params['perspective'] != (0, 0):
                img = cv2.warpPerspective(img, matrix, dsize=(out_w, out_h), borderValue=border)
            else:
                img = cv2.warpAffine(img, matrix[:2], dsize=(out_w, out_h), borderValue=border)
        results['img'] = img
        results['img_shape'] = img.shape[:2]
        if 'bbox' in results and len(results['bbox']):
            self._warp_people(results, matrix, params['scale'])
        return results

    def _warp_people(self, results: dict, matrix: np.ndarray, scale: float) -> None:
        out_w, out_h = self.input_size
        boxes = np.asarray(results['bbox'], dtype=np.float64).reshape(-1, 4)
        corners = boxes[:, [0, 1, 2, 3, 0, 3, 2, 1]].reshape(-1, 4, 2)  # (n, 4 corners, xy)
        warped = warp_points(corners, matrix)
        new = np.concatenate([warped.min(axis=1), warped.max(axis=1)], axis=1)  # (n, 4) xyxy
        new[:, [0, 2]] = new[:, [0, 2]].clip(0, out_w)
        new[:, [1, 3]] = new[:, [1, 3]].clip(0, out_h)
        keep = box_candidates(boxes * scale, new, self.min_bbox_size, self.max_aspect_ratio,
                              self.min_area_ratio)
        n = len(boxes)
        dtype = np.asarray(results['bbox']).dtype
        results['bbox'] = new.astype(dtype if dtype.kind == 'f' else np.float32)
        if 'keypoints' in results:
            kpts = np.asarray(results['keypoints'])
            xy = warp_points(kpts, matrix)
            inside = ((xy[..., 0] >= 0) & (xy[..., 0] <= out_w) & (xy[..., 1] >= 0)
                      & (xy[..., 1] <= out_h))
            results['keypoints'] = xy.astype(kpts.dtype if kpts.dtype.kind == 'f' else
                                             np.float32)
            if 'keypoints_visible' in results:
                vis = np.asarray(results['keypoints_visible'])
                results['keypoints_visible'] = vis * inside.reshape(vis.shape[:2] + (1, ) *
                                                                    (vis.ndim - 2))
        if 'area' in results:
            results['area'] = np.asarray(results['area']) * scale**2
        for key in INSTANCE_KEYS:
            value = results.get(key)
            if value is not None and len(value) == n:
                results[key] = np.asarray(value)[keep] if isinstance(value, np.ndarray) \
                    else [v for v, k in zip(value, keep) if k]

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(input_size={self.input_size}, '
                f'max_rotate_degree={self.max_rotate_degree}, '
                f'max_translate_ratio={self.max_translate_ratio}, '
                f'scaling_ratio_range={self.scaling_ratio_range}, '
                f'max_shear_degree={self.max_shear_degree}, '
                f'max_perspective={self.max_perspective}, min_bbox_size={self.min_bbox_size}, '
                f'min_area_ratio={self.min_area_ratio}, '
                f'max_aspect_ratio={self.max_aspect_ratio})')
