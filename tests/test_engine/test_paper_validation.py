"""The paper configs validate as the reference's train.py: the EMA model after every epoch,
NMS at IoU 0.6 while validating (0.65 for mim test), the best checkpoint by the reference's
fitness of boxes with a tie replacing the earlier epoch, plus the last; and the schedule does
not move."""
import copy

import pytest
from mmengine.config import Config
from mmengine.hooks import CheckpointHook, Hook
from mmengine.registry import init_default_scope
from mmengine.runner import Runner

import lrfg_mmpose  # noqa: F401
from lrfg_mmpose.apis import simulate_schedule
from lrfg_mmpose.engine import YOLOv5CheckpointHook
from tests.helpers import DATA, ROOT, coco_subset, tiny_cfg

PAPER = ROOT / 'configs' / 'lrfg_yolopose_coco.py'


def test_a_tie_replaces_the_best_as_in_train_py():
    ours = YOLOv5CheckpointHook(save_best='coco/fitness', rule='greater_or_equal')
    mmengine = CheckpointHook(save_best='coco/fitness', rule='greater')
    assert ours.is_better_than['coco/fitness'](0.3, 0.3)
    assert not mmengine.is_better_than['coco/fitness'](0.3, 0.3)
    assert not ours.is_better_than['coco/fitness'](0.29, 0.3)


def test_validating_every_epoch_moves_nothing_in_the_schedule():
    """tools/vis_scheduler's simulation of the paper config as it was (validation and
    checkpoints every 10 epochs, best by keypoint AP) and as it is: every iteration's lr,
    momentum and weight decay of every group equal."""
    new = Config.fromfile(str(PAPER))
    old = copy.deepcopy(new)
    old.train_cfg.val_interval = 10
    old.default_hooks.checkpoint = dict(type='CheckpointHook', interval=10, max_keep_ckpts=3,
                                        save_best='coco/AP', rule='greater')
    old.custom_hooks = [h for h in old.custom_hooks
                        if h['type'] not in ('ValTestCfgHook', 'BroadcastBuffersHook')]
    assert new.train_cfg.val_interval == 1
    runs = [list(simulate_schedule(c, dataset_size=640, world_size=2, batch_size=32,
                                   max_epochs=6)) for c in (old, new)]
    assert len(runs[0]) == len(runs[1]) == 10 * 6 * 3
    assert runs[0] == runs[1]


class Probe(Hook):
    """The head's NMS threshold during and after each validation, and the metrics."""
    priority = 'LOWEST'

    def __init__(self):
        self.during, self.after, self.metrics = [], [], []

    def before_val_iter(self, runner, batch_idx, data_batch=None):
        self.during.append(runner.model.head.test_cfg['nms_thr'])

    def after_val_epoch(self, runner, metrics=None):
        self.after.append(runner.model.head.test_cfg['nms_thr'])
        self.metrics.append(dict(metrics))


@pytest.mark.slow  # 2 epochs of the tiny model and 2 validations, ~30 s
def test_every_epoch_validated_best_and_last_kept(tmp_path):
    paper = Config.fromfile(str(PAPER))
    cfg = tiny_cfg()
    train_ann = coco_subset('train2017', 2, tmp_path)
    val_ann = coco_subset('val2017', 2, tmp_path)
    loader = dict(batch_size=2, num_workers=0, persistent_workers=False)
    cfg.merge_from_dict(dict(
        work_dir=str(tmp_path / 'run'), load_from=None,
        train_cfg=dict(max_epochs=2, val_interval=paper.train_cfg.val_interval),
        default_hooks=dict(checkpoint=paper.default_hooks.checkpoint, logger=dict(interval=1)),
        train_dataloader=dict(loader, dataset=dict(
            data_root='', ann_file=str(train_ann), data_prefix=dict(img=f'{DATA}/train2017/'))),
        val_dataloader=dict(loader, batch_size=1, dataset=dict(
            data_root='', ann_file=str(val_ann), data_prefix=dict(img=f'{DATA}/val2017/'))),
        val_evaluator=dict(ann_file=str(val_ann)), randomness=dict(seed=0)))
    assert cfg.val_evaluator.type == 'CocoFitnessMetric'
    probe = Probe()
    init_default_scope('mmpose')
    runner = Runner.from_cfg(cfg)
    runner.register_hook(probe)
    runner.train()
    assert len(probe.metrics) == 2  # after each epoch
    assert all({'coco/AP', 'coco/box AP', 'coco/box AP .5', 'coco/fitness'} <= set(m)
               for m in probe.metrics)
    assert set(probe.during) == {0.6} and probe.after == [0.65, 0.65]
    names = sorted(p.name for p in (tmp_path / 'run').glob('*.pth'))
    fitness = [m['coco/fitness'] for m in probe.metrics]
    best = 2 if fitness[1] >= fitness[0] else 1
    assert names == sorted(['epoch_2.pth', f'best_coco_fitness_epoch_{best}.pth'])
