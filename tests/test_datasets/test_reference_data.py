"""The paper config's data against the YOLO-Pose reference's own data code.

Fixtures in ``tests/data/yolopose-reference-mosaic`` (README there): the images the reference's
label conversion and ``LoadImagesAndLabels`` keep, three mosaics with every draw recorded, and
statistics of 300 seeded reference samples at 960.
"""
import json
import math
from pathlib import Path

import numpy as np
import pytest
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmpose.datasets.transforms import mix_img_transforms
from mmpose.registry import DATASETS, TRANSFORMS

import lrfg_mmpose  # noqa: F401
from lrfg_mmpose.apis.pipeline_benchmark import augmentation_stats, pipeline_throughput
from lrfg_mmpose.convert.yolo_keypoint_labels import write_yolo_keypoint_labels
from tests.helpers import DATA, ROOT

FIX = ROOT / 'tests' / 'data' / 'yolopose-reference-mosaic'
PAPER = Config.fromfile(str(ROOT / 'configs' / 'lrfg_yolopose_coco.py'))
init_default_scope('mmpose')


def dataset(split='train2017', pipeline=(), image_set='keypoints', test_mode=False):
    return DATASETS.build(dict(
        type='CheckedCocoDataset', data_root=str(DATA) + '/', data_mode='bottomup',
        ann_file=f'annotations/person_keypoints_{split}.json', data_prefix=dict(img=f'{split}/'),
        image_set=image_set, test_mode=test_mode, image_check_cache=False,
        pipeline=list(pipeline)))


def infos(ds):
    return [ds.get_data_info(i) for i in range(len(ds))]


def paper_transforms(size):
    """The paper config's Mosaic and YOLOv5RandomPerspective at ``size``."""
    mosaic, persp = [dict(t) for t in PAPER.train_pipeline[1:3]]
    assert (mosaic['type'], persp['type']) == ('Mosaic', 'YOLOv5RandomPerspective')
    mosaic.update(img_scale=(size, size))
    persp.update(input_size=(size, size))
    return mosaic, persp


def test_image_sets_equal_the_references():
    kept = json.loads((FIX / 'image_set.json').read_text())
    for split in ('train2017', 'val2017'):
        for test_mode in (False, True):
            ds = dataset(split, test_mode=test_mode)
            names = sorted(d['img_path'].rsplit('/', 1)[-1] for d in infos(ds))
            assert names == kept[split], (split, test_mode)
        # MMPose's sets: training takes every annotated image, evaluation every image
        everything = json.loads((DATA / 'annotations' / f'person_keypoints_{split}.json')
                                .read_text())
        assert len(dataset(split, image_set='all', test_mode=True)) == len(everything['images'])
        annotated = {a['image_id'] for a in everything['annotations']}
        assert len(dataset(split, image_set='all')) == len(annotated) > len(kept[split])


def test_crowd_dropped_and_keypointless_people_kept():
    ds = dataset()
    raw = json.loads((DATA / 'annotations' / 'person_keypoints_train2017.json').read_text())
    for info in infos(ds):
        anns = [a for a in raw['annotations'] if a['image_id'] == info['img_id']]
        people = [a for a in anns if not a['iscrowd']]
        assert len(info['bbox']) == len(info['keypoints']) == len(people)
        assert not np.asarray(info['iscrowd']).any()
        assert (np.asarray(info['keypoints_visible']).sum(1) > 0).sum() == \
            sum(a['num_keypoints'] > 0 for a in people)
    assert sum((np.asarray(d['keypoints_visible']).sum(1) == 0).sum() for d in infos(ds)) > 0


def test_mosaic_and_perspective_equal_the_reference_for_fixed_draws(monkeypatch):
    meta = json.loads((FIX / 'mosaic_fixed.json').read_text())
    ref = np.load(FIX / 'mosaic_fixed.npz')
    size = meta['size']
    mosaic_cfg, persp_cfg = paper_transforms(size)
    mosaic, persp = TRANSFORMS.build(mosaic_cfg), TRANSFORMS.build(persp_cfg)
    load = TRANSFORMS.build(dict(type='LoadImage'))
    ds = dataset()
    grey = []
    index = {d['img_path'].rsplit('/', 1)[-1]: i for i, d in enumerate(infos(ds))}
    for k, sample in enumerate(meta['samples']):
        tiles = [load(ds.get_data_info(index[f])) for f in sample['files']]
        draws = iter([(c + 0.5) / size for c in sample['centre']])  # Mosaic draws x, then y
        monkeypatch.setattr(mix_img_transforms.random, 'uniform', lambda a, b: next(draws))
        res = mosaic.apply_mix(dict(tiles[0], mixed_data_list=tiles[1:]))
        monkeypatch.undo()
        params = {key: tuple(v) if isinstance(v, list) else v for key, v in sample.items()
                  if key not in ('files', 'centre')}
        out = persp.transform(res, params)

        img, labels = ref[f'img{k}'], ref[f'labels{k}']
        diff = np.abs(out['img'].astype(int) - img)
        assert diff.max() <= 1 and (diff > 0).mean() < 0.01, (k, diff.max(), (diff > 0).mean())
        grey.append((img == 114).all(2).mean())
        # the same people kept, in the same order; boxes and keypoints within a pixel: MMPose's
        # Mosaic scales a tile's labels by the resize ratio, the reference by the truncated
        # tile size over the original (0.4 x 427 = 170.8 -> 170 rows)
        assert len(out['bbox']) == len(labels) > 0, k
        assert np.abs(out['bbox'] - labels[:, 1:5]).max() < 1.0, k
        ref_kpts = labels[:, 5:].reshape(len(labels), -1, 2)
        ref_labelled = ref_kpts[..., 0] != 0
        both = ref_labelled & (out['keypoints_visible'] > 0)
        assert np.abs(out['keypoints'] - ref_kpts)[both].max() < 1.0, k
        # labelled alike, but for keypoints within that pixel of the window's edge
        differ = ref_labelled != (out['keypoints_visible'] > 0)
        edge = np.minimum(np.abs(out['keypoints']), np.abs(out['keypoints'] - size)).min(-1)
        assert (edge[differ] < 1.0).all() and differ.sum() <= 2, k
    assert max(grey) > 0.05 and min(grey) == 0  # windows with padding and without


def test_augmentation_statistics_match_the_references_over_300_samples():
    ref = json.loads((FIX / 'mosaic_stats.json').read_text())
    ours = augmentation_stats('lrfg', ref['size'], ref['samples'])  # the paper config's data
    for key in ('grey_fraction', 'people_per_sample', 'labelled_keypoints_per_person'):
        assert ours[key] == pytest.approx(ref[key], rel=0.10), (key, ours[key], ref[key])


def test_label_conversion_writes_what_the_reference_reads(tmp_path):
    kept = json.loads((FIX / 'image_set.json').read_text())
    list_file = write_yolo_keypoint_labels(
        str(DATA / 'annotations' / 'person_keypoints_train2017.json'), str(DATA / 'train2017'),
        str(tmp_path), 'train2017')
    listed = [line.rsplit('/', 1)[-1] for line in list_file.read_text().split()]
    assert sorted(listed) == kept['train2017']
    raw = json.loads((DATA / 'annotations' / 'person_keypoints_train2017.json').read_text())
    im = next(i for i in raw['images'] if i['file_name'] == listed[0])
    people = [a for a in raw['annotations'] if a['image_id'] == im['id'] and not a['iscrowd']]
    rows = np.loadtxt(tmp_path / 'labels' / 'train2017' / (Path(listed[0]).stem + '.txt'),
                      ndmin=2)
    assert rows.shape == (len(people), 56) and (rows >= 0).all()
    # what the reference's cache_labels asserts: boxes and keypoint x, y normalised; v in 0-2
    assert (rows[:, 1:5] <= 1).all() and (rows[:, 5::3] <= 1).all() and (rows[:, 6::3] <= 1).all()
    assert set(np.unique(rows[:, 7::3])) <= {0, 1, 2}
    x, y, w, h = people[0]['bbox']
    assert np.allclose(rows[0, 1:5], [(x + w / 2) / im['width'], (y + h / 2) / im['height'],
                                      w / im['width'], h / im['height']], atol=1e-6)
    assert (tmp_path / 'images' / 'train2017' / listed[0]).is_file()


def test_loader_throughput_rows():
    rows = pipeline_throughput(size=256, repeats=2, gpu_images_per_s=100.0)
    assert set(rows) == {'lrfg', 'yoloxpose_s'}
    for row in rows.values():
        assert row['images_per_s'] > 0
        assert row['workers_per_gpu'] == math.ceil(100.0 / row['images_per_s'])
        assert row['ms_per_image'] == pytest.approx(1e3 / row['images_per_s'])
