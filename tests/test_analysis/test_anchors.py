"""Best possible recall of the anchors equals a brute-force count on the embedded data (and what
the assigner really assigns); fitted anchors never lower it; the training-start warning;
tools/anchors.py on the mini config and on the custom-keypoint example."""
import json
import runpy
from unittest import mock

import numpy as np
import pytest
import torch
from mmengine.registry import init_default_scope

from lrfg_mmpose.analysis import (anchors, best_possible_recall, config_anchor_data,
                                  fit_anchors)
from lrfg_mmpose.engine import AnchorRecallHook
from lrfg_mmpose.models.heads import assign_level
from lrfg_mmpose.structures import DEFAULT_ANCHORS
from lrfg_mmpose.utils import build_pose_model, load_config
from tests.helpers import DATA, MINI_CONFIG, ROOT, tiny_cfg

BODY13_CONFIG = ROOT / 'configs' / 'lrfg_yolopose_coco-body13-mini.py'


def brute_force(input_size: int, anchor_sets, thr: float = 4.0):
    """Straight from the annotation file: (people, matched by any anchor, matched per level)."""
    coco = json.loads((DATA / 'annotations' / 'person_keypoints_train2017.json').read_text())
    images = {i['id']: i for i in coco['images']}
    people = matched = 0
    per_level = [0] * len(anchor_sets)
    for ann in coco['annotations']:
        if ann.get('iscrowd') or not any(v > 0 for v in ann['keypoints'][2::3]):
            continue
        img = images[ann['image_id']]
        x, y, w, h = ann['bbox']
        # MMPose clips boxes to the image (x2 <= width - 1) before anything else
        w = min(max(x + w, 0), img['width'] - 1) - min(max(x, 0), img['width'] - 1)
        h = min(max(y + h, 0), img['height'] - 1) - min(max(y, 0), img['height'] - 1)
        s = min(input_size / img['width'], input_size / img['height'])
        w, h = w * s, h * s
        if w <= 1 or h <= 1:
            continue
        people += 1
        hits = [any(max(w / aw, aw / w, h / ah, ah / h) < thr for aw, ah in level)
                for level in anchor_sets]
        matched += any(hits)
        per_level = [n + hit for n, hit in zip(per_level, hits)]
    return people, matched, per_level


def mini_cfg(input_size: int):
    cfg = load_config(str(MINI_CONFIG))
    for t in cfg.train_dataloader.dataset.pipeline:
        if 'input_size' in t:
            t['input_size'] = (input_size, input_size)
    return cfg


@pytest.fixture(scope='module', autouse=True)
def scope():
    init_default_scope('mmpose')


@pytest.mark.parametrize('input_size', [320, 640])
def test_recall_equals_a_brute_force_count(input_size):
    data = config_anchor_data(mini_cfg(input_size))
    assert data['input_wh'] == (input_size, input_size)
    for anchor_sets in (DEFAULT_ANCHORS, (((4, 4), (6, 3), (3, 8)), ) * 4):
        recall = best_possible_recall(data['wh'], anchor_sets, 4.0)
        people, matched, per_level = brute_force(input_size, anchor_sets)
        assert recall.people == people == 86
        assert recall.overall == matched / people
        assert recall.per_level == tuple(n / people for n in per_level)


def test_recall_is_what_the_assigner_assigns():
    """The fraction of people the head's target assignment gives at least one positive."""
    data = config_anchor_data(mini_cfg(320))
    wh = torch.as_tensor(data['wh'], dtype=torch.float32)
    for anchor_sets in (DEFAULT_ANCHORS, (((20, 20), (30, 30), (40, 40)), ) * 4):
        anchors_t = torch.as_tensor(anchor_sets, dtype=torch.float32)
        boxes = torch.cat([torch.full_like(wh, 160.0), wh], dim=1)  # centred: all cells exist
        assigned = set()
        for level, stride in enumerate((8, 16, 32, 64)):
            t = assign_level(torch.zeros(len(wh), dtype=torch.long), boxes,
                             torch.zeros(len(wh), 1, 2), anchors_t[level], stride,
                             (320 // stride, 320 // stride), 4.0)
            assigned |= set(t.target_inds.tolist())
        assert best_possible_recall(data['wh'], anchor_sets).overall == len(assigned) / len(wh)


@pytest.mark.parametrize('config, input_size, start', [
    (MINI_CONFIG, 320, DEFAULT_ANCHORS), (MINI_CONFIG, 640, DEFAULT_ANCHORS),
    (BODY13_CONFIG, 320, DEFAULT_ANCHORS),
    (MINI_CONFIG, 640, (((4, 4), (6, 3), (3, 8)), ) * 4)])  # anchors far too small
def test_fitted_anchors_never_lower_the_recall(config, input_size, start):
    cfg = load_config(str(config))
    for t in cfg.train_dataloader.dataset.pipeline:
        if 'input_size' in t:
            t['input_size'] = (input_size, input_size)
    wh = config_anchor_data(cfg)['wh']
    before = best_possible_recall(wh, start)
    fit = fit_anchors(wh, start, generations=300)
    assert fit.anchors.shape == (4, 3, 2)
    assert fit.recall.overall >= before.overall
    areas = fit.anchors.prod(axis=2).ravel()
    assert (np.diff(areas) >= 0).all()  # smallest anchors on P3
    if before.overall < 0.5:
        assert fit.recall.overall > 0.98 and not fit.kept_current


def test_worse_fitted_anchors_are_not_offered():
    wh = config_anchor_data(mini_cfg(320))['wh']
    real = anchors.best_possible_recall

    def worse_for_fitted(boxes, anchor_sets, thr=4.0):
        result = real(boxes, anchor_sets, thr)
        if not np.array_equal(np.asarray(anchor_sets, dtype=float),
                              np.asarray(DEFAULT_ANCHORS, dtype=float)):
            result = result._replace(overall=result.overall - 0.5)
        return result

    with mock.patch.object(anchors, 'best_possible_recall', worse_for_fitted):
        fit = fit_anchors(wh, DEFAULT_ANCHORS, generations=10)
    assert fit.kept_current
    np.testing.assert_array_equal(fit.anchors, np.asarray(DEFAULT_ANCHORS, dtype=float))


def hook_runner(head_anchors):
    from mmpose.registry import DATASETS
    cfg = tiny_cfg()
    cfg.model.head.anchors = head_anchors
    dataset = DATASETS.build(cfg.train_dataloader.dataset)
    return mock.MagicMock(model=build_pose_model(cfg.model), train_dataloader=mock.MagicMock(
        dataset=dataset))


def test_training_warns_when_the_recall_is_low():
    from lrfg_mmpose.engine.hooks import anchor_recall_hook
    for anchor_sets, warns in ((DEFAULT_ANCHORS, False), ((((4, 4), (6, 3), (3, 8)), ) * 4, True)):
        runner = hook_runner(anchor_sets)
        with mock.patch.object(anchor_recall_hook, 'print_log') as log:
            AnchorRecallHook(min_recall=0.98).before_train(runner)
        message = log.call_args.args[0]
        assert message.startswith('anchor check: best possible recall')
        assert 'of 86 training people at 320x320' in message
        assert (log.call_args.kwargs.get('level') is not None) == warns
        if warns:
            assert 'python tools/anchors.py' in message


@pytest.mark.parametrize('config', [MINI_CONFIG, BODY13_CONFIG])
def test_anchors_tool(config, capsys):
    main = runpy.run_path(str(ROOT / 'tools' / 'anchors.py'))['main']
    with mock.patch('sys.argv', ['anchors.py', str(config), '--generations', '50']):
        main()
    out = capsys.readouterr().out
    assert '86 training people at 320x320' in out
    assert '| all | | | **1.0000**' in out
    assert 'model = dict(head=dict(anchors=(' in out
