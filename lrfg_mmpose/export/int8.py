# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
"""INT8 OpenVINO models by NNCF post-training quantisation on the user's own images, and what
the quantisation cost, measured on images it did not calibrate on.

NNCF inserts FakeQuantize pairs on the inputs of convolutions (and the elementwise ops that
follow them, per its preset), from activation ranges it collects by running the model on
calibration images. The images are letterboxed exactly as at run time
(:func:`lrfg_mmpose.deploy.letterbox_input`). Everything after the network (decoding, NMS)
is kept in float: quantising box and keypoint coordinates would cost pixels for no speed.

After quantising, :func:`int8_fidelity` runs the float and the INT8 model on held-out images
(every fifth calibration image, or the user's ``--val-images``) through the runtime's own pre-
and post-processing and compares their people without labels
(:func:`lrfg_mmpose.analysis.agreement.compare_people`); with an annotation file it also scores
both against it. ``max_drop`` keeps the most sensitive ops float until the drop on that same
measure is within it (:func:`keep_sensitive_float`).
"""
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np

from ..deploy import letterbox_input
from ..deploy.media import IMAGE_SUFFIXES, image_paths
from ..fileio import BadImageError, read_image

# Ops through which INT8 values stay INT8: a FakeQuantize before them quantises what follows.
TRANSPARENT = ('Concat', 'MaxPool', 'Reshape', 'Transpose')
HOLD_OUT_EVERY = 5  # every fifth calibration image is held out for the fidelity report
DEFAULT_OK_DROP = 0.05  # a COCO AP drop the verdict accepts without --int8-max-drop
MAX_HELD_OUT = 50


def letterboxed(paths: Sequence[Path], input_size: Sequence[int], what: str = 'calibration'
                ) -> List[Tuple[Path, np.ndarray, np.ndarray]]:
    """``(path, (1, 3, H, W) float32 input, 2x3 image-to-input matrix)`` of each readable image,
    letterboxed to ``input_size`` (W, H) as at run time; unreadable files are skipped with one
    line each."""
    out = []
    for path in paths:
        try:
            x, matrix = letterbox_input(read_image(path), input_size)
        except BadImageError as e:
            print(f'warning: {path}: {e}; skipped for {what}')
            continue
        out.append((Path(path), x[None], matrix))
    return out


def _image_folder(folder, what: str, option: str) -> List[Path]:
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f'{folder}: {what} folder not found; pass a folder of images like '
                                f'the ones the model will see ({option})')
    return image_paths(folder)  # by suffix, sorted, as tools/infer.py reads folders


def calibration_inputs(folder, input_size: Sequence[int], limit: int = 300) -> List[np.ndarray]:
    """Up to ``limit`` images of ``folder`` (sorted by name), letterboxed to ``input_size``
    (W, H), as (1, 3, H, W) float32 batches; unreadable files are skipped with one line each."""
    if limit < 1:
        raise ValueError(f'--calib-limit {limit}: give at least 1 image to calibrate on')
    inputs = [x for _, x, _ in letterboxed(
        _image_folder(folder, 'calibration images', '--calib-images')[:limit], input_size)]
    if not inputs:
        raise ValueError(f'{folder}: no readable images ({", ".join(sorted(IMAGE_SUFFIXES))}) to '
                         f'calibrate on')
    return inputs


def split_calibration(calib_folder, limit: int, val_folder=None) -> Tuple[List[Path], List[Path],
                                                                           bool]:
    """The calibration images and the images the fidelity report runs on, and whether the latter
    are held out (no file name among the calibration images). With ``val_folder`` its images
    (at most :data:`MAX_HELD_OUT`); otherwise every :data:`HOLD_OUT_EVERY`-th calibration image
    (the last one of 2 to 4; a single image is used for both, and the report says so)."""
    if limit < 1:
        raise ValueError(f'--calib-limit {limit}: give at least 1 image to calibrate on')
    paths = _image_folder(calib_folder, 'calibration images', '--calib-images')
    if not paths:
        raise ValueError(f'{calib_folder}: no images ({", ".join(sorted(IMAGE_SUFFIXES))}) to '
                         f'calibrate on')
    if val_folder is not None:
        val = _image_folder(val_folder, 'validation images', '--val-images')
        if not val:
            raise ValueError(f'{val_folder}: no images to measure the INT8 model on')
        calib, val = paths[:limit], val[:MAX_HELD_OUT]
        return calib, val, not {p.name for p in calib} & {p.name for p in val}
    if len(paths) == 1:
        return paths, paths, False
    step = HOLD_OUT_EVERY if len(paths) >= HOLD_OUT_EVERY else len(paths)
    held = set(range(step - 1, len(paths), step)[:MAX_HELD_OUT])
    return ([p for i, p in enumerate(paths) if i not in held][:limit],
            [p for i, p in enumerate(paths) if i in held], True)


def network_scope(model) -> list:
    """Names of what follows the network in our export graph: every op from the head's last
    convolutions to the outputs (the decode and the NMS); for a network-only graph only the
    reshapes after those convolutions. (Keeping those convolutions float too was tried: on the
    over-fitted test model it did not change the INT8 AP beyond calibration noise.)"""
    names, seen = [], set()
    stack = [out.get_node() for out in model.outputs]
    while stack:  # walk back from the outputs until a convolution (the head's last layer)
        node = stack.pop()
        if node.get_friendly_name() in seen or node.get_type_name() in (
                'Convolution', 'GroupConvolution', 'Parameter', 'Constant'):
            continue
        seen.add(node.get_friendly_name())
        names.append(node.get_friendly_name())
        stack.extend(inp.get_source_output().get_node() for inp in node.inputs())
    return names


def float_convolutions(model) -> List[str]:
    """Names of the convolutions of an INT8 ``openvino.Model`` whose activation input is not
    quantised (kept float by an ignored scope or by accuracy control)."""
    def quantised(node):  # a FakeQuantize, through ops that keep INT8 values INT8
        if node.get_type_name() in TRANSPARENT:
            sources = [node.input(i).get_source_output().get_node()
                       for i in range(node.get_input_size())]
            return all(quantised(s) for s in sources if s.get_type_name() != 'Constant')
        return node.get_type_name() == 'FakeQuantize'
    return [op.get_friendly_name() for op in model.get_ordered_ops()
            if op.get_type_name() in ('Convolution', 'GroupConvolution')
            and not quantised(op.input(0).get_source_output().get_node())]


def quantize_int8(model, inputs: List[np.ndarray], preset: str = 'mixed',
                  keep_post_network_float: bool = True, ignored: Sequence[str] = (),
                  compress_weights: bool = True):
    """``model`` (an ``openvino.Model`` made by ``convert_model``, or a model file) quantised
    to INT8 by NNCF on ``inputs`` (from :func:`calibration_inputs`). ``preset``: 'mixed'
    (symmetric weights, asymmetric activations: NNCF's advice for models with non-ReLU
    activations such as our SiLU) or 'performance' (symmetric both). ``ignored``: names of
    further ops to keep float. ``compress_weights=False`` leaves each weight float behind a
    FakeQuantize (what :func:`bypass` can undo). Returns an ``openvino.Model``."""
    import logging

    import nncf
    import openvino as ov
    from nncf.quantization.advanced_parameters import AdvancedQuantizationParameters
    nncf.set_log_level(logging.WARNING)  # not one line per op it leaves unquantised
    if not isinstance(model, ov.Model):
        # convert_model, not read_model: its fusions turn each SiLU, which ONNX spells as
        # x * Sigmoid(x), into one Swish op. Read without them, NNCF takes the Multiply for a
        # product of two activations and quantises both its inputs; OpenVINO then cannot fuse
        # the SiLU into its convolution, and each runs as a float kernel of its own (on an
        # Intel Xeon with AMX, 2 threads: INT8 1.37x slower than bf16 at 640, 0.98x with).
        model = ov.convert_model(str(model))
    presets = dict(mixed=nncf.QuantizationPreset.MIXED,
                   performance=nncf.QuantizationPreset.PERFORMANCE)
    if preset not in presets:
        raise ValueError(f'preset {preset!r}: use {" or ".join(presets)}')
    names = (network_scope(model) if keep_post_network_float else []) + list(ignored)
    scope = nncf.IgnoredScope(names=names, validate=False) if names else None
    advanced = None if compress_weights else AdvancedQuantizationParameters(
        backend_params={'compress_weights': False})
    return nncf.quantize(model, nncf.Dataset(inputs), preset=presets[preset],
                         subset_size=len(inputs), ignored_scope=scope,
                         advanced_parameters=advanced)


# --------------------------------------------------------------------------------------------
# What the quantisation cost


@dataclass
class Fidelity:
    """The INT8 model against the float one on the report's images (see :func:`int8_fidelity`).
    """
    agreement: 'object'  # lrfg_mmpose.analysis.agreement.Agreement
    images: List[str]
    held_out: bool
    coco_ap: Optional[Dict[str, float]] = None  # {'float': AP, 'int8': AP} with annotations
    coco_images: int = 0
    float_convolutions: List[str] = field(default_factory=list)
    convolutions: int = 0
    max_drop: Optional[float] = None
    speed: Optional[Dict[str, float]] = None  # ms per image, f32 / full INT8 / this INT8
    keypoint_names: Sequence[str] = ()
    kept_float: List[str] = field(default_factory=list)  # ops accuracy control kept float
    ranked: int = 0  # ops the all-INT8 model quantises (accuracy control's choices)

    def drop(self) -> float:
        """What accuracy control bounds: the COCO AP drop with annotations, else 1 - OKS AP
        against the float model."""
        if self.coco_ap is not None:
            return self.coco_ap['float'] - self.coco_ap['int8']
        ap = self.agreement.oks_ap
        return 0.0 if np.isnan(ap) else 1.0 - ap

    def ok(self) -> bool:
        """The verdict: with annotations, the COCO AP drop within ``max_drop`` (default
        :data:`DEFAULT_OK_DROP`); without, the INT8 model keeps the float model's people
        (:meth:`~lrfg_mmpose.analysis.agreement.Agreement.ok`), or within ``max_drop`` where
        accuracy control bounded it."""
        bound = DEFAULT_OK_DROP if self.max_drop is None else self.max_drop
        if self.coco_ap is not None or self.max_drop is not None:
            return self.drop() <= bound + 1e-9
        return self.agreement.ok()

    def lines(self) -> List[str]:
        """The printed report: the measure, per-keypoint errors, the verdict last."""
        a = self.agreement
        where = (f'{len(self.images)} held-out images' if self.held_out else
                 f'{len(self.images)} images, some also calibrated on (a held-out measure needs '
                 f'other images: more calibration images or another --val-images)')
        lines = [f'INT8 against float on {where}:', f'  {a.summary()}']
        if a.people:
            worst = np.argsort(np.nan_to_num(a.keypoint_error_p90, nan=-1))[::-1][:3]
            lines.append('  largest keypoint errors (p90, OKS units): ' + ', '.join(
                f'{self.keypoint_names[k]} {a.keypoint_error_p90[k]:.3f}' for k in worst
                if not np.isnan(a.keypoint_error_p90[k])))
        if self.coco_ap is not None:
            lines.append(f'  COCO AP on {self.coco_images} annotated images: float '
                         f'{self.coco_ap["float"]:.3f}, INT8 {self.coco_ap["int8"]:.3f} '
                         f'(drop {self.drop():+.3f})')
        if self.max_drop is not None:
            kept = [n.replace('/WithoutBiases', '') for n in self.kept_float]
            lines.append(f'  accuracy control (--int8-max-drop {self.max_drop}): {len(kept)} of '
                         f'{self.ranked} quantised ops kept float, '
                         f'{len(self.float_convolutions)} of {self.convolutions} convolutions '
                         f'float' +
                         (': ' + ', '.join(kept[:6]) + (' ...' if len(kept) > 6 else '')
                          if kept else ''))
        if self.speed:
            s = self.speed
            lines.append(f'  speed (ms per image, interleaved, this CPU): float {s["float"]:.1f}, '
                         f'INT8 all layers {s["int8_all"]:.1f}, this INT8 {s["int8"]:.1f} '
                         f'({s["int8"] / s["int8_all"]:.2f}x all-INT8, '
                         f'{s["int8"] / s["float"]:.2f}x float)')
        what = 'COCO AP' if self.coco_ap is not None else 'OKS AP against float'
        if not a.people and self.coco_ap is None:
            verdict = ('verdict: no confident person (score >= 0.3) on these images, nothing to '
                       'compare; measure on images with people (--val-images)')
        elif self.ok():
            verdict = (f'verdict: OK, INT8 keeps the float model\'s people ({what} drop '
                       f'{self.drop():.3f})')
        elif self.max_drop is None:
            verdict = (f'WARNING: INT8 loses what the float model finds ({what} drop '
                       f'{self.drop():.3f}); --int8-max-drop 0.05 keeps the most sensitive '
                       f'layers float, or try --int8-preset performance, more calibration '
                       f'images, or deploy float (bf16 where the CPU has it)')
        else:
            verdict = (f'WARNING: {what} drop {self.drop():.3f} exceeds --int8-max-drop '
                       f'{self.max_drop}; deploy float or bf16')
        return lines + [verdict]

    def to_dict(self) -> dict:
        """The sidecar's ``quantization`` entry."""
        return dict(precision='int8', images=len(self.images), held_out=self.held_out,
                    agreement=self.agreement.to_dict(), coco_ap=self.coco_ap,
                    coco_images=self.coco_images, max_drop=self.max_drop,
                    kept_float=self.kept_float, ranked=self.ranked,
                    float_convolutions=self.float_convolutions,
                    convolutions=self.convolutions,
                    speed_ms=self.speed, ok=bool(self.ok()))


class PeopleRunner:
    """People of letterboxed images from compiled OpenVINO models, through the runtime's own
    post-processing (:meth:`lrfg_mmpose.deploy.Predictor.postprocess` of ``predictor``, the float
    model's, whose sidecar the INT8 model shares)."""

    def __init__(self, predictor):
        self.predictor = predictor

    def __call__(self, compiled, items: Sequence[Tuple[Path, np.ndarray, np.ndarray]]) -> list:
        names = [o.get_any_name() for o in compiled.outputs]
        people = []
        for _, x, matrix in items:
            result = compiled(x)
            outputs = {n: np.asarray(result[o]) for n, o in zip(names, compiled.outputs)}
            people.append(self.predictor.postprocess(outputs, 0, matrix,
                                                     (x.shape[3], x.shape[2])))
        return people


def compile_f32(model):
    """An ``openvino.Model`` compiled for the CPU at float32 (OpenVINO's default on CPUs with
    bf16 units is bf16; the Predictor's default, and NNCF's accuracy control, are f32)."""
    import openvino as ov
    return ov.Core().compile_model(model, 'CPU', {'INFERENCE_PRECISION_HINT': 'f32'})


def _coco_ground_truth(val_ann, items) -> Tuple[Optional[dict], List[Optional[int]]]:
    """The annotation file and each item's image id in it (None: not annotated)."""
    if val_ann is None:
        return None, [None] * len(items)
    from ..analysis import load_annotations
    gt = load_annotations(val_ann)
    by_name = {Path(i['file_name']).name: i['id'] for i in gt['images']}
    ids = [by_name.get(path.name) for path, _, _ in items]
    if not any(i is not None for i in ids):
        raise ValueError(f'{val_ann}: none of the validation images is in this annotation file '
                         f'(matched by file name)')
    return gt, ids


def _coco_ap(gt: dict, ids, people, sigmas) -> float:
    from ..analysis.agreement import people_as_results
    from ..analysis.coco_results import coco_keypoint_eval
    keep = [i for i, image_id in enumerate(ids) if image_id is not None]
    images = {ids[i] for i in keep}
    gt = dict(gt, images=[i for i in gt['images'] if i['id'] in images],
              annotations=[a for a in gt['annotations'] if a['image_id'] in images])
    results = people_as_results([people[i] for i in keep], [ids[i] for i in keep])
    return max(float(coco_keypoint_eval(gt, results, sigmas).stats[0]), 0.0)


def int8_fidelity(float_people, int8_people, items, held_out: bool, sigmas, names,
                  gt=None, ids=None) -> Fidelity:
    """The :class:`Fidelity` of INT8 people against float people on ``items``."""
    from ..analysis.agreement import compare_people
    report = Fidelity(compare_people(float_people, int8_people, sigmas),
                      [str(p) for p, _, _ in items], held_out, keypoint_names=list(names))
    if gt is not None:
        report.coco_ap = dict(float=_coco_ap(gt, ids, float_people, sigmas),
                              int8=_coco_ap(gt, ids, int8_people, sigmas))
        report.coco_images = sum(i is not None for i in ids)
    return report


def _speed(models: Dict[str, object], items, repeats: int = 10) -> Dict[str, float]:
    """Median ms per image of each compiled model on the first item, interleaved."""
    from ..utils.timing import interleaved_times, median_ms
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
    gt, ids = _coco_ground_truth(val_ann, items)
    sigmas = np.asarray(predictor.keypoints['sigmas'], dtype=np.float64)
    names = predictor.keypoints['names']
    run = PeopleRunner(predictor)
    float_people = run(compile_f32(float_model), items)
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
    int8_people = run(compile_f32(model), items)
    report = int8_fidelity(float_people, int8_people, items, held_out, sigmas, names, gt, ids)
    report.float_convolutions = float_convolutions(model)
    report.convolutions = sum(op.get_type_name() in ('Convolution', 'GroupConvolution')
                              for op in model.get_ops())
    if max_drop is not None:
        report.max_drop, report.kept_float, report.ranked = max_drop, kept_float, ranked
        report.speed = _speed(dict(float=compile_f32(float_model), int8_all=compile_f32(full),
                                   int8=compile_f32(model)), items)
    return model, report


# --------------------------------------------------------------------------------------------
# Accuracy control: the most sensitive ops kept float

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
    float_ap = _coco_ap(gt, ids, float_people, sigmas) if gt is not None else None

    def drop(model) -> float:
        people = run(compile_f32(model), items)
        if gt is not None:
            return float_ap - _coco_ap(gt, ids, people, sigmas)
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
