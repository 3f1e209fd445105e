"""Another keypoint set end to end: COCO-Body13 (a "head" point from the face points, and the
12 body points) made from the embedded annotations, its meta file, flip pairs in the pipeline,
training, CocoMetric with its sigmas, predictions of 13 keypoints, pictures and export."""
import copy
import json

import cv2
import numpy as np
import pytest
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.registry import init_default_scope
from mmpose.datasets.datasets.utils import parse_pose_metainfo
from mmpose.registry import DATASETS, MODELS

from lrfg_mmpose.datasets import COCO_BODY13_GROUPS, regroup_keypoints, val_pipeline
from tests.helpers import DATA, ROOT, TINY_WIDTHS, perfect_outputs_ap, tiny_cfg

CONFIG = ROOT / 'configs' / 'lrfg_yolopose_coco-body13-mini.py'
META = ROOT / 'configs' / '_base_' / 'datasets' / 'coco_body13.py'
BODY13 = ROOT / 'data' / 'coco-body13' / 'annotations'
K = 13
FLIP = [0, 2, 1, 4, 3, 6, 5, 8, 7, 10, 9, 12, 11]


@pytest.fixture(scope='module', autouse=True)
def scope():
    init_default_scope('mmpose')


def tiny_body13_cfg() -> Config:
    cfg = Config.fromfile(str(CONFIG))
    cfg.model.backbone.widen_factor = 0.125
    cfg.model.neck.in_channels = TINY_WIDTHS
    cfg.model.head.in_channels = TINY_WIDTHS
    return cfg


def test_committed_annotations_are_the_regrouped_embedded_ones():
    meta = parse_pose_metainfo(dict(from_file=str(META)))
    names = [meta['keypoint_id2name'][i] for i in range(K)]
    for split in ('train2017', 'val2017'):
        src = json.loads((DATA / 'annotations' / f'person_keypoints_{split}.json').read_text())
        made = regroup_keypoints(src, COCO_BODY13_GROUPS, names, meta['skeleton_links'])
        committed = json.loads((BODY13 / f'person_keypoints_{split}.json').read_text())
        assert made == committed, f'{split}: run python tools/make_coco_body13.py'


def test_regrouping_by_hand():
    kpts = [0] * 51
    kpts[3 * 3:3 * 3 + 3] = [10, 20, 1]  # left ear
    kpts[3 * 2:3 * 2 + 3] = [30, 40, 2]  # right eye
    kpts[3 * 9:3 * 9 + 3] = [5, 6, 2]  # left wrist
    coco = dict(images=[], categories=[dict(id=1, name='person', keypoints=['x'] * 17)],
                annotations=[dict(id=1, image_id=1, keypoints=kpts, num_keypoints=3)])
    out = regroup_keypoints(coco, COCO_BODY13_GROUPS, [str(i) for i in range(K)], [(0, 1)])
    new = out['annotations'][0]['keypoints']
    assert new[:3] == [20.0, 30.0, 2]  # head: mean of the two labelled face points, max v
    assert new[3 * 5:3 * 5 + 3] == [5.0, 6.0, 2]  # left wrist, now keypoint 5
    assert sum(new[2::3]) == 4 and out['annotations'][0]['num_keypoints'] == 2
    assert out['categories'][0]['skeleton'] == [[1, 2]]
    assert coco['annotations'][0]['keypoints'] == kpts  # the input is not changed


def test_meta_file():
    meta = parse_pose_metainfo(dict(from_file=str(META)))
    assert meta['num_keypoints'] == K
    assert list(meta['flip_indices']) == FLIP
    np.testing.assert_allclose(meta['sigmas'][:3], [0.097, 0.079, 0.079])
    assert len(meta['skeleton_links']) == 14


def test_flip_pairs_in_the_training_pipeline():
    """RandomFlip takes the flip indices from the dataset's meta file: after a horizontal flip,
    keypoint j lies where keypoint FLIP[j] was, mirrored."""
    cfg = tiny_body13_cfg()
    ds_cfg = copy.deepcopy(cfg.train_dataloader.dataset)
    pipeline = [t for t in ds_cfg.pipeline if t['type'] not in ('GenerateTarget', 'PackPoseInputs')]
    flip = next(t for t in pipeline if t['type'] == 'RandomFlip')
    ds_cfg.update(data_root=str(ROOT / 'data'), pipeline=pipeline)
    results = {}
    for prob in (0.0, 1.0):
        flip['prob'] = prob
        results[prob] = DATASETS.build(copy.deepcopy(ds_cfg))[0]
    plain, flipped = results[0.0], results[1.0]
    width = plain['img'].shape[1]
    assert list(flipped['flip_indices']) == FLIP
    np.testing.assert_allclose(flipped['keypoints'][..., 0],
                               width - 1 - plain['keypoints'][:, FLIP, 0], atol=1e-3)
    np.testing.assert_array_equal(flipped['keypoints_visible'],
                                  plain['keypoints_visible'][:, FLIP])


def test_perfect_13_keypoint_outputs_score_ap_one_with_the_body13_sigmas():
    cfg = tiny_body13_cfg()
    ann = BODY13 / 'person_keypoints_val2017.json'
    ds_cfg = copy.deepcopy(cfg.val_dataloader.dataset)
    ds_cfg.update(data_root=str(ROOT / 'data'), pipeline=val_pipeline((256, 256)))
    ds = DATASETS.build(ds_cfg)
    model = MODELS.build(cfg.model).eval()
    assert model.head.num_keypoints == K
    np.testing.assert_allclose(ds.metainfo['sigmas'],
                               parse_pose_metainfo(dict(from_file=str(META)))['sigmas'])
    assert perfect_outputs_ap(model, ds, ann, cfg) == pytest.approx(1.0, abs=1e-3)


def test_head_and_data_with_other_keypoint_counts_are_named():
    cfg = tiny_body13_cfg()
    ds_cfg = copy.deepcopy(cfg.train_dataloader.dataset)
    ds_cfg.update(data_root=str(ROOT / 'data'))
    batch = pseudo_collate([DATASETS.build(ds_cfg)[0]])
    model = MODELS.build(tiny_cfg().model)  # 17 keypoints
    with pytest.raises(ValueError, match=r'the data has 13 keypoints per person but the head was '
                                         r'built for 17'):
        model.loss(*model.data_preprocessor(batch, True).values())


@pytest.mark.slow  # a short training run with evaluation, inference and an export
def test_trains_evaluates_predicts_draws_and_exports(tmp_path):
    from mmengine.runner import Runner

    from lrfg_mmpose.apis import infer
    from lrfg_mmpose.deploy import Predictor
    from lrfg_mmpose.export import export, sidecar_path
    cfg = tiny_body13_cfg()
    cfg.merge_from_dict(dict(
        work_dir=str(tmp_path / 'work'), train_cfg=dict(max_epochs=2, val_interval=2),
        default_hooks=dict(checkpoint=dict(interval=2), logger=dict(interval=1)),
        randomness=dict(seed=0)))
    # its own visualizer (MMEngine keeps one per name for the process; an earlier test's would
    # write this run's scalars into that test's folder)
    cfg.visualizer.name = f'visualizer-{tmp_path.as_posix()}'
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        cfg[loader].dataset.data_root = str(ROOT / 'data')
    cfg.val_evaluator.ann_file = cfg.test_evaluator.ann_file = str(
        BODY13 / 'person_keypoints_val2017.json')
    config = tmp_path / 'body13.py'
    cfg.dump(str(config))
    runner = Runner.from_cfg(cfg)
    runner.train()
    metrics = runner.val_loop.run()
    assert {'coco/AP', 'coco/AR'} <= set(metrics)
    log = next((tmp_path / 'work').glob('*/vis_data/scalars.json')).read_text().splitlines()
    losses = [json.loads(line)['loss'] for line in log if '"loss"' in line]
    iters = 2 * -(-len(runner.train_dataloader.dataset) // cfg.train_dataloader.batch_size)
    assert len(losses) == iters > 0 and all(np.isfinite(losses))
    checkpoint = tmp_path / 'work' / 'epoch_2.pth'

    image = sorted((DATA / 'val2017').glob('*.jpg'))[0]
    report = infer(str(image), str(config), str(checkpoint), str(tmp_path / 'vis'), score_thr=0,
                   progress=False)
    people = json.loads((report.out_dir / 'predictions' / f'{image.stem}.json').read_text())
    assert len(people) > 0 and all(len(p['keypoints']) == K for p in people)
    drawn = cv2.imread(str(report.out_dir / 'vis' / image.name))
    assert drawn.shape == cv2.imread(str(image)).shape

    onnx_path = export(config, checkpoint, tmp_path / 'body13.onnx', 'onnx', (256, 256))
    meta = json.loads(sidecar_path(onnx_path).read_text())
    assert meta['outputs']['num_keypoints'] == K and meta['keypoints']['names'][0] == 'head'
    assert meta['keypoints']['flip_indices'] == FLIP
    exported = Predictor(onnx_path)(cv2.imread(str(image)))  # the sidecar's NMS threshold
    assert exported['keypoints'].shape[1:] == (K, 2)
    assert exported['keypoint_scores'].shape[1] == K
