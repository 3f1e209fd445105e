# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
"""COCO keypoint results analysed beyond one AP: AP and AR per person size, OKS precision-recall
curves, per-keypoint OKS AP, median normalised error per keypoint and Ronchi and Perona's error
types (:mod:`.keypoint_errors`), for one or several prediction files side by side, any keypoint
set (its names, sigmas and flip indices). pycocotools does the COCO evaluation.

Per-keypoint OKS AP scores each keypoint alone: the OKS of one keypoint is its keypoint
similarity (its own sigma); people without that keypoint labelled are ignore regions, as
COCOeval makes people without labelled keypoints (a prediction on them counts neither way);
everything else as COCOeval.

Prediction and annotation files are read and checked by :mod:`.coco_files`.
"""
import contextlib
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Sequence

import numpy as np

from ..fileio import markdown_table, new_figure, save_figure
from .coco_files import load_annotations, load_results
from .keypoint_errors import ERROR_TYPES, ErrorTypes, error_types

#: COCOeval's keypoint summary, in its order.
SUMMARY = ('AP', 'AP .5', 'AP .75', 'AP (M)', 'AP (L)', 'AR', 'AR .5', 'AR .75', 'AR (M)',
           'AR (L)')


@dataclass
class Analysis:
    """One prediction file's analysis."""
    name: str
    summary: Dict[str, float]  # SUMMARY
    keypoint_ap: np.ndarray  # (K,) per-keypoint OKS AP
    recall: np.ndarray  # (101,) COCOeval's recall points
    precision: Dict[float, np.ndarray]  # OKS threshold (.5, .75) -> (101,), NaN where undefined
    errors: ErrorTypes
    num_results: int


def coco_keypoint_eval(gt: dict, results: List[dict], sigmas: Sequence[float]):
    """pycocotools' COCOeval of keypoint results, its printing silenced."""
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval
    with contextlib.redirect_stdout(io.StringIO()):
        coco = COCO()
        coco.dataset = gt
        coco.createIndex()
        dets = coco.loadRes(results) if results else COCO()
        if not results:
            dets.dataset = dict(gt, annotations=[])
            dets.createIndex()
        ev = COCOeval(coco, dets, 'keypoints')
        ev.params.kpt_oks_sigmas = np.asarray(sigmas, dtype=np.float64)
        ev.evaluate()
        ev.accumulate()
        ev.summarize()
    return ev


def _defined(value) -> float:
    """COCOeval's -1 (nobody to score: no person of that size, no such keypoint labelled) as
    NaN, so that it is shown as undefined rather than as a zero."""
    return float('nan') if value < 0 else float(value)


def _cell(value: float) -> str:
    return '-' if np.isnan(value) else f'{value:.3f}'


def _one_keypoint(gt: dict, results: List[dict], k: int):
    """The annotations and results with keypoint ``k`` alone."""
    anns = []
    for a in gt['annotations']:
        kpts = a.get('keypoints') or [0, 0, 0] * (k + 1)
        kk = kpts[3 * k:3 * k + 3]
        anns.append(dict(a, keypoints=kk, num_keypoints=int(kk[2] > 0)))
    return dict(gt, annotations=anns), [dict(r, keypoints=r['keypoints'][3 * k:3 * k + 3])
                                         for r in results]


def analyse(name: str, gt: dict, results: List[dict], keypoints: dict) -> Analysis:
    """The analysis of one prediction file (``keypoints``: the keypoint set, with ``names``,
    ``sigmas`` and ``flip_indices``, :func:`~lrfg_mmpose.structures.keypoint_meta`)."""
    sigmas = np.asarray(keypoints['sigmas'], dtype=np.float64)
    gt = dict(gt, annotations=[dict(a, id=a.get('id', i + 1)) for i, a in
                               enumerate(gt['annotations'])])
    ev = coco_keypoint_eval(gt, results, sigmas)
    precision = {}
    for thr in (0.5, 0.75):
        t = int(np.argmin(np.abs(ev.params.iouThrs - thr)))
        p = ev.eval['precision'][t, :, 0, 0, -1].astype(np.float64)
        precision[thr] = np.where(p < 0, np.nan, p)
    keypoint_ap = []
    for k in range(len(sigmas)):
        kgt, kres = _one_keypoint(gt, results, k)
        keypoint_ap.append(_defined(coco_keypoint_eval(kgt, kres, sigmas[k:k + 1]).stats[0]))
    by_image_gt, by_image_dt = {i['id']: [] for i in gt['images']}, {}
    for a in gt['annotations']:
        by_image_gt.setdefault(a['image_id'], []).append(a)
    for r in results:
        by_image_dt.setdefault(r['image_id'], []).append(r)
    errors = error_types(by_image_gt, by_image_dt, sigmas, keypoints['flip_indices'])
    return Analysis(name, {k: _defined(v) for k, v in zip(SUMMARY, ev.stats)},
                    np.asarray(keypoint_ap), ev.params.recThrs.copy(), precision, errors,
                    len(results))


def tables(analyses: Sequence[Analysis], names: Sequence[str]) -> List[str]:
    """The printed tables (markdown), one column per prediction file."""
    cols = [a.name for a in analyses]
    lines = ['AP and AR per person size (COCO OKS):', '']
    lines += markdown_table(['metric'] + cols, [[m] + [_cell(a.summary[m]) for a in analyses]
                                                 for m in SUMMARY])
    lines += ['', 'Keypoint error types (Ronchi & Perona), share of labelled keypoints:', '']
    shares = [a.errors.shares() for a in analyses]
    rows = [[t] + [f'{share[t]:.3f}' for share in shares] for t in ERROR_TYPES]
    rows.append(['people missed'] + [f'{a.errors.people_missed} / {a.errors.people}'
                                     for a in analyses])
    rows.append(['predictions matched to nobody'] + [str(a.errors.false_positives)
                                                     for a in analyses])
    lines += markdown_table(['type'] + cols, rows)
    lines += ['', 'Per keypoint: OKS AP of the keypoint alone | median normalised error '
              '(distance / sqrt(area)):', '']
    header = ['keypoint'] + [f'AP {c}' for c in cols] + [f'err {c}' for c in cols]
    errors = [a.errors.median_errors() for a in analyses]  # (K,) each, computed once
    rows = [[n] + [_cell(a.keypoint_ap[k]) for a in analyses] + [_cell(e[k]) for e in errors]
            for k, n in enumerate(names)]
    return lines + markdown_table(header, rows)


def plot(analyses: Sequence[Analysis], names: Sequence[str], out_dir) -> List[Path]:
    """``pr_curves.png`` (OKS .5 and .75), ``error_types.png`` and ``per_keypoint.png``
    under ``out_dir``, every prediction file in each."""
    out_dir = Path(out_dir)
    paths = []
    fig, axes = new_figure(1, 2, figsize=(10, 4.2))
    for ax, thr in zip(axes, (0.5, 0.75)):
        for a in analyses:
            ax.plot(a.recall, np.nan_to_num(a.precision[thr]), label=a.name)
        ax.set(title=f'OKS {thr}', xlabel='recall', ylabel='precision', xlim=(0, 1),
               ylim=(0, 1.02))
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8, loc='lower left')
    paths.append(save_figure(fig, out_dir / 'pr_curves.png'))

    width = 0.8 / len(analyses)
    fig, ax = new_figure(figsize=(8, 4))
    x = np.arange(len(ERROR_TYPES))
    for i, a in enumerate(analyses):
        shares = a.errors.shares()
        ax.bar(x + (i - (len(analyses) - 1) / 2) * width, [shares[t] for t in ERROR_TYPES],
               width, label=a.name)
    ax.set_xticks(x, ERROR_TYPES)
    ax.set(ylabel='share of labelled keypoints', ylim=(0, 1),
           title='Keypoint error types (Ronchi & Perona)')
    ax.legend(fontsize=8)
    paths.append(save_figure(fig, out_dir / 'error_types.png'))

    fig, (ax_ap, ax_err) = new_figure(2, 1, figsize=(max(8, 0.55 * len(names) * len(analyses)),
                                                     7), sharex=True)
    x = np.arange(len(names))
    for i, a in enumerate(analyses):
        offset = (i - (len(analyses) - 1) / 2) * width
        ax_ap.bar(x + offset, np.nan_to_num(a.keypoint_ap), width, label=a.name)
        ax_err.bar(x + offset, np.nan_to_num(a.errors.median_errors()), width, label=a.name)
    ax_ap.set(ylabel='OKS AP of the keypoint alone', ylim=(0, 1.02), title='Per keypoint')
    ax_err.set(ylabel='median distance / sqrt(area)')
    ax_err.set_xticks(x, names, rotation=60, ha='right', fontsize=8)
    ax_ap.legend(fontsize=8)
    paths.append(save_figure(fig, out_dir / 'per_keypoint.png'))
    return paths


def default_names(predictions: Sequence) -> List[str]:
    """Each file's name up to its first dot; its folder's name before it where two would
    read the same (``t1r1/predictions``, ``t1r8/predictions``)."""
    stems = [Path(p).name.split('.')[0] or str(p) for p in predictions]
    if len(set(stems)) == len(stems):
        return stems
    return [f'{Path(p).resolve().parent.name}/{s}' for p, s in zip(predictions, stems)]


def analyse_files(predictions: Sequence, ann_file, keypoints: dict, out_dir,
                  names: Optional[Sequence[str]] = None) -> List[Analysis]:
    """Analyse each prediction file against ``ann_file``; print the tables, write them to
    ``out_dir/analysis.md`` and the plots (:func:`plot`) beside them. A prediction file that
    cannot be read is named with its cause and left out; the others are analysed.

    Raises:
        ValueError / FileNotFoundError: the annotation file, the names, or every prediction
            file is unusable; :class:`FilesLeftOut` (a ValueError) after the analysis of the
            others when some were left out.
    """
    num_kpts = len(keypoints['sigmas'])
    gt = load_annotations(ann_file, num_kpts)
    names = list(names) if names else default_names(predictions)
    if len(names) != len(predictions):
        raise ValueError(f'{len(names)} names for {len(predictions)} prediction files')
    analyses, left_out = [], []
    for name, path in zip(names, predictions):
        try:
            results = load_results(path, gt, num_kpts)
        except (FileNotFoundError, ValueError) as e:
            if len(predictions) == 1:
                raise
            print(f'error: {e}')
            left_out.append(str(path))
            continue
        analyses.append(analyse(name, gt, results, keypoints))
    if not analyses:
        raise ValueError(f'none of the {len(left_out)} prediction files could be read (above)')
    lines = tables(analyses, keypoints['names'])
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / 'analysis.md').write_text('\n'.join(lines) + '\n')
    print('\n'.join(lines))
    for path in plot(analyses, keypoints['names'], out_dir):
        print(f'wrote {path}')
    if left_out:
        raise FilesLeftOut(f'{len(left_out)} of {len(predictions)} prediction files left out '
                           f'(above): {", ".join(left_out)}')
    return analyses


class FilesLeftOut(ValueError):
    """Some prediction files could not be read; the others were analysed and written."""
