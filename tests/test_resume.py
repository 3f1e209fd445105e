"""Kill MMPose's tools/train.py mid-way and resume it with --resume (torch >= 2.6 loads
checkpoints with weights_only=True; lrfg_mmpose makes MMEngine's checkpoints load so)."""
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import unittest
from pathlib import Path

import pytest
from mmengine.runner.checkpoint import _load_checkpoint

from lrfg_mmpose.utils import mmpose_tool
from tests.helpers import DATA, ROOT, coco_subset, tiny_cfg

MAX_ITERS = 12


def write_config(path: Path, ann: Path) -> Path:
    """The tiny model, iteration-based, checkpoints every 4 iterations, no validation."""
    cfg = tiny_cfg()
    cfg.merge_from_dict(dict(
        train_cfg=dict(_delete_=True, type='IterBasedTrainLoop', max_iters=MAX_ITERS),
        val_cfg=None, val_dataloader=None, val_evaluator=None, custom_hooks=[],
        param_scheduler=[dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0,
                              end=MAX_ITERS)],
        default_hooks=dict(checkpoint=dict(by_epoch=False, interval=4, max_keep_ckpts=5),
                           logger=dict(interval=1)),
        train_dataloader=dict(batch_size=2, num_workers=0,
                              sampler=dict(_delete_=True, type='InfiniteSampler', shuffle=True),
                              dataset=dict(data_root='', ann_file=str(ann),
                                           data_prefix=dict(img=str(DATA / 'train2017') + '/'))),
        randomness=dict(seed=0)))
    cfg.dump(str(path))
    return path


def train_cmd(config, work_dir, resume=False):
    cmd = [sys.executable, mmpose_tool('train.py'), str(config), '--work-dir', str(work_dir)]
    return cmd + (['--resume'] if resume else [])


def logged(work_dir):
    """{iter: lr} over all runs in the work dir."""
    lrs = {}
    for path in Path(work_dir).glob('*/vis_data/scalars.json'):
        for line in path.read_text().splitlines():
            rec = json.loads(line)
            if 'lr' in rec:
                lrs[rec['iter']] = rec['lr']
    return lrs


@pytest.mark.slow
class TestResume(unittest.TestCase):

    def test_kill_and_resume(self):
        with tempfile.TemporaryDirectory() as tmp:
            tmp = Path(tmp)
            config = write_config(tmp / 'tiny.py', coco_subset('train2017', 2, tmp))
            env = dict(os.environ, PYTHONPATH=str(ROOT))
            # Uninterrupted reference run.
            subprocess.run(train_cmd(config, tmp / 'ref'), check=True, cwd=ROOT, env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            # Killed run: SIGKILL once the first checkpoint is on disk.
            proc = subprocess.Popen(train_cmd(config, tmp / 'run'), cwd=ROOT, env=env,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            deadline = time.time() + 300
            # MMEngine writes `last_checkpoint` once a checkpoint is complete; the kill may still
            # land while a later one is half written, which --resume must not pick up.
            last = tmp / 'run' / 'last_checkpoint'
            while not (last.exists() and last.read_text().strip()) and proc.poll() is None:
                self.assertLess(time.time(), deadline, 'no checkpoint within 300 s')
                time.sleep(0.2)
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            killed_at = int(Path(last.read_text().strip()).stem.split('_')[1])
            self.assertLess(killed_at, MAX_ITERS, 'the run finished before it could be killed')
            # The checkpoint loads through MMEngine with torch's weights_only=True default.
            ckpt = _load_checkpoint(str(tmp / 'run' / f'iter_{killed_at}.pth'), map_location='cpu')
            self.assertEqual(ckpt['meta']['iter'], killed_at)

            out = subprocess.run(train_cmd(config, tmp / 'run', resume=True), cwd=ROOT, env=env,
                                 capture_output=True, text=True)
            self.assertEqual(out.returncode, 0, out.stderr[-3000:])
            self.assertIn(f'resumed epoch: 0, iter: {killed_at}', out.stdout + out.stderr)
            self.assertTrue((tmp / 'run' / f'iter_{MAX_ITERS}.pth').exists())
            ref, run = logged(tmp / 'ref'), logged(tmp / 'run')
            # Every iteration after the resume point is logged once, at the reference lr.
            self.assertEqual(set(range(killed_at + 1, MAX_ITERS + 1)) - set(run), set())
            for it in range(killed_at + 1, MAX_ITERS + 1):
                self.assertAlmostEqual(run[it], ref[it], places=10, msg=f'lr at iter {it}')


if __name__ == '__main__':
    unittest.main()
