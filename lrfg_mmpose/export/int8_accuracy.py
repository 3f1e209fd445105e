# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
"""Accuracy control for INT8: the most sensitive quantised ops kept float until the drop is within
a bound (``--int8-max-drop``), by one ranking and a bisection of our own."""
from typing import Dict, List, Sequence, Tuple

import numpy as np

from .int8_fidelity import coco_ap, compile_f32
from .int8_quantize import TRANSPARENT, quantize_int8

RANKING_IMAGES = 16  # the images with the largest INT8 loss, on which ops are ranked


def _transparent_sources(node):
    """The FakeQuantize ops that feed ``node``'s activation input, through ops that keep INT8
    values INT8 (Concat, MaxPool, Reshape, Transpose)."""
    out, stack = [], [node]
    while stack:
        n = stack.pop()
        if n.get_type_name() == 'FakeQuantize':
            out.append(n)
        elif n.get_type_name() in TRANSPARENT:
            stack.extend(n.input(i).get_source_output().get_node()
                         for i in range(n.get_input_size()))
    return out


def quantised_ops(model) -> Dict[str, List[str]]:
    """Each op of an NNCF-quantised model (weights not compressed) that takes quantised input
    (convolutions, and the residual Adds, the SCA gates' Multiply and ReduceMean, the neck's
    Interpolate that NNCF also quantises) -> the names of its FakeQuantize ops: on its weights
    and on its activation inputs (through ops that keep INT8 values INT8)."""
    groups = {}
    for op in model.get_ordered_ops():
        if op.get_type_name() in ('FakeQuantize', 'Result', *TRANSPARENT):
            continue
        fqs = []
        for i in range(op.get_input_size()):
            src = op.input(i).get_source_output().get_node()
            if src.get_type_name() == 'FakeQuantize' and all(
                    src.input(j).get_source_output().get_node().get_type_name() == 'Constant'
                    for j in range(src.get_input_size())):
                fqs.append(src)  # weights
            else:
                fqs += _transparent_sources(src)
        if fqs:
            groups[op.get_friendly_name()] = list(dict.fromkeys(f.get_friendly_name()
                                                                for f in fqs))
    return groups


def bypass(model, names: Sequence[str]):
    """A copy of ``model`` with the FakeQuantize ops ``names`` removed (their input passed on):
    those values stay float."""
    model = model.clone()
    ops = {op.get_friendly_name(): op for op in model.get_ops()}
    for name in names:
        fq = ops[name]
        for target in list(fq.output(0).get_target_inputs()):
            target.replace_source_output(fq.input_value(0))
    model.validate_nodes_and_infer_types()
    return model


def keep_sensitive_float(float_model, full, inputs, items, float_people, sigmas, max_drop,
                         preset, ignored, gt, ids, run, log=print
                         ) -> Tuple[object, List[str], int]:
    """The INT8 model with the fewest quantised ops kept float found within ``max_drop``,
    their names (empty where every layer INT8 is within it) and how many ops INT8 quantises.
     A sensitivity search of our own (NNCF's accuracy control re-ranks every quantiser group
    after each removal that does not help, which on a few images' AP, a coarse measure, meant
    re-ranking at almost every step: hours for our 144 convolutions).

    1. Rank once: each quantised op's quantisers (:func:`quantised_ops`: a convolution's
       weights and input, a residual Add's or an SCA gate's inputs) removed from the all-INT8
       model alone, scored by the mean per-image agreement with the float model
       (:func:`~lrfg_mmpose.analysis.agreement.per_image_agreement`, continuous) on the
       :data:`RANKING_IMAGES` images INT8 hurts most.
    2. Bisect on k: NNCF quantises again with the k highest-ranked ops in its ignored scope,
       and the drop (:meth:`Fidelity.drop`'s measure) is measured on all the report's images;
       the smallest k found within ``max_drop`` is kept. Every model returned was measured
       within the bound on these images (k = all: the float model).
    """
    from ..analysis.agreement import compare_people, per_image_agreement
    float_ap = coco_ap(gt, ids, float_people, sigmas) if gt is not None else None

    def drop(model) -> float:
        people = run(compile_f32(model), items)
        if gt is not None:
            return float_ap - coco_ap(gt, ids, people, sigmas)
        ap = compare_people(float_people, people, sigmas).oks_ap
        return 0.0 if np.isnan(ap) else 1.0 - ap

    def agreement(model, subset) -> float:
        people = run(compile_f32(model), [items[i] for i in subset])
        values = [per_image_agreement(float_people[i], p, sigmas) for i, p in zip(subset, people)]
        return float(np.mean([1.0 if v is None else v for v in values]))

    first = drop(full)
    log(f'[int8] every layer INT8: drop {first:.3f}')
    if first <= max_drop:
        return full, [], len(quantised_ops(full))
    # the same quantisation with float weights behind FakeQuantize ops, which bypass() undoes
    unpacked = quantize_int8(float_model.clone(), inputs, preset, ignored=ignored,
                             compress_weights=False)
    scores = [per_image_agreement(f, p, sigmas)
              for f, p in zip(float_people, run(compile_f32(unpacked), items))]
    scores = np.asarray([1.0 if v is None else v for v in scores])
    subset = list(np.argsort(scores)[:RANKING_IMAGES])
    groups = quantised_ops(unpacked)
    base = float(scores[subset].mean())
    gains = {}
    for n, (name, fqs) in enumerate(groups.items()):
        gains[name] = agreement(bypass(unpacked, fqs), subset) - base
        if (n + 1) % 25 == 0 or n + 1 == len(groups):
            log(f'[int8] ranked {n + 1}/{len(groups)} quantised ops')
    order = sorted(gains, key=lambda c: -gains[c])
    lo, hi, best = 0, len(order), None
    while hi - lo > 1:
        k = (lo + hi) // 2
        candidate = quantize_int8(float_model.clone(), inputs, preset,
                                  ignored=list(ignored) + order[:k])
        d = drop(candidate)
        log(f'[int8] {k} most sensitive of {len(order)} quantised ops float: drop {d:.3f}')
        if d <= max_drop:
            hi, best = k, candidate
        else:
            lo = k
    if best is None:  # only k = all is left: nothing quantised
        log('[int8] no INT8 model within the drop: every op float')
        return float_model.clone(), order, len(order)
    return best, order[:hi], len(order)
