# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
"""Where INT8 loses accuracy in our model, part by part (``tools/int8_sensitivity.py``).

For each named part of the network (:data:`PARTS`: the first convolution, the SCA gates, FGCSPP,
the neck, the keypoint branch, its output convolution, the box/objectness convolutions with the
implicit layers folded in, the residual Adds and upsampling inputs NNCF also quantises) two INT8
models are made by NNCF on the same calibration images:
one with every layer quantised but that part (what keeping it float buys back), one with only
that part quantised (what quantising it alone costs). Each is measured as the export's report
measures (:func:`~lrfg_mmpose.export.int8.int8_fidelity`): against the float model on held-out
images, and against annotations where given.
"""
import re
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence

import numpy as np

from .int8_calibration import letterboxed, split_calibration
from .int8_fidelity import PeopleRunner, coco_ground_truth, compile_f32, int8_fidelity
from .int8_quantize import float_convolutions, network_scope, quantize_int8

#: Parts of our export graph by OpenVINO op names (from the PyTorch module paths). The implicit
#: layers (ImplicitA/M) are folded into the box convolutions in deploy mode, so they are part of
#: ``box_convs``; in the reference channel layout the box convolution also gives anchor 0's
#: first 12 keypoint fields.
PARTS: Dict[str, str] = {
    'stem (first convolution)': r'^/backbone/stem/',
    'SCA (coordinate attention gates)': r'/attention/',
    'FGCSPP': r'^/backbone/stage5/stage5\.1/',
    'backbone, the rest': r'^/backbone/(?!stem/)(?!.*/attention/)(?!stage5/stage5\.1/)',
    'neck (PANet, GhostConv)': r'^/neck/',
    'keypoint branch (depthwise/pointwise)': r'^/head/kpt_convs\.\d/kpt_convs\.\d\.(\d|10)/',
    'keypoint output conv (x, y, visibility)': r'^/head/kpt_convs\.\d/kpt_convs\.\d\.11/',
    'box/objectness convs (implicit folded)': r'^/head/box_convs',
    'residual Adds and upsampling (no convolution)': r'/Add(_\d+)?$|/Resize$',
}


@dataclass
class Row:
    name: str
    float_layers: int  # convolutions left float
    oks_ap: float  # against the float model
    found: float  # share of confident float people found
    error_p90: float  # keypoint error, OKS units
    coco_ap: Optional[float]


def _op_names(model, pattern: str) -> List[str]:
    rx = re.compile(pattern)
    return [op.get_friendly_name() for op in model.get_ops()
            if op.get_type_name() not in ('Parameter', 'Result', 'Constant')
            and rx.search(op.get_friendly_name())]


def sensitivity(float_model, predictor, calib_folder, input_size, val_folder=None,
                val_ann=None, limit: int = 300, preset: str = 'mixed',
                parts: Dict[str, str] = PARTS, log=print) -> List[Row]:
    """One :class:`Row` for float, all-INT8, and each part kept float / quantised alone."""
    calib, val, held_out = split_calibration(calib_folder, limit, val_folder)
    inputs = [x for _, x, _ in letterboxed(calib, input_size)]
    items = letterboxed(val, input_size, 'the INT8 report')
    gt, ids = coco_ground_truth(val_ann, items)
    sigmas = np.asarray(predictor.keypoints['sigmas'], dtype=np.float64)
    names = predictor.keypoints['names']
    run = PeopleRunner(predictor)
    float_people = run(compile_f32(float_model), items)
    post = set(network_scope(float_model))
    every_op = [n for n in _op_names(float_model, '') if n not in post]

    def measure(name, ignored) -> Row:
        model = quantize_int8(float_model.clone(), inputs, preset, ignored=ignored)
        people = run(compile_f32(model), items)
        rep = int8_fidelity(float_people, people, items, held_out, sigmas, names, gt, ids)
        a = rep.agreement
        row = Row(name, len(float_convolutions(model)), a.oks_ap, a.found_share, a.error_p90,
                  rep.coco_ap['int8'] if rep.coco_ap else None)
        log(f'[sensitivity] {name}: OKS AP vs float {row.oks_ap:.3f}, found {row.found:.3f}, '
            f'keypoint error p90 {row.error_p90:.3f}'
            + (f', COCO AP {row.coco_ap:.3f}' if row.coco_ap is not None else ''))
        return row

    rows = []
    if gt is not None:
        rep = int8_fidelity(float_people, float_people, items, held_out, sigmas, names, gt, ids)
        rows.append(Row('float', -1, 1.0, 1.0, 0.0, rep.coco_ap['float']))
    rows.append(measure('INT8, every layer', ()))
    for part, pattern in parts.items():
        inside = _op_names(float_model, pattern)
        if not inside:
            continue
        rows.append(measure(f'{part} float', inside))
        inside = set(inside)
        rows.append(measure(f'{part} alone INT8', [n for n in every_op if n not in inside]))
    return rows


def table(rows: Sequence[Row]) -> List[str]:
    """The rows as a markdown table."""
    from ..fileio import markdown_table
    coco = any(r.coco_ap is not None for r in rows)
    header = ['INT8 model', 'float convs', 'OKS AP vs float', 'people found',
              'kpt error p90 (OKS units)'] + (['COCO AP'] if coco else [])
    body = [[r.name, '-' if r.float_layers < 0 else str(r.float_layers), f'{r.oks_ap:.3f}',
             f'{r.found:.3f}', f'{r.error_p90:.3f}'] +
            ([f'{r.coco_ap:.3f}' if r.coco_ap is not None else '-'] if coco else [])
            for r in rows]
    return markdown_table(header, body)
