# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
"""COCO keypoint results analysed beyond one AP: AP and AR per person size, OKS precision-recall
curves, per-keypoint OKS AP, median normalised error per keypoint and Ronchi and Perona's error
types (:mod:`.keypoint_errors`), for one or several prediction files side by side, any keypoint
set (its names, sigmas and flip indices). pycocotools does the COCO evaluation.

Prediction files: COCO results (a list of ``{image_id, keypoints, score}``, what MMPose's
``CocoMetric`` writes to ``<outfile_prefix>.keypoints.json``), the pickle ``mim test --dump``
writes (``.pkl``: each image's ``img_id`` and ``pred_instances``; read without running it,
:func:`~lrfg_mmpose.fileio.load_data_pickle`: plain data and arrays only), or the
``predictions`` folder of ``tools/infer.py`` (one MMPose-format JSON per image, named by the
image, matched to the annotation file's ``file_name``). A person's score is its box score, as
our configs' ``CocoMetric`` scores (``score_mode='bbox'``).

Per-keypoint OKS AP scores each keypoint alone: the OKS of one keypoint is its keypoint
similarity (its own sigma); people without that keypoint labelled are ignore regions, as
COCOeval makes people without labelled keypoints (a prediction on them counts neither way);
everything else as COCOeval.

Bad input never gives a wrong number (pycocotools scores a NaN keypoint as a perfect match):

- a prediction with NaN or inf in its keypoint coordinates, keypoint scores or person score is
  dropped and counted per field (one warning line; it counts as not predicted);
- a prediction of another category than the annotation file's keypoint category, or of an image
  the file does not have, is dropped and counted (an error when none is left);
- a malformed prediction (keypoints not a flat list of 3K numbers, a score that is not a number,
  no image id) refuses the file in one line naming the image and the fix;
- a ground-truth person whose ``num_keypoints`` is not its count of labelled keypoints is
  recounted with a warning (COCOeval ignores people with ``num_keypoints`` 0); one without an
  ``area``, an image without an ``id``, or a file without a keypoint category refuses the file.
"""
import contextlib
import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Sequence

import numpy as np

from ..fileio import load_data_pickle, markdown_table, new_figure, save_figure
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


def _read_json(path: Path, what: str):
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        raise FileNotFoundError(f'{path}: no such {what}') from None
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise ValueError(f'{path}: not a JSON {what} ({e})') from None


def _warn(message: str) -> None:
    print(f'warning: {message}')


def _is_number(value) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)


def load_annotations(path, num_keypoints: Optional[int] = None) -> dict:
    """A COCO keypoint annotation file, checked for what COCOeval needs: images with ids, a
    keypoint category, every annotation with an ``image_id`` and an ``area``, keypoints of
    ``num_keypoints`` (when given); ``num_keypoints`` recounted where it disagrees with the
    labelled keypoints (with a warning)."""
    path = Path(path)
    gt = _read_json(path, 'annotation file')
    if not isinstance(gt, dict) or not {'images', 'annotations', 'categories'} <= set(gt):
        raise ValueError(f'{path}: not a COCO annotation file (needs images, annotations and '
                         f'categories)')
    if not gt['categories'] or not all(isinstance(c, dict) and 'id' in c
                                       for c in gt['categories']):
        raise ValueError(f'{path}: "categories" is empty or has an entry without "id"; a keypoint '
                         f'file names its person category, e.g. {{"id": 1, "name": "person", '
                         f'"keypoints": [...], "skeleton": [...]}}')
    for i, image in enumerate(gt['images']):
        if not isinstance(image, dict) or 'id' not in image:
            raise ValueError(f'{path}: image record {i} has no "id" ({str(image)[:80]}); every '
                             f'image needs the id its annotations and predictions refer to')
    recounted = []
    annotations = []
    for i, a in enumerate(gt['annotations']):
        aid = a.get('id', f'#{i}') if isinstance(a, dict) else f'#{i}'
        if not isinstance(a, dict) or 'image_id' not in a:
            raise ValueError(f'{path}: annotation {aid} has no "image_id"')
        if not _is_number(a.get('area')) or not np.isfinite(a['area']):
            raise ValueError(f'{path}: annotation {aid} (image {a["image_id"]}) has no finite '
                             f'"area" ({a.get("area")!r}); COCOeval scales OKS by it: give every '
                             f'annotation its area (the segmentation area; box width x height '
                             f'where there is no segmentation)')
        kpts = a.get('keypoints')
        if kpts is not None:
            if num_keypoints is not None and (not isinstance(kpts, list) or
                                              len(kpts) != 3 * num_keypoints):
                n = len(kpts) if isinstance(kpts, list) else type(kpts).__name__
                raise ValueError(f'{path}: annotation {aid} has {n} keypoint values, the keypoint '
                                 f'set has {num_keypoints} (x, y, v each); pass the meta file of '
                                 f'these annotations (--metainfo)')
            labelled = sum(1 for v in kpts[2::3] if _is_number(v) and v > 0)
            if a.get('num_keypoints') != labelled:
                recounted.append((aid, a.get('num_keypoints'), labelled))
                a = dict(a, num_keypoints=labelled)
        annotations.append(a)
    if recounted:
        aid, said, labelled = recounted[0]
        _warn(f'{path}: {len(recounted)} annotation(s) whose num_keypoints is not their count of '
              f'labelled keypoints (first: id {aid}, num_keypoints {said}, {labelled} labelled); '
              f'recounted here (COCOeval ignores a person whose num_keypoints is 0); mend the '
              f'file (tools/check_dataset.py lists them all)')
    return dict(gt, annotations=annotations)


def _read_dump(path: Path, category: int) -> List[dict]:
    """COCO results of ``mim test --dump``'s pickle, read without running it."""
    samples = load_data_pickle(path)
    if not isinstance(samples, list) or any(
            not isinstance(d, dict) or not {'img_id', 'pred_instances'} <= set(d) for d in samples):
        raise ValueError(f'{path}: not the pickle of mim test --dump (a list of samples with '
                         f'img_id and pred_instances)')
    results = []
    for d in samples:
        pred = d['pred_instances']
        try:
            xy = np.asarray(pred['keypoints'], dtype=np.float64)
            s = np.asarray(pred['keypoint_scores'], dtype=np.float64)[..., None]
            scores = np.asarray(pred.get('bbox_scores', pred.get('scores')),
                                dtype=np.float64).reshape(-1)
            people = np.concatenate([xy, s], -1)
        except (KeyError, TypeError, ValueError) as e:
            raise ValueError(f'{path}: image {d["img_id"]}: pred_instances without numeric '
                             f'keypoints, keypoint_scores and bbox_scores ({type(e).__name__}: '
                             f'{e})') from None
        for kpts, score in zip(people, scores):
            results.append(dict(image_id=d['img_id'], category_id=category,
                                keypoints=kpts.ravel().tolist(), score=float(score)))
    return results


def _read_infer_folder(path: Path, gt: dict, category: int) -> List[dict]:
    """COCO results of a ``tools/infer.py`` predictions folder (one JSON per image)."""
    by_stem = {Path(i['file_name']).stem: i['id'] for i in gt['images'] if 'file_name' in i}
    results = []
    for file in sorted(path.glob('*.json')):
        if file.stem not in by_stem:
            continue  # an image of another set
        people = _read_json(file, 'prediction file')
        if not isinstance(people, list) or any(
                not isinstance(p, dict) or
                not {'keypoints', 'keypoint_scores', 'bbox_score'} <= set(p) for p in people):
            raise ValueError(f'{file}: not a tools/infer.py image prediction (a list of people '
                             f'with keypoints, keypoint_scores and bbox_score); video predictions '
                             f'are not scored')
        for p in people:
            try:
                xy = np.asarray(p['keypoints'], dtype=np.float64).reshape(-1, 2)
                s = np.asarray(p['keypoint_scores'], dtype=np.float64).reshape(-1, 1)
                kpts = np.concatenate([xy, s], 1).ravel().tolist()
            except (TypeError, ValueError) as e:
                raise ValueError(f'{file}: a person\'s keypoints are not K [x, y] pairs and K '
                                 f'scores ({e})') from None
            results.append(dict(image_id=by_stem[file.stem], category_id=category,
                                keypoints=kpts, score=p['bbox_score']))
    if not results and not any(path.glob('*.json')):
        raise ValueError(f'{path}: no prediction files (*.json) in this folder')
    return results


def _check_result(path: Path, r: dict, num_keypoints: int) -> None:
    """Refuse a malformed prediction in one line naming the image and the fix."""
    image = r.get('image_id')
    if isinstance(image, bool) or not isinstance(image, (int, np.integer)):
        raise ValueError(f'{path}: a prediction has image_id {image!r}; COCO results give each '
                         f'its image\'s integer id')
    kpts = r['keypoints']
    if isinstance(kpts, list) and kpts and all(isinstance(k, (list, tuple)) for k in kpts):
        raise ValueError(f'{path}: image {image}: keypoints are nested ({len(kpts)} lists of '
                         f'{len(kpts[0])}); COCO results are flat, [x1, y1, s1, x2, y2, s2, ...] '
                         f'({3 * num_keypoints} numbers)')
    if not isinstance(kpts, list) or not all(_is_number(v) for v in kpts):
        bad = next((v for v in kpts if not _is_number(v)), kpts) if isinstance(kpts, list) \
            else kpts
        raise ValueError(f'{path}: image {image}: keypoints hold {bad!r} ({type(bad).__name__}); '
                         f'COCO results give {3 * num_keypoints} numbers, [x1, y1, s1, ...]')
    if len(kpts) != 3 * num_keypoints:
        raise ValueError(f'{path}: image {image} has a prediction of {len(kpts)} keypoint values '
                         f'({len(kpts) / 3:g} keypoints of x, y, score); the keypoint set has '
                         f'{num_keypoints}; pass the meta file it was trained with (--metainfo)')
    if not _is_number(r['score']):
        raise ValueError(f'{path}: image {image}: score {r["score"]!r} is a '
                         f'{type(r["score"]).__name__}, not a number')


def _non_finite_fields(r: dict) -> List[str]:
    """The fields of a prediction that hold NaN or inf."""
    kpts = np.asarray(r['keypoints'], dtype=np.float64).reshape(-1, 3)
    fields = []
    if not np.isfinite(kpts[:, :2]).all():
        fields.append('keypoint coordinates')
    if not np.isfinite(kpts[:, 2]).all():
        fields.append('keypoint scores')
    if not np.isfinite(r['score']):
        fields.append('person score')
    return fields


def load_results(path, gt: dict, num_keypoints: int) -> List[dict]:
    """COCO results of a prediction file (COCO results, ``mim test --dump``'s pickle) or of a
    ``tools/infer.py`` predictions folder, each ``{image_id, category_id, keypoints (3K),
    score}``. Predictions with NaN/inf, of another category or of images not in ``gt`` are
    dropped and counted (a warning line each); malformed ones refuse the file.

    Raises:
        FileNotFoundError / ValueError: one line naming the file and what is wrong with it.
    """
    path = Path(path)
    category = gt['categories'][0]['id']
    if path.is_dir():
        results = _read_infer_folder(path, gt, category)
    elif path.suffix in ('.pkl', '.pickle'):
        results = _read_dump(path, category)
    else:
        results = _read_json(path, 'prediction file')
        if not isinstance(results, list) or any(
                not isinstance(r, dict) or not {'image_id', 'keypoints', 'score'} <= set(r)
                for r in results):
            raise ValueError(f'{path}: not COCO keypoint results (a list of image_id, keypoints, '
                             f'score), as CocoMetric writes to <outfile_prefix>.keypoints.json')
    image_ids = {i['id'] for i in gt['images']}
    out, other_images, other_category, non_finite, dropped = [], 0, {}, {}, 0
    for r in results:
        _check_result(path, r, num_keypoints)
        if r.get('category_id', category) != category:
            other_category[r['category_id']] = other_category.get(r['category_id'], 0) + 1
            continue
        fields = _non_finite_fields(r)
        if fields:
            for f in fields:
                non_finite.setdefault(f, []).append(r['image_id'])
            dropped += 1
            continue
        if r['image_id'] not in image_ids:
            other_images += 1
            continue
        out.append(dict(r, category_id=category))
    n = len(results)
    if non_finite:
        per_field = ', '.join(f'{f} in {len(ids)} (first: image {ids[0]})'
                              for f, ids in non_finite.items())
        _warn(f'{path}: {dropped} of {n} '
              f'predictions hold NaN or inf: {per_field}; dropped (they count as not '
              f'predicted: a model giving NaN needs fixing)')
    if other_category:
        cats = ', '.join(f'{c} ({k})' for c, k in other_category.items())
        line = (f'{path}: predictions of category_id {cats}, the annotation file\'s keypoint '
                f'category is {category}')
        if sum(other_category.values()) == n:
            raise ValueError(f'{line}: none left to score; were they made for another '
                             f'annotation file?')
        _warn(f'{line}: dropped')
    if results and not out and other_images:
        raise ValueError(f'{path}: none of its {n} predictions is of an image of the '
                         f'annotation file; was it made on another image set?')
    if other_images:
        _warn(f'{path}: {other_images} of {n} predictions are of images not in the annotation '
              f'file; left out')
    return out


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
