"""The results analysis on predictions made from the embedded ground truth with known
perturbations: each must land in its error type, with hand-computed AP and errors."""
import copy
import json
import subprocess
import sys

import cv2
import numpy as np
import pytest

from lrfg_mmpose.analysis import analyse, analyse_files, load_annotations, load_results
from lrfg_mmpose.structures import keypoint_meta, pose_metainfo
from tests.helpers import DATA, ROOT

ANN = DATA / 'annotations' / 'person_keypoints_val2017.json'
COCO_META = keypoint_meta(pose_metainfo('configs/_base_/datasets/coco.py'))
SIGMAS = np.asarray(COCO_META['sigmas'])
L_WRIST, R_WRIST = 9, 10


def people(gt):
    """The people COCOeval scores: not crowd, some keypoint labelled."""
    return [a for a in gt['annotations'] if not a['iscrowd'] and a['num_keypoints'] > 0]


def exact(gt):
    """A prediction per person at its labelled keypoints (the others at its box centre, on the
    person, as a model puts them), score 1."""
    out = []
    for a in people(gt):
        k = np.asarray(a['keypoints'], float).reshape(-1, 3).copy()
        x, y, w, h = a['bbox']
        k[k[:, 2] == 0, :2] = (x + w / 2, y + h / 2)
        k[:, 2] = 1
        out.append(dict(image_id=a['image_id'], category_id=1, score=1.0, keypoints=k, ann=a))
    return out


def kpts(r):
    return np.asarray(r['keypoints'], float).reshape(-1, 3)


def done(results):
    out = []
    for r in results:
        r = {k: v for k, v in r.items() if k != 'ann'}
        r['keypoints'] = np.asarray(r['keypoints'], float).ravel().tolist()
        out.append(r)
    return out


def ks(a, b, area, sigma):
    return np.exp(-np.sum((np.asarray(a) - b) ** 2) / (2 * area * (2 * sigma) ** 2))


@pytest.fixture(scope='module')
def gt():
    return load_annotations(ANN)


@pytest.fixture(scope='module')
def single(gt):
    """The images with one person and nothing else annotated: there a keypoint scored alone
    cannot be taken for another person's (in crowds it can, as COCOeval scores it)."""
    count = {}
    for a in gt['annotations']:
        count[a['image_id']] = count.get(a['image_id'], 0) + 1
    ids = {a['image_id'] for a in people(gt) if count[a['image_id']] == 1}
    return dict(gt, images=[i for i in gt['images'] if i['id'] in ids],
                annotations=[a for a in gt['annotations'] if a['image_id'] in ids])


def test_exact_predictions_are_all_good(gt, single):
    a = analyse('exact', gt, done(exact(gt)), COCO_META)
    assert a.summary['AP'] == pytest.approx(1.0) and a.summary['AR'] == pytest.approx(1.0)
    assert a.errors.shares()['good'] == 1.0
    assert a.errors.people == len(people(gt)) and a.errors.people_missed == 0
    np.testing.assert_allclose(a.errors.median_errors(), 0.0, atol=1e-9)
    assert len(single['images']) >= 5
    np.testing.assert_allclose(analyse('exact', single, done(exact(single)), COCO_META)
                               .keypoint_ap, 1.0)


def test_one_sigma_offset_is_jitter_with_hand_computed_ap_and_error(gt, single):
    """Every keypoint moved by s * 2 sigma (s = sqrt(area), 2 sigma COCO's kappa): its keypoint
    similarity is exp(-1/2) = 0.61, jitter; the OKS of everyone is 0.61, so AP counts the OKS
    thresholds 0.50, 0.55 and 0.60 of ten: 0.3, overall and per keypoint; the normalised error
    is 2 sigma."""
    def offset(results):
        for r in results:
            k = kpts(r)
            k[:, 0] += np.sqrt(r['ann']['area']) * 2 * SIGMAS
            r['keypoints'] = k
        return done(results)

    a = analyse('offset', gt, offset(exact(gt)), COCO_META)
    assert a.errors.shares()['jitter'] == 1.0
    assert a.summary['AP'] == pytest.approx(0.3, abs=1e-6)
    np.testing.assert_allclose(a.errors.median_errors(), 2 * SIGMAS, rtol=1e-6)
    np.testing.assert_allclose(analyse('offset', single, offset(exact(single)), COCO_META)
                               .keypoint_ap, 0.3, atol=1e-6)


def test_left_right_wrists_exchanged_in_a_person_are_inversions(gt):
    """Ronchi & Perona's inversion is the left-right confusion within a person (their swap is
    with another person: next test). Only people whose wrists are far apart are changed."""
    results, changed = exact(gt), 0
    for r in results:
        k, area = kpts(r), r['ann']['area']
        lw, rw = k[L_WRIST, :2].copy(), k[R_WRIST, :2].copy()
        labelled = np.asarray(r['ann']['keypoints']).reshape(-1, 3)[:, 2] > 0
        if labelled[L_WRIST] and labelled[R_WRIST] and ks(lw, rw, area, SIGMAS[L_WRIST]) < 0.1:
            k[L_WRIST, :2], k[R_WRIST, :2] = rw, lw
            r['keypoints'] = k
            changed += 1
    assert changed >= 3
    a = analyse('inverted', gt, done(results), COCO_META)
    assert a.errors.counts['inversion'][L_WRIST] == changed
    assert a.errors.counts['inversion'][R_WRIST] == changed
    assert a.errors.counts['inversion'].sum() == 2 * changed
    assert a.errors.counts['swap'].sum() == a.errors.counts['miss'].sum() == 0
    assert a.keypoint_ap[L_WRIST] < a.keypoint_ap[0]


def test_a_wrist_taken_from_another_person_is_a_swap_and_a_missing_person_a_miss(gt):
    results = exact(gt)
    by_image = {}
    for r in results:
        by_image.setdefault(r['image_id'], []).append(r)
    # two people of one image with left wrists far apart, both labelled
    pair = None
    for rs in by_image.values():
        for a in rs:
            for b in rs:
                ka, kb = kpts(a), kpts(b)
                la = np.asarray(a['ann']['keypoints']).reshape(-1, 3)[:, 2] > 0
                lb = np.asarray(b['ann']['keypoints']).reshape(-1, 3)[:, 2] > 0
                if a is not b and la[L_WRIST] and lb[L_WRIST] and la[R_WRIST] and \
                        ks(kb[L_WRIST, :2], ka[L_WRIST, :2], a['ann']['area'],
                           SIGMAS[L_WRIST]) < 0.1 and \
                        ks(kb[L_WRIST, :2], ka[R_WRIST, :2], a['ann']['area'],
                           SIGMAS[R_WRIST]) < 0.1:
                    pair = pair or (a, b)
    a_pred, b_pred = pair
    k = kpts(a_pred)
    k[L_WRIST, :2] = kpts(b_pred)[L_WRIST, :2]
    a_pred['keypoints'] = k
    # and one person of another image not predicted at all
    gone = next(r for r in results if r['image_id'] != a_pred['image_id'])
    gone_labelled = int(np.sum(np.asarray(gone['ann']['keypoints']).reshape(-1, 3)[:, 2] > 0))
    results.remove(gone)
    an = analyse('swapped', gt, done(results), COCO_META)
    assert an.errors.counts['swap'].sum() == an.errors.counts['swap'][L_WRIST] == 1
    assert an.errors.counts['inversion'].sum() == 0
    assert an.errors.counts['miss'].sum() == gone_labelled
    assert an.errors.people_missed == 1 and an.errors.false_positives == 0
    assert an.summary['AR'] < 1.0


def test_any_keypoint_set_and_the_infer_folder_format(tmp_path):
    """The 13-keypoint set of data/coco-body13 given as tools/infer.py's predictions folder
    (one MMPose-format JSON per image) of three of its images."""
    meta = keypoint_meta(pose_metainfo('configs/_base_/datasets/coco_body13.py'))
    full = json.loads((ROOT / 'data' / 'coco-body13' / 'annotations' /
                       'person_keypoints_val2017.json').read_text())
    images = full['images'][:3]
    ids = {i['id'] for i in images}
    sub = dict(full, images=images, annotations=[a for a in full['annotations']
                                                 if a['image_id'] in ids])
    ann = tmp_path / 'ann.json'
    ann.write_text(json.dumps(sub))
    folder = tmp_path / 'predictions'
    folder.mkdir()
    for image in images:
        inst = [dict(keypoints=kpts(r)[:, :2].tolist(), keypoint_scores=[1.0] * 13,
                     bbox=[[0, 0, 1, 1]], bbox_score=1.0)
                for r in exact(sub) if r['image_id'] == image['id']]
        (folder / (image['file_name'].rsplit('.', 1)[0] + '.json')).write_text(json.dumps(inst))
    results = load_results(folder, sub, 13)
    assert len(results) == len(people(sub)) > 0
    [a] = analyse_files([folder], ann, meta, tmp_path / 'out')
    assert a.summary['AP'] == pytest.approx(1.0) and len(a.keypoint_ap) == 13
    table = (tmp_path / 'out' / 'analysis.md').read_text()
    assert all(f'| {n} |' in table for n in meta['names'])
    with pytest.raises(ValueError, match=r'39 keypoint values \(13 keypoints of x, y, score\); '
                       r'the keypoint set has 17; pass the meta'):
        load_results(folder, json.loads(ANN.read_text()) | dict(images=sub['images']), 17)


def test_tool_two_files_side_by_side_plots_and_bad_input(gt, tmp_path):
    good = tmp_path / 'good.keypoints.json'
    good.write_text(json.dumps(done(exact(gt))))
    moved = copy.deepcopy(exact(gt))
    for r in moved:
        k = kpts(r)
        k[:, 1] += np.sqrt(r['ann']['area']) * 2 * SIGMAS
        r['keypoints'] = k
    jit = tmp_path / 'jitter.keypoints.json'
    jit.write_text(json.dumps(done(moved)))
    tool = [sys.executable, str(ROOT / 'tools' / 'analyze_results.py')]
    proc = subprocess.run([*tool, str(good), str(jit), '--names', 't1r1', 't1r8', '--ann',
                           str(ANN), '--out-dir', str(tmp_path / 'out')],
                          capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert '| metric | t1r1 | t1r8 |' in proc.stdout and '| AP | 1.000 | 0.300 |' in proc.stdout
    assert '| jitter | 0.000 | 1.000 |' in proc.stdout
    for name in ('pr_curves', 'error_types', 'per_keypoint'):
        image = cv2.imread(str(tmp_path / 'out' / f'{name}.png'))
        assert image is not None and image.std() > 10  # drawn, not blank
    bad = tmp_path / 'bad.json'  # the tool prints the message of these as its one line
    bad.write_text('{"not": "a list"')
    with pytest.raises(ValueError, match=f'^{bad}: not a JSON prediction file'):
        load_results(bad, gt, 17)
    bad.write_text('{"not": "a list"}')
    with pytest.raises(ValueError, match=f'^{bad}: not COCO keypoint results'):
        load_results(bad, gt, 17)
    with pytest.raises(FileNotFoundError, match='no such prediction file'):
        load_results(tmp_path / 'nope.json', gt, 17)


def test_default_names_and_undefined_cells(gt):
    from lrfg_mmpose.analysis.coco_results import default_names, tables
    assert default_names(['w/t1r1/predictions.keypoints.json',
                          'w/t1r8/predictions.keypoints.json']) == ['t1r1/predictions',
                                                                    't1r8/predictions']
    assert default_names(['t1r1.keypoints.json', 't1r8.json']) == ['t1r1', 't1r8']
    # nobody of medium size: COCOeval's -1 is shown as undefined, not as 0
    large = dict(gt, annotations=[a for a in gt['annotations'] if a['area'] > 96 ** 2])
    a = analyse('large', large, done(exact(large)), COCO_META)
    assert np.isnan(a.summary['AP (M)']) and a.summary['AP (L)'] == pytest.approx(1.0)
    assert '| AP (M) | - |' in tables([a], COCO_META['names'])


def test_mim_test_dump_pickle_reads_as_the_coco_results(gt, tmp_path):
    """What `mim test --dump` writes: per image its img_id and pred_instances (numpy)."""
    import pickle
    results = done(exact(gt))
    samples = []
    for image in gt['images']:
        mine = [r for r in results if r['image_id'] == image['id']]
        k = np.asarray([r['keypoints'] for r in mine]).reshape(len(mine), 17, 3)
        samples.append(dict(img_id=image['id'], pred_instances=dict(
            keypoints=k[..., :2], keypoint_scores=k[..., 2],
            bbox_scores=np.asarray([r['score'] for r in mine]))))
    dump = tmp_path / 'dump.pkl'
    dump.write_bytes(pickle.dumps(samples))
    read = load_results(dump, gt, 17)
    assert sorted((r['image_id'], r['keypoints']) for r in read) == \
        sorted((r['image_id'], r['keypoints']) for r in results)
    assert analyse('dump', gt, read, COCO_META).summary['AP'] == pytest.approx(1.0)
    dump.write_bytes(pickle.dumps({'not': 'samples'}))
    with pytest.raises(ValueError, match='not the pickle of mim test --dump'):
        load_results(dump, gt, 17)


# Bad input: never a wrong number printed as right, one line for every mistake.

def test_nan_keypoints_are_dropped_and_counted_never_scored_as_perfect(gt, capsys):
    """pycocotools scores a NaN keypoint as a perfect match (NaN < threshold is False): all-NaN
    predictions gave AP 1.000. They are dropped and counted per field instead."""
    from lrfg_mmpose.analysis.coco_results import coco_keypoint_eval as raw_eval
    results = done(exact(gt))
    all_nan = [dict(r, keypoints=[float('nan')] * 51) for r in results]
    assert raw_eval(gt, all_nan, SIGMAS).stats[0] == pytest.approx(1.0)  # the trap
    out = load_results_from(gt, all_nan)
    assert out == []
    line = capsys.readouterr().out
    assert f'{len(results)} of {len(results)} predictions hold NaN or inf' in line
    assert f'keypoint coordinates in {len(results)} (first: image' in line
    assert analyse('nan', gt, out, COCO_META).summary['AP'] == 0.0
    # a few: those dropped, each field counted, the rest scored
    mixed = copy.deepcopy(results)
    mixed[0]['keypoints'][4] = float('inf')  # a y coordinate
    mixed[1]['keypoints'][2] = float('nan')  # a keypoint score
    mixed[2]['score'] = float('nan')
    out = load_results_from(gt, mixed)
    assert len(out) == len(results) - 3
    line = capsys.readouterr().out
    assert '3 of' in line and 'keypoint coordinates in 1' in line and \
        'keypoint scores in 1' in line and 'person score in 1' in line


def load_results_from(gt, results, tmp=None):
    import tempfile
    with tempfile.TemporaryDirectory() as d:
        path = __import__('pathlib').Path(d) / 'r.keypoints.json'
        path.write_text(json.dumps(results))
        return load_results(path, gt, 17)


def test_malformed_predictions_refuse_the_file_in_one_line(gt):
    results = done(exact(gt))
    image = results[0]['image_id']
    for change, message in [
            (dict(score='0.9'), f'image {image}: score \'0.9\' is a str, not a number'),
            (dict(keypoints=np.reshape(results[0]['keypoints'], (17, 3)).tolist()),
             r'keypoints are nested \(17 lists of 3\); COCO results are flat'),
            (dict(keypoints=['x'] * 51), r"keypoints hold 'x' \(str\)"),
            (dict(image_id='139'), "a prediction has image_id '139'"),
            (dict(keypoints=results[0]['keypoints'][:39]),
             r'39 keypoint values \(13 keypoints of x, y, score\); the keypoint set has 17')]:
        with pytest.raises(ValueError, match=message):
            load_results_from(gt, [dict(results[0], **change)] + results[1:])


def test_predictions_of_another_category_are_named(gt, capsys):
    results = done(exact(gt))
    with pytest.raises(ValueError, match=r'category_id 2 \(\d+\), the annotation file\'s keypoint '
                       r'category is 1: none left to score'):
        load_results_from(gt, [dict(r, category_id=2) for r in results])
    out = load_results_from(gt, [dict(results[0], category_id=2)] + results[1:])
    assert len(out) == len(results) - 1
    assert 'category_id 2 (1)' in capsys.readouterr().out


def test_ground_truth_mistakes(tmp_path, capsys):
    raw = json.loads(ANN.read_text())
    ann = tmp_path / 'ann.json'

    def refused(data, message):
        ann.write_text(json.dumps(data))
        with pytest.raises(ValueError, match=message):
            load_annotations(ann, 17)

    no_area = copy.deepcopy(raw)
    del no_area['annotations'][3]['area']
    refused(no_area, f'annotation {raw["annotations"][3]["id"]} .* has no finite "area"')
    refused(dict(raw, categories=[]), '"categories" is empty')
    no_id = copy.deepcopy(raw)
    del no_id['images'][2]['id']
    refused(no_id, 'image record 2 has no "id"')

    # a labelled person whose num_keypoints says 0: COCOeval would ignore it silently
    i = next(i for i, a in enumerate(raw['annotations']) if a['num_keypoints'] > 0 and
             not a['iscrowd'])
    wrong = copy.deepcopy(raw)
    wrong['annotations'][i]['num_keypoints'] = 0
    ann.write_text(json.dumps(wrong))
    fixed = load_annotations(ann, 17)
    assert fixed['annotations'][i]['num_keypoints'] == raw['annotations'][i]['num_keypoints']
    assert f'(first: id {raw["annotations"][i]["id"]}, num_keypoints 0' in capsys.readouterr().out
    # scored as the person it is: a prediction missing only that person lowers the recall
    gt = load_annotations(ANN)
    others = [r for r in done(exact(gt)) if not np.allclose(
        r['keypoints'][:2], raw['annotations'][i]['keypoints'][:2]) or
        r['image_id'] != raw['annotations'][i]['image_id']]
    assert analyse('x', fixed, others, COCO_META).summary['AR'] < 1.0

    # and the dataset check names it
    from lrfg_mmpose.datasets import check_coco_keypoints
    check = check_coco_keypoints(ann, None, 17)
    assert any('num_keypoints is not its count of labelled keypoints: recounted '
               f'(annotation id {raw["annotations"][i]["id"]})' in line for line in check.lines())


def test_a_crafted_results_pickle_runs_nothing(gt, tmp_path):
    """A pickle that calls os.system when read: refused before the call, naming it."""
    import pickle

    class Crafted:
        def __reduce__(self):
            return (__import__('os').system, (f'touch {tmp_path / "ran"}', ))

    dump = tmp_path / 'dump.pkl'
    dump.write_bytes(pickle.dumps([dict(img_id=1, pred_instances=Crafted())]))
    with pytest.raises(ValueError, match=r'dump.pkl: not read: it refers to (posix|nt)\.system'):
        load_results(dump, gt, 17)
    assert not (tmp_path / 'ran').exists()


def test_one_bad_file_of_several_leaves_the_others_analysed(gt, tmp_path):
    good = tmp_path / 'good.keypoints.json'
    good.write_text(json.dumps(done(exact(gt))))
    bad = tmp_path / 'bad.keypoints.json'
    bad.write_text(json.dumps([dict(done(exact(gt))[0], score='high')]))
    proc = subprocess.run([sys.executable, str(ROOT / 'tools' / 'analyze_results.py'), str(bad),
                           str(good), '--ann', str(ANN), '--out-dir', str(tmp_path / 'out')],
                          capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 1
    assert f'error: {bad}: image' in proc.stdout and '| metric | good |' in proc.stdout
    assert '1 of 2 prediction files left out' in proc.stderr
    assert (tmp_path / 'out' / 'analysis.md').is_file()
    assert 'does not exist' not in proc.stderr  # no warning about MMPose's own meta file
