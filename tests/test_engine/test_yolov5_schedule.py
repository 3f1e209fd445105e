"""The YOLO-Pose reference's optimizer groups and schedule, against its own train.py.

``tests/data/yolopose-reference-train/schedule.npz`` (README there) holds, for four runs, the
per-group lr, momentum and weight decay, ``accumulate`` and whether the optimizer stepped, as
the reference's own train.py lines (its optimizer, scheduler and warm-up blocks, executed)
set them: a short run (400 batches x 4 epochs, total batch 16: the warm-up ends at 1200 and
the accumulation ramps 1 -> 4), and COCO scale (885 batches an epoch, 80 and 300 epochs, total
batch 64; 1769 batches x 80 epochs at total batch 32) at probe iterations. Ours comes from the
config's own constructor and hook, driven through every iteration by
``lrfg_mmpose.apis.simulate_schedule`` (what tools/vis_scheduler.py writes).
"""
import tempfile
import unittest
from pathlib import Path

import numpy as np
import pytest
import torch
from mmengine.config import Config

from lrfg_mmpose.apis import simulate_schedule
from lrfg_mmpose.convert import convert_yolopose_checkpoint, reference_key_to_ours
from lrfg_mmpose.engine import GROUP_NAMES, yolov5_param_groups
from lrfg_mmpose.utils import build_pose_model

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / 'tests' / 'data' / 'yolopose-reference-train'
MAIN = ROOT / 'configs' / 'lrfg_yolopose_coco.py'
REF = dict(np.load(FIXTURE / 'schedule.npz'))
COLUMNS = list(REF['columns'])


def ours_at(case: str, world_size: int = 1):
    """Our rows at the reference's probe iterations: {iter: {group: row}}, and the nw."""
    nb, epochs, total, _ = REF[f'{case}_setup'].tolist()
    probes = set(REF[f'{case}_rows'][:, 0].astype(int).tolist())
    cfg = Config.fromfile(str(MAIN))
    out = {}
    for row in simulate_schedule(cfg, nb * total, world_size, total // world_size, epochs):
        if row.iter in probes:
            out.setdefault(row.iter, {})[row.group] = row
    return out


class TestYOLOv5Schedule(unittest.TestCase):

    def compare(self, case, world_size=1):
        ours = ours_at(case, world_size)
        ref = REF[f'{case}_rows']
        self.assertEqual(len(ours), len(ref))
        worst = 0.0
        for r in ref:
            rows = ours[int(r[0])]
            for j, name in enumerate(GROUP_NAMES):  # the reference's group order
                row = rows[name]
                self.assertEqual(row.epoch, int(r[1]))
                for col, value in (('lr', row.lr), ('mom', row.momentum),
                                   ('wd', row.weight_decay)):
                    diff = abs(value - r[COLUMNS.index(f'{col}{j}')])
                    worst = max(worst, diff)
                    self.assertLess(diff, 1e-9, f'{case} iter {int(r[0])} {name} {col}')
                self.assertEqual(row.step, bool(r[COLUMNS.index('step')]),
                                 f'{case} iter {int(r[0])} step')
        return worst

    def test_short_run_every_iteration(self):
        """1600 iterations, warm-up 1200 (3 epochs of 400), accumulation ramp 1 -> 4."""
        ref = REF['short_rows']
        self.assertEqual(len(ref), 1600)
        self.assertEqual(sorted(set(ref[:, COLUMNS.index('accumulate')])), [1, 2, 3, 4])
        self.assertLess(ref[:, COLUMNS.index('step')].sum(), 1600)  # accumulation happens
        self.compare('short')

    @pytest.mark.slow
    def test_coco_80_epochs_2_gpus(self):
        self.compare('coco80', world_size=2)

    @pytest.mark.slow
    def test_coco_300_epochs(self):
        self.compare('coco300')

    @pytest.mark.slow
    def test_coco_80_epochs_total_batch_32_accumulates_2(self):
        self.compare('coco80_b32')


class TestYOLOv5ParamGroups(unittest.TestCase):

    def test_groups_hold_the_references_tensors(self):
        """On the converted reference model (Table 1's baseline), each group holds exactly the
        tensors of the reference's pg0 / pg1 / pg2."""
        with tempfile.TemporaryDirectory() as tmp:
            out_cfg = Path(tmp) / 'ref.py'
            convert_yolopose_checkpoint(ROOT / 'tests/data/yolopose-reference/'
                                        'yolov5s6_kpts_w0125_ref.pt', Path(tmp) / 'ref.pth',
                                        MAIN, out_cfg)
            model = build_pose_model(Config.fromfile(str(out_cfg)).model)
        names = {id(p): k for k, p in model.named_parameters()}
        groups = yolov5_param_groups(model)
        for j, name in enumerate(GROUP_NAMES):
            ref = {reference_key_to_ours(k) for k in REF[f'group{j}_names']}
            self.assertEqual({names[id(p)] for p in groups[name]}, ref, name)

    def test_full_model_every_parameter_once_implicit_without_decay(self):
        cfg = Config.fromfile(str(MAIN))
        model = build_pose_model(cfg.model)
        groups = yolov5_param_groups(model)
        ids = [id(p) for g in groups.values() for p in g]
        self.assertEqual(len(ids), len(set(ids)))
        self.assertEqual(set(ids), {id(p) for p in model.parameters()})
        names = {id(p): k for k, p in model.named_parameters()}
        no_decay = {names[id(p)] for p in groups['no_decay']}
        implicit = {k for k in names.values() if 'implicit' in k}
        self.assertEqual(len(implicit), 8)  # ImplicitA and ImplicitM at 4 levels
        self.assertLessEqual(implicit, no_decay)
        self.assertTrue(all(k.endswith('.weight') for k in no_decay - implicit))
        self.assertTrue(all(k.endswith('.bias') for k in map(names.get, map(id, groups['bias']))))

    def test_weight_decay_only_on_decay_group_scaled_by_the_hook(self):
        """Total batch 24 accumulates round(64 / 24) = 3: decay 5e-4 x 24 x 3 / 64."""
        cfg = Config.fromfile(str(MAIN))
        rows = simulate_schedule(cfg, dataset_size=24 * 50, world_size=3, batch_size=8,
                                 max_epochs=2)
        first = {r.group: r for r in [next(rows) for _ in range(3)]}
        self.assertAlmostEqual(first['decay'].weight_decay, 5e-4 * 24 * 3 / 64, places=12)
        self.assertEqual(first['no_decay'].weight_decay, 0.0)
        self.assertEqual(first['bias'].weight_decay, 0.0)
        self.assertEqual(first['bias'].lr, 0.1)
        self.assertEqual(first['decay'].lr, 0.0)


class TestYOLOv5OptimWrapper(unittest.TestCase):
    """The reference's accumulation: a step at ni % accumulate == 0 on the summed gradients
    of the iterations since the last step (not divided by accumulate)."""

    def check(self, wrapper_type, **kwargs):
        from mmpose.registry import OPTIM_WRAPPERS
        torch.manual_seed(0)
        model = torch.nn.Linear(3, 1, bias=False)
        start = model.weight.detach().clone()
        optimizer = torch.optim.SGD(model.parameters(), lr=1.0)
        wrapper = OPTIM_WRAPPERS.build(dict(type=wrapper_type, optimizer=optimizer, **kwargs))
        wrapper.initialize_count_status(model, 0, 100)
        xs = [torch.full((1, 3), float(i + 1)) for i in range(7)]
        steps, pending, expected = [], torch.zeros(1, 3), start.clone()
        for ni, (x, acc) in enumerate(zip(xs, [1, 1, 2, 2, 3, 3, 3])):
            wrapper.accumulate = acc
            with wrapper.optim_context(model):
                loss = model(x).sum()
            wrapper.update_params(loss)
            pending += x  # d(w . x) / dw
            if ni % acc == 0:
                expected -= pending
                pending.zero_()
                steps.append(ni)
            torch.testing.assert_close(model.weight.detach(), expected)
        self.assertEqual(steps, [0, 1, 2, 6])  # iterations 3-6 summed into one step

    def test_plain(self):
        self.check('YOLOv5OptimWrapper')

    def test_mixed_precision_wrapper_keeps_the_rule(self):
        from unittest import mock
        with mock.patch('mmengine.optim.optimizer.amp_optimizer_wrapper.is_cuda_available',
                        return_value=True):
            self.check('YOLOv5AmpOptimWrapper', loss_scale=1.0)

    def test_accumulative_counts_refused(self):
        from mmpose.registry import OPTIM_WRAPPERS
        optimizer = torch.optim.SGD(torch.nn.Linear(1, 1).parameters(), lr=1.0)
        with self.assertRaisesRegex(ValueError, 'remove accumulative_counts'):
            OPTIM_WRAPPERS.build(dict(type='YOLOv5OptimWrapper', optimizer=optimizer,
                                      accumulative_counts=4))


def test_vis_scheduler_tool_writes_the_csv_and_plot(tmp_path):
    """tools/vis_scheduler.py: one row per iteration and group, the documented columns, a PNG;
    a missing config is one line."""
    import csv
    import subprocess
    import sys
    tool = str(ROOT / 'tools' / 'vis_scheduler.py')
    out, png = tmp_path / 's.csv', tmp_path / 's.png'
    proc = subprocess.run([sys.executable, tool, str(MAIN), '--dataset-size', '640', '--ngpus', '2',
                           '--batch-size', '32', '--epochs', '3', '--out', str(out), '--plot',
                           str(png)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    rows = list(csv.reader(out.open()))
    assert rows[0] == ['iter', 'epoch', 'group', 'lr', 'momentum', 'weight_decay']
    assert len(rows) == 1 + 30 * 3  # 10 iterations an epoch on each of 2 GPUs, 3 epochs
    assert [r[2] for r in rows[1:4]] == list(GROUP_NAMES)
    assert float(rows[3][3]) == 0.1 and float(rows[1][3]) == 0.0  # bias / no_decay at iter 0
    assert png.stat().st_size > 10_000
    proc = subprocess.run([sys.executable, tool, 'missing.py', '--dataset-size', '1', '--out',
                           str(out)], capture_output=True, text=True)
    assert proc.returncode == 1 and proc.stderr.strip() == 'error: missing.py: no such config file'
