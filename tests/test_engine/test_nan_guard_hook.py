"""NaNGuardHook: a NaN injected into the loss at iteration 3 stops training with the iteration,
the loss terms and the batch's image ids, and no checkpoint of NaN weights is written (without
the hook MMEngine writes one)."""
import json
import re
from pathlib import Path
from unittest import mock

import pytest
import torch
from mmengine.registry import init_default_scope
from mmengine.runner import Runner

from lrfg_mmpose.engine import NaNGuardHook, NonFiniteLossError
from lrfg_mmpose.models.heads import YOLOPoseHead
from tests.helpers import DATA, coco_subset, tiny_cfg

NAN_AT = 3


def runner_cfg(tmp_path: Path, ann: Path, guard: bool):
    cfg = tiny_cfg()
    hooks = [h for h in cfg.custom_hooks if h['type'] != 'NaNGuardHook']
    cfg.merge_from_dict(dict(
        work_dir=str(tmp_path / ('guarded' if guard else 'unguarded')),
        train_cfg=dict(_delete_=True, type='IterBasedTrainLoop', max_iters=4),
        val_cfg=None, val_dataloader=None, val_evaluator=None,
        custom_hooks=hooks + ([dict(type='NaNGuardHook')] if guard else []),
        param_scheduler=[], default_hooks=dict(
            checkpoint=dict(by_epoch=False, interval=1, max_keep_ckpts=10),
            logger=dict(interval=1)),
        train_dataloader=dict(batch_size=2, num_workers=0,
                              sampler=dict(_delete_=True, type='InfiniteSampler', shuffle=False),
                              dataset=dict(data_root='', ann_file=str(ann),
                                           data_prefix=dict(img=str(DATA / 'train2017') + '/'))),
        randomness=dict(seed=0)))
    return cfg


def train_with_nan_at_iteration_3(cfg):
    loss = YOLOPoseHead.loss
    calls = []

    def nan_at_3(self, *args, **kwargs):
        losses = loss(self, *args, **kwargs)
        calls.append(1)
        if len(calls) == NAN_AT:
            losses['loss_kpt'] = losses['loss_kpt'] * float('nan')
        return losses

    init_default_scope('mmpose')
    with mock.patch.object(YOLOPoseHead, 'loss', nan_at_3):
        Runner.from_cfg(cfg).train()


def finite(path: Path) -> bool:
    state = torch.load(path, map_location='cpu', weights_only=False)['state_dict']
    return all(torch.isfinite(t).all() for t in state.values() if t.is_floating_point())


@pytest.mark.slow  # two short training runs
def test_nan_loss_stops_before_a_nan_checkpoint(tmp_path):
    ann = coco_subset('train2017', 2, tmp_path)
    cfg = runner_cfg(tmp_path, ann, guard=True)
    with pytest.raises(NonFiniteLossError) as err:
        train_with_nan_at_iteration_3(cfg)
    message = str(err.value)
    assert message.startswith(f'non-finite loss at iteration {NAN_AT} (epoch 1, batch {NAN_AT})')
    assert re.search(r'loss=nan, loss_bbox=[0-9.e-]+, loss_obj=[0-9.e-]+, loss_kpt=nan', message)
    images = sorted(json.loads(ann.read_text())['images'], key=lambda i: i['id'])  # unshuffled
    assert f'batch image ids {[i["id"] for i in images]}' in message
    assert str(DATA / 'train2017' / images[0]['file_name']) in message
    work = Path(cfg.work_dir)
    assert f'the last checkpoint is {work / f"iter_{NAN_AT - 1}.pth"}' in message
    assert sorted(p.name for p in work.glob('iter_*.pth')) == ['iter_1.pth', 'iter_2.pth']
    assert all(finite(p) for p in work.glob('iter_*.pth'))

    # Without the hook MMEngine trains on and saves the NaN weights.
    cfg = runner_cfg(tmp_path, ann, guard=False)
    train_with_nan_at_iteration_3(cfg)
    work = Path(cfg.work_dir)
    assert not finite(work / f'iter_{NAN_AT}.pth')


def test_weights_with_nan_are_not_saved():
    hook = NaNGuardHook()
    runner = mock.MagicMock(iter=7)
    runner.message_hub.get_info.return_value = 'work_dirs/x/iter_7.pth'
    good = dict(state_dict={'a': torch.ones(3), 'steps': torch.tensor(4)})
    hook.before_save_checkpoint(runner, good)
    bad = dict(state_dict={'a': torch.ones(3), 'b.weight': torch.tensor([1.0, float('inf')])})
    with pytest.raises(NonFiniteLossError, match=r'not saving the checkpoint of iteration 7: 1 '
                                                 r'weight tensors hold NaN or inf \(first: '
                                                 r'b.weight\); the last checkpoint is '
                                                 r'work_dirs/x/iter_7.pth'):
        hook.before_save_checkpoint(runner, bad)


def test_finite_losses_pass():
    hook = NaNGuardHook()
    hook.after_train_iter(mock.MagicMock(), 0, None, dict(loss=torch.tensor(1.0),
                                                          loss_kpt=torch.tensor(0.5)))
    with pytest.raises(NonFiniteLossError, match=r'loss_kpt=inf'):
        hook.after_train_iter(mock.MagicMock(iter=0, epoch=0), 0, None,
                              dict(loss=torch.tensor(1.0), loss_kpt=torch.tensor(float('inf'))))


class _Logger:
    def __init__(self):
        self.lines = []

    def warning(self, line):
        self.lines.append(line)


class _AmpRunner:
    """What NaNGuardHook reads of a runner, with an optimizer wrapper that scales the loss (as
    MMEngine's AmpOptimWrapper: its GradScaler has skipped the step)."""

    def __init__(self, scaler=True):
        self.model = torch.nn.Linear(2, 2)
        from mmengine.optim import AmpOptimWrapper, OptimWrapper
        # the wrapper's class is what the hook reads (building an AmpOptimWrapper needs CUDA)
        self.optim_wrapper = object.__new__(AmpOptimWrapper if scaler else OptimWrapper)
        self.logger = _Logger()
        self.iter, self.epoch = 0, 0
        self.message_hub = type('H', (), {'get_info': staticmethod(lambda key: None)})()


def test_under_amp_a_non_finite_loss_is_skipped_and_counted_until_too_many_in_a_row():
    hook, runner = NaNGuardHook(max_amp_skips=3), _AmpRunner()
    inf = dict(loss_kpt=torch.tensor(float('inf')), loss_bbox=torch.tensor(0.5))
    ok = dict(loss_kpt=torch.tensor(1.0), loss_bbox=torch.tensor(0.5))
    for outputs in (inf, inf, ok, inf, inf):  # never 3 in a row: training goes on
        hook.after_train_iter(runner, 0, None, outputs)
        runner.iter += 1
    assert hook.amp_skips == 2 and hook.amp_skips_total == 4 and len(runner.logger.lines) == 4
    assert 'the GradScaler skipped this step (2 in a row, 4 in all' in runner.logger.lines[-1]
    assert 'loss_kpt=inf' in runner.logger.lines[0]
    with pytest.raises(NonFiniteLossError, match='3 non-finite losses in a row under mixed'):
        hook.after_train_iter(runner, 0, None, inf)
    # a weight that is no longer finite stops at once
    hook, runner = NaNGuardHook(max_amp_skips=3), _AmpRunner()
    with torch.no_grad():
        runner.model.weight[0, 0] = float('nan')
    with pytest.raises(NonFiniteLossError, match='non-finite weights .* 1 parameters'):
        hook.after_train_iter(runner, 0, None, inf)
    # without a loss scaler (no AMP) the first non-finite loss stops, as before
    with pytest.raises(NonFiniteLossError, match='non-finite loss at iteration 1'):
        NaNGuardHook().after_train_iter(_AmpRunner(scaler=False), 0, None, inf)
    with pytest.raises(ValueError, match='max_amp_skips=0'):
        NaNGuardHook(max_amp_skips=0)
