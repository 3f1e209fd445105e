# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
"""INT8 OpenVINO models by NNCF post-training quantisation on the user's own images, and what
the quantisation cost, measured on images it did not calibrate on.

NNCF inserts FakeQuantize pairs on the inputs of convolutions (and the elementwise ops that
follow them, per its preset), from activation ranges it collects by running the model on
calibration images. The images are letterboxed exactly as at run time
(:func:`lrfg_mmpose.deploy.letterbox_input`). Everything after the network (decoding, NMS)
is kept in float: quantising box and keypoint coordinates would cost pixels for no speed.

After quantising, :func:`~.int8_fidelity.int8_fidelity` runs the float and the INT8 model on
held-out images (every fifth calibration image, or the user's ``--val-images``) through the
runtime's own pre- and post-processing and compares their people without labels
(:func:`lrfg_mmpose.analysis.agreement.compare_people`); with an annotation file it also scores
both against it. ``max_drop`` keeps the most sensitive ops float until the drop on that same
measure is within it (:func:`~.int8_accuracy.keep_sensitive_float`).

The parts: :mod:`.int8_calibration` (the images), :mod:`.int8_quantize` (NNCF),
:mod:`.int8_fidelity` (the report), :mod:`.int8_accuracy` (the bound).
"""
from typing import Callable, Dict, Optional, Sequence

import numpy as np

from ..fileio import IMAGE_SUFFIXES
from ..timing import interleaved_times, median_ms
from .int8_accuracy import keep_sensitive_float
from .int8_calibration import letterboxed, split_calibration
from .int8_fidelity import PeopleRunner, coco_ground_truth, compile_f32, int8_fidelity
from .int8_quantize import float_convolutions, quantize_int8


def _speed(models: Dict[str, object], items, repeats: int = 10) -> Dict[str, float]:
    """Median ms per image of each compiled model on the first item, interleaved."""
    x = items[0][1]
    times = interleaved_times({n: (lambda m=m: m(x)) for n, m in models.items()}, repeats)
    return {n: median_ms(t) for n, t in times.items()}


def quantize_with_report(float_model, predictor, calib_folder, input_size, *, preset='mixed',
                         limit: int = 300, val_folder=None, val_ann=None,
                         max_drop: Optional[float] = None, ignored: Sequence[str] = (),
                         log: Callable[[str], None] = print):
    """Quantise ``float_model`` (an ``openvino.Model`` of our export graph) on the images of
    ``calib_folder`` and measure what it cost (:func:`int8_fidelity`); with ``max_drop``,
    :func:`keep_sensitive_float` keeps the most sensitive ops float until the drop
    (:meth:`Fidelity.drop`) on the report's images is within it. ``predictor``: a
    :class:`~lrfg_mmpose.deploy.Predictor` of the float model (its sidecar and post-processing).
    Returns the INT8 ``openvino.Model`` and the :class:`Fidelity`."""
    calib, val, held_out = split_calibration(calib_folder, limit, val_folder)
    calib_items = letterboxed(calib, input_size)
    if not calib_items:
        raise ValueError(f'{calib_folder}: no readable images '
                         f'({", ".join(sorted(IMAGE_SUFFIXES))}) to calibrate on')
    items = letterboxed(val, input_size, 'the INT8 report')
    if not items:
        raise ValueError(f'{val_folder or calib_folder}: no readable image to measure the INT8 '
                         f'model on')
    gt, ids = coco_ground_truth(val_ann, items)
    sigmas = np.asarray(predictor.keypoints['sigmas'], dtype=np.float64)
    names = predictor.keypoints['names']
    run = PeopleRunner(predictor)
    float_compiled = compile_f32(float_model)  # each model compiled once: report and speed
    float_people = run(float_compiled, items)
    log(f'[int8] calibrating on {len(calib_items)} images, measuring on {len(items)}'
        + (' held out' if held_out else ''))
    inputs = [x for _, x, _ in calib_items]
    full = quantize_int8(float_model.clone(), inputs, preset, ignored=ignored)
    model = full
    if max_drop is not None:
        log(f'[int8] keeping the most sensitive layers float until the drop is within '
            f'{max_drop}')
        model, kept_float, ranked = keep_sensitive_float(
            float_model, full, inputs, items, float_people, sigmas, max_drop, preset, ignored,
            gt, ids, run, log)
    int8_compiled = compile_f32(model)
    int8_people = run(int8_compiled, items)
    report = int8_fidelity(float_people, int8_people, items, held_out, sigmas, names, gt, ids)
    report.float_convolutions = float_convolutions(model)
    report.convolutions = sum(op.get_type_name() in ('Convolution', 'GroupConvolution')
                              for op in model.get_ops())
    if max_drop is not None:
        report.max_drop, report.kept_float, report.ranked = max_drop, kept_float, ranked
        full_compiled = int8_compiled if model is full else compile_f32(full)
        report.speed = _speed(dict(float=float_compiled, int8_all=full_compiled,
                                   int8=int8_compiled), items)
    return model, report
