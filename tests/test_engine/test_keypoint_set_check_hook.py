# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
"""KeypointSetCheckHook: a run whose datasets and head hold different keypoint sets stops at
``before_run`` with both named; matching sets and loops not built pass."""
from pathlib import Path
from types import SimpleNamespace

import pytest
from mmengine.config import Config
from mmpose.datasets.datasets.utils import parse_pose_metainfo

from lrfg_mmpose.engine.hooks import KeypointSetCheckHook

ROOT = Path(__file__).resolve().parents[2]
BODY13 = str(ROOT / 'configs' / '_base_' / 'datasets' / 'coco_body13.py')


def runner(head_keypoints, **datasets_meta):
    head = SimpleNamespace(num_keypoints=head_keypoints, metainfo='the head meta file')
    loops = {f'_{name}_loop': SimpleNamespace(dataloader=SimpleNamespace(
        dataset=SimpleNamespace(metainfo=meta))) for name, meta in datasets_meta.items()}
    return SimpleNamespace(model=SimpleNamespace(head=head), **loops)


def test_other_keypoint_set_is_refused_naming_both():
    body13 = parse_pose_metainfo(dict(from_file=BODY13))
    with pytest.raises(ValueError, match=r'val_dataloader.dataset has 13 keypoints per person '
                                         r'\(coco_body13\) but the head has 17 .*the head meta'):
        KeypointSetCheckHook().before_run(runner(17, val=body13))


def test_same_keypoint_set_and_unbuilt_loops_pass():
    body13 = parse_pose_metainfo(dict(from_file=BODY13))
    hook = KeypointSetCheckHook()
    hook.before_run(runner(13, train=body13, val=body13))
    # a loop still given as a config dict (not built in this run) is not looked at
    hook.before_run(SimpleNamespace(model=SimpleNamespace(head=SimpleNamespace(num_keypoints=17)),
                                    _train_loop=dict(type='EpochBasedTrainLoop')))


def test_the_main_config_has_the_check():
    cfg = Config.fromfile(str(ROOT / 'configs' / 'lrfg_yolopose_coco.py'))
    assert 'KeypointSetCheckHook' in [h['type'] for h in cfg.custom_hooks]
