# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
"""What an INT8 model cost, without labels and with them: the float and the INT8 model run on the
same held-out images through the runtime's own post-processing, their people compared
(:func:`lrfg_mmpose.analysis.agreement.compare_people`) and, with an annotation file, both scored
by COCO keypoint AP."""
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

DEFAULT_OK_DROP = 0.05  # a COCO AP drop the verdict accepts without --int8-max-drop


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


def coco_ground_truth(val_ann, items) -> Tuple[Optional[dict], List[Optional[int]]]:
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


def coco_ap(gt: dict, ids, people, sigmas) -> float:
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
        report.coco_ap = dict(float=coco_ap(gt, ids, float_people, sigmas),
                              int8=coco_ap(gt, ids, int8_people, sigmas))
        report.coco_images = sum(i is not None for i in ids)
    return report
