"""CheckedCocoDataset: each kind of bad annotation, injected into a copy of the embedded
annotations, is counted, named and filtered and training on the result gives finite losses
(MMPose's CocoDataset gives NaN or trains on it silently); bad image files are skipped or stop
the build with the full list; the image check is cached."""
import copy
import json
import math
import shutil
from pathlib import Path
from unittest import mock

import pytest
import torch
from mmengine.dataset import pseudo_collate
from mmengine.optim import build_optim_wrapper
from mmengine.registry import init_default_scope
from mmpose.registry import DATASETS, MODELS

from lrfg_mmpose.datasets import DatasetError, fixed_train_pipeline
from lrfg_mmpose.datasets import checked_coco_dataset
from lrfg_mmpose.fileio import image_check
from tests.helpers import DATA, tiny_cfg

SIZE = 192
NUM_IMAGES = 4


@pytest.fixture(scope='module', autouse=True)
def scope():
    init_default_scope('mmpose')


def embedded_subset():
    """The first 4 training images with keypoint-annotated people, all their records, and the
    annotation that the injections damage (one with more than 5 labelled keypoints)."""
    coco = json.loads((DATA / 'annotations' / 'person_keypoints_train2017.json').read_text())
    with_people = {a['image_id'] for a in coco['annotations'] if a['num_keypoints'] > 0}
    images = [i for i in sorted(coco['images'], key=lambda i: i['id'])
              if i['id'] in with_people][:NUM_IMAGES]
    ids = {i['id'] for i in images}
    anns = [a for a in coco['annotations'] if a['image_id'] in ids]
    target = next(a for a in anns if a['num_keypoints'] > 5)
    return dict(coco, images=images, annotations=anns), target['id']


def inject(kind: str):
    """A copy of the subset with one problem of ``kind`` in the target annotation; the ids of
    the keypoints it touches."""
    coco, target_id = embedded_subset()
    coco = copy.deepcopy(coco)
    ann = next(a for a in coco['annotations'] if a['id'] == target_id)
    kpts = ann['keypoints']
    labelled = [k for k in range(17) if kpts[3 * k + 2] > 0]
    touched = labelled[:1]
    if kind == 'zero_box':
        ann['bbox'][2] = 0
    elif kind == 'negative_box':
        ann['bbox'][3] = -20.0
    elif kind == 'nan_box':
        ann['bbox'][0] = float('nan')
    elif kind == 'inf_keypoint':
        kpts[3 * labelled[0]] = float('inf')
    elif kind == 'nan_keypoint':
        kpts[3 * labelled[0] + 1] = float('nan')
    elif kind == 'keypoints_outside':
        kpts[3 * labelled[0]] = -500.0
        kpts[3 * labelled[1] + 1] = 5000.0
        touched = labelled[:2]
    elif kind == 'labelled_at_origin':
        kpts[3 * labelled[0]:3 * labelled[0] + 2] = [0, 0]
    elif kind == 'missing_image':
        ann['image_id'] = 987654321
    elif kind == 'negative_visibility':
        kpts[3 * labelled[0] + 2] = -1
    else:
        raise ValueError(kind)
    return coco, ann['id'], touched


# kind -> (report kind, what happens to the annotation, counted)
CASES = {
    'zero_box': ('empty_box', 'dropped', 1),
    'negative_box': ('empty_box', 'dropped', 1),
    'nan_box': ('non_finite', 'dropped', 1),
    'inf_keypoint': ('non_finite', 'dropped', 1),
    'nan_keypoint': ('non_finite', 'dropped', 1),
    'keypoints_outside': ('kpt_outside', 'unlabelled', 2),
    'labelled_at_origin': ('kpt_at_origin', 'unlabelled', 1),
    'missing_image': ('no_image', 'dropped', 1),
    'negative_visibility': ('bad_visibility', 'dropped', 1),
}


def build(ann_file: Path, img_dir: Path = DATA / 'train2017', dataset_type='CheckedCocoDataset',
          **kwargs):
    cfg = copy.deepcopy(tiny_cfg().train_dataloader.dataset)
    cfg.update(type=dataset_type, data_root='', ann_file=str(ann_file),
               data_prefix=dict(img=str(img_dir) + '/'), pipeline=fixed_train_pipeline((SIZE, SIZE)),
               **kwargs)
    if dataset_type == 'CocoDataset':
        cfg.pop('bad_images')
        cfg.pop('bad_annotations')
        cfg.pop('image_set')
    return DATASETS.build(cfg)


def train_losses(ds, steps: int = 2):
    torch.manual_seed(0)
    cfg = tiny_cfg()
    model = MODELS.build(cfg.model)
    model.init_weights()
    optim = build_optim_wrapper(model, dict(optimizer=dict(type='AdamW', lr=1e-3)))
    batch = pseudo_collate([ds[i] for i in range(len(ds))])
    return [{k: v.item() for k, v in model.train_step(batch, optim).items()} for _ in range(steps)]


@pytest.mark.parametrize('kind', list(CASES))
def test_injected_annotation_problem_is_named_filtered_and_trains(kind, tmp_path):
    report_kind, effect, count = CASES[kind]
    coco, ann_id, touched = inject(kind)
    ann_file = tmp_path / f'{kind}.json'
    ann_file.write_text(json.dumps(coco))  # Python's json writes NaN/Infinity, as some tools do
    with mock.patch.object(checked_coco_dataset, 'print_log') as log:
        ds = build(ann_file)
    report = ds.annotation_report
    assert dict(report.counts) == {report_kind: count}
    assert report.ids[report_kind] == [ann_id]
    logged = ' '.join(str(c.args[0]) for c in log.call_args_list)
    assert f'annotation check: {ann_file}: {count} ' in logged and f'id {ann_id})' in logged

    instances = [ds.get_data_info(i) for i in range(len(ds))]
    kept = [inst for inst in instances if ann_id in inst['id']]
    if effect == 'dropped':
        assert kept == []
    else:
        info = kept[0]
        row = info['id'].index(ann_id)
        assert info['keypoints_visible'][row, touched].tolist() == [0.0] * len(touched)
        assert info['num_keypoints'][row] == coco_num_labelled(coco, ann_id) - len(touched)
    losses = train_losses(ds)
    assert all(math.isfinite(v) for log_ in losses for v in log_.values()), losses


def coco_num_labelled(coco, ann_id):
    ann = next(a for a in coco['annotations'] if a['id'] == ann_id)
    return sum(v > 0 for v in ann['keypoints'][2::3])


@pytest.mark.parametrize('kind', ['nan_keypoint', 'inf_keypoint'])
def test_mmpose_cocodataset_gives_a_nan_loss_on_the_same_files(kind, tmp_path):
    """The negative control: MMPose's own CocoDataset on the same injected file."""
    coco, _, _ = inject(kind)
    ann_file = tmp_path / f'{kind}.json'
    ann_file.write_text(json.dumps(coco))
    losses = train_losses(build(ann_file, dataset_type='CocoDataset'))
    assert any(math.isnan(log_['loss']) for log_ in losses)


def test_stop_mode_lists_every_problem(tmp_path):
    coco, target_id = embedded_subset()
    coco = copy.deepcopy(coco)
    others = [a for a in coco['annotations'] if a['id'] != target_id]
    others[0]['bbox'][2] = 0
    others[1]['image_id'] = 5
    others[2]['bbox'][1] = float('nan')
    ann_file = tmp_path / 'three.json'
    ann_file.write_text(json.dumps(coco))
    with pytest.raises(DatasetError) as err:
        build(ann_file, bad_annotations='stop')
    message = str(err.value)
    for kind_text, ann in (('zero or negative width', others[0]), ('not in "images"', others[1]),
                           ('NaN or inf', others[2])):
        assert kind_text in message and str(ann['id']) in message
    assert "bad_annotations='filter'" in message


def test_wrong_keypoint_count_names_the_metainfo(tmp_path):
    coco, _ = embedded_subset()
    ann_file = tmp_path / 'coco.json'
    ann_file.write_text(json.dumps(coco))
    with pytest.raises(DatasetError, match=r'has 51 keypoint values, but the dataset\'s metainfo '
                                           r'has 13 keypoints.*model.head.metainfo'):
        build(ann_file, metainfo=dict(from_file=str(Path(__file__).parents[2] / 'configs' /
                                                    '_base_' / 'datasets' / 'coco_body13.py')))


def image_folder(tmp_path):
    coco, _ = embedded_subset()
    ann_file = tmp_path / 'coco.json'
    ann_file.write_text(json.dumps(coco))
    folder = tmp_path / 'images'
    folder.mkdir()
    names = [i['file_name'] for i in coco['images']]
    for name in names:
        shutil.copy(DATA / 'train2017' / name, folder / name)
    return ann_file, folder, names


def test_bad_image_files_are_skipped_or_stop_the_build(tmp_path):
    ann_file, folder, names = image_folder(tmp_path)
    data = (folder / names[1]).read_bytes()
    (folder / names[1]).write_bytes(data[:len(data) // 3])  # truncated
    (folder / names[2]).unlink()  # missing
    with mock.patch.object(checked_coco_dataset, 'print_log') as log:
        ds = build(ann_file, folder)
    assert len(ds) == NUM_IMAGES - 2
    assert sorted(Path(p).name for p in ds.skipped_images) == sorted(names[1:3])
    logged = ' '.join(str(c.args[0]) for c in log.call_args_list)
    assert f'skipping 2 of the {NUM_IMAGES} images' in logged
    assert f'{folder / names[1]}: truncated JPEG' in logged
    assert f'{folder / names[2]}: missing' in logged
    assert all(math.isfinite(v) for log_ in train_losses(ds, 1) for v in log_.values())

    with pytest.raises(DatasetError) as err:
        build(ann_file, folder, bad_images='stop')
    assert f'2 of the {NUM_IMAGES} images of {ann_file} cannot be used' in str(err.value)
    assert f'{folder / names[1]}: truncated JPEG' in str(err.value)
    assert f'{folder / names[2]}: missing' in str(err.value)


def test_image_check_is_cached_and_can_be_off(tmp_path):
    ann_file, folder, _ = image_folder(tmp_path)
    cache = tmp_path / 'cache'
    with mock.patch.object(image_check, 'inspect_image', wraps=image_check.inspect_image) as spy:
        build(ann_file, folder, image_check_cache=str(cache))
        assert spy.call_count == NUM_IMAGES
        build(ann_file, folder, image_check_cache=str(cache))  # the next start: from the cache
        assert spy.call_count == NUM_IMAGES
        build(ann_file, folder, bad_images='off')
        assert spy.call_count == NUM_IMAGES
    assert len(list(cache.glob('*.json'))) == 1


def test_test_mode_skip_keeps_the_other_images(tmp_path):
    """In a test set, a bad image is left out of the loader (its people count as missed by the
    metric, which reads the annotation file): the images without people stay."""
    coco = json.loads((DATA / 'annotations' / 'person_keypoints_val2017.json').read_text())
    folder = tmp_path / 'val'
    shutil.copytree(DATA / 'val2017', folder)
    victim = sorted(coco['images'], key=lambda i: i['id'])[0]['file_name']
    (folder / victim).write_bytes(b'')
    cfg = copy.deepcopy(tiny_cfg().val_dataloader.dataset)
    cfg.update(data_root='', ann_file=str(DATA / 'annotations' / 'person_keypoints_val2017.json'),
               data_prefix=dict(img=str(folder) + '/'), image_set='all')  # MMPose's protocol
    ds = DATASETS.build(cfg)
    assert len(ds) == len(coco['images']) - 1
    assert ds.skipped_images == {str(folder / victim): 'empty file (0 bytes)'}


@pytest.mark.slow  # a short training run through MMEngine's Runner
def test_training_run_skips_a_truncated_image_and_finishes(tmp_path):
    from mmengine.runner import Runner
    ann_file, folder, names = image_folder(tmp_path)
    data = (folder / names[0]).read_bytes()
    (folder / names[0]).write_bytes(data[:len(data) // 2])
    cfg = tiny_cfg()
    cfg.merge_from_dict(dict(
        work_dir=str(tmp_path / 'work'),
        train_cfg=dict(_delete_=True, type='IterBasedTrainLoop', max_iters=3),
        val_cfg=None, val_dataloader=None, val_evaluator=None, param_scheduler=[],
        default_hooks=dict(checkpoint=dict(by_epoch=False, interval=3)),
        train_dataloader=dict(batch_size=2, num_workers=0,
                              sampler=dict(_delete_=True, type='InfiniteSampler'),
                              dataset=dict(data_root='', ann_file=str(ann_file),
                                           data_prefix=dict(img=str(folder) + '/')))))
    runner = Runner.from_cfg(cfg)
    runner.train()
    assert (tmp_path / 'work' / 'iter_3.pth').is_file()
    log = next((tmp_path / 'work').glob('*/*.log')).read_text()
    assert f'skipping 1 of the {NUM_IMAGES} images' in log
    assert f'{folder / names[0]}: truncated JPEG' in log


def _rank_builds(rank: int, world_size: int, port: int, ann_file: str, folder: str, out: str):
    """One process of a 2-process gloo group: build the dataset, record what it did."""
    import os

    import torch.distributed as dist
    os.environ.update(MASTER_ADDR='127.0.0.1', MASTER_PORT=str(port))
    dist.init_process_group('gloo', rank=rank, world_size=world_size)
    init_default_scope('mmpose')
    with mock.patch.object(image_check, 'inspect_image', wraps=image_check.inspect_image) as spy:
        ds = build(Path(ann_file), Path(folder), image_check_cache=False)
    Path(out, f'rank{rank}.json').write_text(json.dumps(dict(
        decoded=spy.call_count, length=len(ds), skipped=sorted(ds.skipped_images))))
    dist.destroy_process_group()


@pytest.mark.slow  # two processes
def test_distributed_ranks_share_rank_0s_check(tmp_path):
    import socket

    import torch.multiprocessing as mp
    ann_file, folder, names = image_folder(tmp_path)
    (folder / names[3]).write_bytes(b'')
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        port = s.getsockname()[1]
    mp.spawn(_rank_builds, args=(2, port, str(ann_file), str(folder), str(tmp_path)), nprocs=2)
    ranks = [json.loads((tmp_path / f'rank{r}.json').read_text()) for r in (0, 1)]
    assert ranks[0]['decoded'] == NUM_IMAGES and ranks[1]['decoded'] == 0
    assert ranks[0]['skipped'] == ranks[1]['skipped'] == [str(folder / names[3])]
    assert ranks[0]['length'] == ranks[1]['length'] == NUM_IMAGES - 1
