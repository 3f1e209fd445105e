# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
"""Reading what the COCO analysis scores: an annotation file and prediction files, checked.

Prediction files: COCO results (a list of ``{image_id, keypoints, score}``, what MMPose's
``CocoMetric`` writes to ``<outfile_prefix>.keypoints.json``), the pickle ``mim test --dump``
writes (``.pkl``: each image's ``img_id`` and ``pred_instances``; read without running it,
:func:`~lrfg_mmpose.fileio.load_data_pickle`: plain data and arrays only), or the
``predictions`` folder of ``tools/infer.py`` (one MMPose-format JSON per image, named by the
image, matched to the annotation file's ``file_name``). A person's score is its box score, as
our configs' ``CocoMetric`` scores (``score_mode='bbox'``).

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
import json
from pathlib import Path
from typing import List, Optional

import numpy as np

from ..fileio import load_data_pickle


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
