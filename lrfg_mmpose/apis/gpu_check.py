# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
"""Does the paper recipe run on this GPU? Training with and without AMP, predict, ``mim test``.

``tools/gpu_check.py`` runs, on the embedded images and one device:

- ``train``: N iterations of the paper config's model at its input size on a fixed batch made
  by the config's own training pipeline, with the config's optimizer wrapper, fp32 and then
  AMP exactly as ``mim train --amp`` sets it (:func:`apply_amp`); every loss term finite,
  training images/s, peak GPU memory. MMPose's YOLOX-Pose-s the same way, for the ratio.
- ``predict``: the model's ``test_step`` (decoding, torchvision NMS) on val images.
- ``mim test``: MMEngine's test loop (what ``mim test`` runs) with the config's val pipeline
  and ``CocoMetric`` on the embedded val images (random weights: the AP is not the point).
- ``amp overflow``: an inf injected into one loss term under the AMP wrapper: the GradScaler
  skips that step, ``NaNGuardHook`` counts it without stopping, the next step trains
  (:func:`amp_overflow_check`).
"""
import copy
import math
import time
from pathlib import Path
from typing import Dict, List, Optional

import torch

from .benchmark_models import build_model, model_config
from .pipeline_benchmark import DATA, resized_pipeline, train_dataset


def apply_amp(cfg) -> None:
    """What MMPose's ``tools/train.py --amp`` does to a config (and refuses)."""
    wrapper = cfg.optim_wrapper.get('type', 'OptimWrapper')
    if wrapper not in ('OptimWrapper', 'AmpOptimWrapper'):
        raise ValueError(f'`mim train --amp` refuses optim_wrapper.type={wrapper!r}')
    cfg.optim_wrapper.type = 'AmpOptimWrapper'
    cfg.optim_wrapper.setdefault('loss_scale', 'dynamic')


def _sync(device: str) -> None:
    if device.startswith('cuda'):
        torch.cuda.synchronize()


def _training(name: str, device: str, size: int, batch_size: int, amp: bool) -> tuple:
    """Entry ``name``'s model (train mode), its optimizer wrapper (AMP as ``mim train --amp``
    sets it) and one fixed batch made by its own training pipeline."""
    from mmengine.dataset import pseudo_collate
    from mmengine.optim import build_optim_wrapper
    from mmengine.registry import DefaultScope
    cfg = model_config(name)
    if amp:
        apply_amp(cfg)
    with DefaultScope.overwrite_default_scope('mmpose'):
        ds = train_dataset(name, size)
        batch = pseudo_collate([ds[i % len(ds)] for i in range(batch_size)])
        model = build_model(name, device).train()
        wrapper = build_optim_wrapper(model, copy.deepcopy(cfg.optim_wrapper))
    return model, wrapper, batch


def train_check(name: str, device: str, size: int, batch_size: int, iters: int,
                amp: bool) -> dict:
    """Train ``iters`` iterations of entry ``name`` (after one warm-up) on one fixed batch."""
    model, wrapper, batch = _training(name, device, size, batch_size, amp)
    if device.startswith('cuda'):
        torch.cuda.reset_peak_memory_stats()
    losses: List[Dict[str, float]] = []
    model.train_step(batch, wrapper)  # warm-up (cuDNN autotuning, allocator)
    _sync(device)
    start = time.perf_counter()
    for _ in range(iters):
        log = model.train_step(batch, wrapper)
        losses.append({k: float(v) for k, v in log.items()})
    _sync(device)
    seconds = time.perf_counter() - start
    return dict(model=name, amp=amp, wrapper=type(wrapper).__name__, iters=iters,
                batch_size=batch_size, size=size,
                images_per_s=iters * batch_size / seconds,
                finite=all(math.isfinite(v) for row in losses for v in row.values()),
                first_loss=losses[0].get('loss'), last_loss=losses[-1].get('loss'),
                peak_mem_mb=(torch.cuda.max_memory_allocated() / 2**20
                             if device.startswith('cuda') else None))


def _val_cfg(name: str, size: int, work_dir: Path, num_images: Optional[int] = None):
    cfg = model_config(name)
    cfg.model.backbone.pop('init_cfg', None)
    loader = cfg.test_dataloader
    loader.update(num_workers=0, persistent_workers=False)
    loader.dataset.update(data_root=str(DATA) + '/',
                          ann_file='annotations/person_keypoints_val2017.json',
                          data_prefix=dict(img='val2017/'),
                          pipeline=resized_pipeline(loader.dataset.pipeline, size))
    if num_images:
        loader.dataset.indices = num_images
    cfg.test_evaluator = dict(cfg.test_evaluator,
                              ann_file=str(DATA / 'annotations' / 'person_keypoints_val2017.json'),
                              outfile_prefix=str(work_dir / 'results'))
    cfg.work_dir = str(work_dir)
    cfg.load_from = None
    return cfg


def predict_check(name: str, device: str, size: int, work_dir: Path, num_images: int = 2) -> dict:
    """``test_step`` of a randomly initialised model on ``num_images`` val images."""
    from mmengine.dataset import pseudo_collate
    from mmengine.registry import DefaultScope
    from mmpose.registry import DATASETS
    cfg = _val_cfg(name, size, work_dir)
    with DefaultScope.overwrite_default_scope('mmpose'):
        ds = DATASETS.build(cfg.test_dataloader.dataset)
        model = build_model(name, device).eval()
        batch = pseudo_collate([ds[i] for i in range(min(num_images, len(ds)))])
        start = time.perf_counter()
        with torch.no_grad():
            results = model.test_step(batch)
        _sync(device)
    people = [len(r.pred_instances) for r in results]
    return dict(model=name, images=len(results), people=people,
                seconds=time.perf_counter() - start,
                on_device=str(next(model.parameters()).device))


def mim_test_check(name: str, size: int, work_dir: Path, num_images: Optional[int] = None) -> dict:
    """MMEngine's test loop (what ``mim test`` runs) on the embedded val images, on the device
    MMEngine picks (CUDA when there is one)."""
    from mmengine.runner import Runner
    cfg = _val_cfg(name, size, work_dir, num_images)
    start = time.perf_counter()
    runner = Runner.from_cfg(cfg)
    metrics = runner.test()
    return dict(model=name, images=len(runner.test_dataloader.dataset),
                seconds=time.perf_counter() - start,
                ap=metrics.get('coco/AP'), on_device=str(next(runner.model.parameters()).device))


def amp_overflow_check(name: str, device: str, size: int, batch_size: int) -> dict:
    """Under ``mim train --amp``'s wrapper, an inf injected into one loss term: the GradScaler
    skips that step (weights unchanged, scale lowered), ``NaNGuardHook`` counts it without
    stopping the run, and the next step trains (as the reference's AMP runs go on)."""
    import types

    from mmengine.logging import MMLogger

    from ..engine import NaNGuardHook
    model, wrapper, batch = _training(name, device, size, batch_size, amp=True)
    loss, inject = model.head.loss, {'on': False}

    def poisoned(*args, **kwargs):
        losses = loss(*args, **kwargs)
        if inject['on']:
            losses['loss_kpt'] = losses['loss_kpt'] * float('inf')
        return losses
    model.head.loss = poisoned
    guard = NaNGuardHook(max_amp_skips=3)
    runner = types.SimpleNamespace(model=model, optim_wrapper=wrapper, iter=0, epoch=0,
                                   logger=MMLogger.get_current_instance(),
                                   message_hub=types.SimpleNamespace(get_info=lambda key: None))

    def step() -> Dict[str, float]:
        log = model.train_step(batch, wrapper)
        guard.after_train_iter(runner, runner.iter, batch, log)
        runner.iter += 1
        return {k: float(v) for k, v in log.items()}

    def weights():
        return [p.detach().clone() for p in model.parameters()]

    step()  # warm-up: the scaler settles its first scale
    before, scale_before = weights(), float(wrapper.loss_scaler.get_scale())
    inject['on'] = True
    poisoned_log = step()
    inject['on'] = False
    after, scale_after = weights(), float(wrapper.loss_scaler.get_scale())
    step()
    trained = weights()
    return dict(model=name, size=size, batch_size=batch_size,
                poisoned_loss=poisoned_log.get('loss_kpt'),
                step_skipped=all(torch.equal(a, b) for a, b in zip(before, after)),
                scale_before=scale_before, scale_after=scale_after,
                counted=guard.amp_skips_total,
                trained_after=any(not torch.equal(a, b) for a, b in zip(after, trained)))
