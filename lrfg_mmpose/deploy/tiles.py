# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
"""Tiled inference for small and far people in large frames.

Letterboxed whole, a 3840 x 2160 frame shrinks 4 x into a 960 input and a person 40 px tall
becomes 10 px, below what the model finds. :class:`TiledPredictor` cuts the frame into tiles of
the model's input size (no scaling: people keep the size the model was trained on), overlapping
by ``overlap`` of a tile, runs the predictor on each and on the whole frame (scaled, for people
larger than a tile), maps every person back to the frame and merges them:

- a person whose box touches an inner edge of its tile is *cut* (the tile sees part of them);
  whole views are ranked before cut ones, then by score, so a person across a tile boundary is
  taken from the tile (or the whole frame) that holds them whole;
- a person is the same as one already kept when their boxes overlap (IoU above ``iou_thr``, or a
  cut box lying inside the kept one) or their keypoints agree (OKS above ``oks_thr``); the
  duplicates of a whole view lend their surer keypoints (per keypoint, the higher score),
  those of cut views nothing.

Numpy and the predictor only (torch-free with an exported model).
"""
import math
from typing import List, Optional, Sequence, Tuple

import numpy as np

from ..structures import People, box_iou, keypoint_similarity
from ..timing import interleaved_times, median_ms

Window = Tuple[int, int, int, int]  # x0, y0, x1, y1


def _starts(length: int, tile: int, overlap: float) -> List[int]:
    if length <= tile:
        return [0]
    step = tile * (1 - overlap)
    n = math.ceil((length - tile) / step) + 1
    return sorted({int(round(v)) for v in np.linspace(0, length - tile, n)})


def tile_windows(image_wh: Sequence[int], tile_wh: Sequence[int], overlap: float = 0.25
                 ) -> List[Window]:
    """Tiles of ``tile_wh`` covering an image of ``image_wh``, neighbours overlapping by at
    least ``overlap`` of a tile, the last ones flush with the image's right and bottom edges."""
    if not 0 <= overlap < 1:
        raise ValueError(f'tile overlap {overlap}: a fraction of a tile in [0, 1)')
    (w, h), (tw, th) = image_wh, tile_wh
    return [(x, y, min(x + tw, w), min(y + th, h)) for y in _starts(h, th, overlap)
            for x in _starts(w, tw, overlap)]


def _inside(a: np.ndarray, b: np.ndarray) -> float:
    """The share of x1 y1 x2 y2 box ``a`` inside box ``b``."""
    inter = np.prod(np.clip(np.minimum(a[2:], b[2:]) - np.maximum(a[:2], b[:2]), 0, None))
    return float(inter / max(np.prod(np.clip(a[2:] - a[:2], 0, None)), 1e-9))


def _oks(a: dict, b: dict, sigmas: np.ndarray, kpt_thr: float) -> float:
    """OKS of two predictions of one person, on the keypoints both are sure of (scale: the
    first's box area)."""
    both = (a['keypoint_scores'] > kpt_thr) & (b['keypoint_scores'] > kpt_thr)
    if not both.any():
        return 0.0
    area = max(np.prod(a['bbox'][2:] - a['bbox'][:2]), 1.0)
    return float(keypoint_similarity(b['keypoints'], a['keypoints'], area, sigmas)[both].mean())


class TiledPredictor:
    """A :class:`~lrfg_mmpose.structures.PosePredictor` that runs ``predictor`` on overlapping
    tiles of each image (and on the whole image) and merges the people.

    Args:
        predictor: Any PosePredictor with an ``input_size`` (W, H), or give ``tile_size``.
        tile_size (Sequence[int], optional): Tile (W, H). Defaults to the predictor's input.
        overlap (float): Overlap of neighbouring tiles, a fraction of a tile. Defaults to 0.25.
        full_frame (bool): Also run on the whole image (people larger than a tile). Defaults
            to True.
        iou_thr (float): Box IoU above which two people are one. Defaults to 0.5.
        inside_thr (float): Share of a cut box inside a kept one above which they are one.
            Defaults to 0.7.
        oks_thr (float): Keypoint similarity above which two people are one. Defaults to 0.5.
        edge_px (float): A box within this of an inner tile edge is cut. Defaults to 2.
        kpt_thr (float): Keypoints above this score count for OKS. Defaults to 0.3.
    """

    def __init__(self, predictor, tile_size: Optional[Sequence[int]] = None,
                 overlap: float = 0.25, full_frame: bool = True, iou_thr: float = 0.5,
                 inside_thr: float = 0.7, oks_thr: float = 0.5, edge_px: float = 2.0,
                 kpt_thr: float = 0.3):
        self.predictor = predictor
        size = tile_size or getattr(predictor, 'input_size', None)
        if size is None:
            raise ValueError('TiledPredictor: give tile_size (the predictor has no input_size)')
        self.tile_size = (int(size[0]), int(size[-1]))
        tile_windows((1, 1), self.tile_size, overlap)  # the overlap checked here
        self.overlap, self.full_frame = overlap, full_frame
        self.iou_thr, self.inside_thr, self.oks_thr = iou_thr, inside_thr, oks_thr
        self.edge_px, self.kpt_thr = edge_px, kpt_thr
        self.keypoints = predictor.keypoints
        self.score_thr = predictor.score_thr
        self.sigmas = np.asarray(self.keypoints['sigmas'], dtype=np.float64)

    def windows(self, image: np.ndarray) -> List[Window]:
        return tile_windows((image.shape[1], image.shape[0]), self.tile_size, self.overlap)

    def _candidates(self, image: np.ndarray) -> List[dict]:
        h, w = image.shape[:2]
        out = []
        views = [(0, 0, w, h, True)] if self.full_frame else []
        windows = self.windows(image)
        if len(windows) > 1 or not self.full_frame:
            views += [(*win, False) for win in windows]
        for x0, y0, x1, y1, whole in views:
            people = self.predictor(image[y0:y1, x0:x1] if not whole else image)
            for i in range(len(people['scores'])):
                box = np.asarray(people['bboxes'][i], np.float64) + (x0, y0, x0, y0)
                inner = (x0 > 0 and box[0] <= x0 + self.edge_px) or \
                    (y0 > 0 and box[1] <= y0 + self.edge_px) or \
                    (x1 < w and box[2] >= x1 - self.edge_px) or \
                    (y1 < h and box[3] >= y1 - self.edge_px)
                out.append(dict(bbox=box, score=float(people['scores'][i]),
                                keypoints=np.asarray(people['keypoints'][i], np.float64) +
                                (x0, y0),
                                keypoint_scores=np.asarray(people['keypoint_scores'][i],
                                                           np.float64),
                                cut=bool(inner and not whole), view=(x0, y0, x1, y1)))
        return out

    def _same(self, kept: dict, cand: dict) -> bool:
        iou = box_iou(cand['bbox'][None], kept['bbox'][None])[0, 0]
        return iou > self.iou_thr or (cand['cut'] and
                                      _inside(cand['bbox'], kept['bbox']) > self.inside_thr) or \
            _oks(kept, cand, self.sigmas, self.kpt_thr) > self.oks_thr

    def merge(self, candidates: List[dict]) -> List[dict]:
        """The people of ``candidates`` (:meth:`_candidates`), whole views first."""
        kept: List[dict] = []
        for cand in sorted(candidates, key=lambda c: (c['cut'], -c['score'])):
            same = next((k for k in kept if self._same(k, cand)), None)
            if same is None:
                kept.append(dict(cand))
            elif not cand['cut'] and not same['cut']:  # a second whole view: surer keypoints
                better = cand['keypoint_scores'] > same['keypoint_scores']
                same['keypoints'] = np.where(better[:, None], cand['keypoints'],
                                             same['keypoints'])
                same['keypoint_scores'] = np.where(better, cand['keypoint_scores'],
                                                   same['keypoint_scores'])
        return sorted(kept, key=lambda k: -k['score'])

    def __call__(self, image: np.ndarray) -> People:
        people = self.merge(self._candidates(image))
        K = len(self.keypoints['names'])
        return dict(
            bboxes=np.asarray([p['bbox'] for p in people], np.float32).reshape(-1, 4),
            scores=np.asarray([p['score'] for p in people], np.float32),
            keypoints=np.asarray([p['keypoints'] for p in people], np.float32).reshape(-1, K, 2),
            keypoint_scores=np.asarray([p['keypoint_scores'] for p in people],
                                       np.float32).reshape(-1, K))

    def predict_batch(self, images: Sequence[np.ndarray]) -> List[People]:
        return [self(image) for image in images]



def tile_speed(predictor, image: np.ndarray, sizes: Sequence[Sequence[int]], repeats: int = 5,
               overlap: float = 0.25) -> List[dict]:
    """Per frame size (W, H): the tiles, and the median ms of the whole frame and of tiled
    inference, from one interleaved run (:func:`~lrfg_mmpose.timing.interleaved_times`)."""
    tiled = TiledPredictor(predictor, overlap=overlap)
    fns = {}
    for w, h in sizes:
        frame = _resized(image, (w, h))
        fns[(w, h, 'whole')] = (lambda f=frame: predictor(f))
        fns[(w, h, 'tiles')] = (lambda f=frame: tiled(f))
    times = interleaved_times(fns, repeats)

    def tiles(w, h):  # a frame within one tile runs whole only
        n = len(tile_windows((w, h), tiled.tile_size, overlap))
        return n if n > 1 else 0
    return [dict(size=(w, h), tiles=tiles(w, h),
                 whole_ms=median_ms(times[(w, h, 'whole')]),
                 tiled_ms=median_ms(times[(w, h, 'tiles')])) for w, h in sizes]


def _resized(image: np.ndarray, size: Sequence[int]) -> np.ndarray:
    import cv2
    return cv2.resize(image, tuple(int(v) for v in size))
