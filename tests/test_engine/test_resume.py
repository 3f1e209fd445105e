"""Kill MMPose's tools/train.py mid-way and resume it with --resume: every later iteration's loss
(all terms) and learning rate equal the uninterrupted run's, on the CPU with a fixed seed.

Iteration-based (checkpoints every 4 iterations) and epoch-based (every epoch, the configs'
loop, with random flips drawing from NumPy's generator) runs; the epoch-based one needs
RNGStateHook, and without it the losses after the resume point differ. (torch >= 2.6 loads
checkpoints with weights_only=True; lrfg_mmpose makes MMEngine's checkpoints load so.)"""
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from mmengine.runner.checkpoint import _load_checkpoint

from lrfg_mmpose.utils import mmpose_tool
from tests.helpers import DATA, ROOT, coco_subset, tiny_cfg

MAX_ITERS = 12  # both loops: 4 images, batch 2, 6 epochs in the epoch-based one


def write_config(path: Path, ann: Path, loop: str, rng_hook: bool = True) -> Path:
    """The tiny model (EMA on, random flips), no validation, seed 0."""
    cfg = tiny_cfg()
    hooks = [h for h in cfg.custom_hooks if h['type'] != 'RNGStateHook' or rng_hook]
    if loop == 'iter':
        train_cfg = dict(_delete_=True, type='IterBasedTrainLoop', max_iters=MAX_ITERS)
        checkpoint = dict(by_epoch=False, interval=4, max_keep_ckpts=5)
        sampler = dict(_delete_=True, type='InfiniteSampler', shuffle=True)
    else:
        train_cfg = dict(max_epochs=MAX_ITERS // 2, val_interval=100)
        checkpoint = dict(interval=1, max_keep_ckpts=10)
        sampler = dict(type='DefaultSampler', shuffle=True)
    cfg.merge_from_dict(dict(
        train_cfg=train_cfg, val_cfg=None, val_dataloader=None, val_evaluator=None,
        custom_hooks=hooks,
        param_scheduler=[dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0,
                              end=MAX_ITERS)],
        default_hooks=dict(checkpoint=checkpoint, logger=dict(interval=1)),
        train_dataloader=dict(batch_size=2, num_workers=0, sampler=sampler,
                              dataset=dict(data_root='', ann_file=str(ann),
                                           data_prefix=dict(img=str(DATA / 'train2017') + '/'))),
        randomness=dict(seed=0)))
    cfg.dump(str(path))
    return path


def train_cmd(config, work_dir, resume=None):
    cmd = [sys.executable, mmpose_tool('train.py'), str(config), '--work-dir', str(work_dir)]
    return cmd + (['--resume', str(resume)] if resume else [])


def logged(work_dir):
    """{iter: {lr, loss, loss_*}} over all runs in the work dir."""
    out = {}
    for path in Path(work_dir).glob('*/vis_data/scalars.json'):
        for line in path.read_text().splitlines():
            rec = json.loads(line)
            if 'loss' in rec:
                out[rec['iter']] = {k: v for k, v in rec.items() if k == 'lr' or k.startswith('loss')}
    return out


def kill_after_first_checkpoint(config, work_dir, env) -> Path:
    """Run, SIGKILL once a checkpoint is complete; the checkpoint to resume from."""
    proc = subprocess.Popen(train_cmd(config, work_dir), cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 300
    # MMEngine writes `last_checkpoint` once a checkpoint is complete; the kill may still land
    # while a later one is half written, which --resume must not pick up.
    last = work_dir / 'last_checkpoint'
    while not (last.exists() and last.read_text().strip()) and proc.poll() is None:
        assert time.time() < deadline, 'no checkpoint within 300 s'
        time.sleep(0.1)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    return Path(last.read_text().strip())


def resume(config, work_dir, checkpoint, env):
    out = subprocess.run(train_cmd(config, work_dir, resume=checkpoint), cwd=ROOT, env=env,
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-3000:]
    return out.stdout + out.stderr


@pytest.mark.slow
@pytest.mark.parametrize('loop', ['iter', 'epoch'])
def test_kill_and_resume_repeats_the_uninterrupted_losses(loop, tmp_path):
    config = write_config(tmp_path / 'tiny.py', coco_subset('train2017', 4, tmp_path), loop)
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    subprocess.run(train_cmd(config, tmp_path / 'ref'), check=True, cwd=ROOT, env=env,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    checkpoint = kill_after_first_checkpoint(config, tmp_path / 'run', env)
    # The checkpoint loads through MMEngine with torch's weights_only=True default.
    ckpt = _load_checkpoint(str(checkpoint), map_location='cpu')
    killed_at = ckpt['meta']['iter']
    assert killed_at < MAX_ITERS, 'the run finished before it could be killed'
    assert set(ckpt['rng_state']) >= {'python', 'numpy', 'torch'}

    output = resume(config, tmp_path / 'run', checkpoint, env)
    assert f'resumed epoch: {ckpt["meta"]["epoch"]}, iter: {killed_at}' in output
    ref, run = logged(tmp_path / 'ref'), logged(tmp_path / 'run')
    later = range(killed_at + 1, MAX_ITERS + 1)
    assert set(later) - set(run) == set()  # every later iteration logged
    for it in later:
        assert run[it] == ref[it], f'iteration {it}: {run[it]} != {ref[it]}'

    if loop == 'epoch':
        # Without RNGStateHook the resumed run flips other images than the uninterrupted one.
        plain = write_config(tmp_path / 'plain.py', coco_subset('train2017', 4, tmp_path), loop,
                             rng_hook=False)
        resume(plain, tmp_path / 'plain', checkpoint, env)
        differ = [it for it in later if logged(tmp_path / 'plain')[it] != ref[it]]
        assert differ, 'the augmentation after resume matched without RNGStateHook'
