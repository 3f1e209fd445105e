# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
"""Rectangular against square inference on real images: the same people? how much faster?"""
import statistics
from pathlib import Path
from typing import Dict, Optional, Sequence

import cv2
import numpy as np

from ..deploy import TorchPredictor
from ..structures import box_iou, match, rect_input_size
from ..timing import interleaved_times


def compare_people(square: Dict[str, np.ndarray], rect: Dict[str, np.ndarray],
                   score_thr: float, kpt_thr: float) -> dict:
    """People above ``score_thr`` of the two modes matched one to one by box IoU (Hungarian,
    IoU > 0.5); keypoint differences (original-image px) over the keypoints above ``kpt_thr``
    in both."""
    a = {k: v[square['scores'] > score_thr] for k, v in square.items()}
    b = {k: v[rect['scores'] > score_thr] for k, v in rect.items()}
    diffs = []
    matched = 0
    if len(a['scores']) and len(b['scores']):
        for r, c in match(box_iou(a['bboxes'], b['bboxes']), 0.5, strict=True):
            matched += 1
            both = (a['keypoint_scores'][r] > kpt_thr) & (b['keypoint_scores'][c] > kpt_thr)
            diffs += np.linalg.norm(a['keypoints'][r][both] - b['keypoints'][c][both],
                                    axis=1).tolist()
    return dict(square=len(a['scores']), rect=len(b['scores']), matched=matched,
                kpt_diffs=diffs)


def rect_vs_square(config: str, checkpoint: Optional[str], images: Sequence[Path],
                   input_size: Optional[Sequence[int]] = None, score_thr: float = 0.3,
                   kpt_thr: float = 0.3, repeats: int = 3) -> dict:
    """Predict every image square and rect (PyTorch, same weights), match the people, and time
    both modes interleaved (image by image, the order alternating); medians in ms per image."""
    square = TorchPredictor(config, checkpoint, input_size=input_size, rect=False)
    rect = TorchPredictor(config, checkpoint, input_size=input_size, rect=True)
    size = next(s['input_size'] for s in rect.model.cfg.test_dataloader.dataset.pipeline
                if s['type'] == 'BottomupLetterbox')
    frames = {str(p): cv2.imread(str(p)) for p in images}
    per_image = {path: compare_people(square(img), rect(img), score_thr, kpt_thr)
                 for path, img in frames.items()}
    modes = dict(square=square, rect=rect)
    # image by image, both modes in turn, the order reversed every other round
    fns = {(name, i): (lambda p=predictor, im=img: p(im))
           for i, img in enumerate(frames.values()) for name, predictor in modes.items()}
    # the comparison above ran every predictor on every image: that is the warm-up
    runs = interleaved_times(fns, repeats, alternate=True, warmup=False)
    times = {name: [t for (mode, _), ts in runs.items() if mode == name for t in ts]
             for name in modes}
    diffs = [d for res in per_image.values() for d in res['kpt_diffs']]
    return dict(
        images=len(frames), per_image=per_image,
        people_square=sum(r['square'] for r in per_image.values()),
        people_rect=sum(r['rect'] for r in per_image.values()),
        matched=sum(r['matched'] for r in per_image.values()),
        kpt_max_px=max(diffs) if diffs else float('nan'),
        kpt_median_px=statistics.median(diffs) if diffs else float('nan'),
        kpt_within_1px=float(np.mean(np.asarray(diffs) <= 1.0)) if diffs else float('nan'),
        square_ms=statistics.median(times['square']) * 1e3,
        rect_ms=statistics.median(times['rect']) * 1e3,
        input_size=tuple(size),
        rect_sizes=sorted({rect_input_size((img.shape[1], img.shape[0]), size)
                           for img in frames.values()}))
