# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
"""Proof of learning: over-fit a few real images and follow COCO OKS AP on them."""
import json
import time
from pathlib import Path

from mmengine.config import Config

from ..datasets import fixed_train_pipeline, val_pipeline
from ..engine.hooks import APRecorderHook
from ..utils import load_config


def overfit_cfg(config: str, ann_file: Path, img_dir: Path, input_size: int, iters: int,
                eval_every: int, lr: float, work_dir: Path, recipe: str = 'shared',
                load_from: str = None) -> Config:
    """The model of ``config`` (a path or ``mmpose::...``) trained on the images of
    ``ann_file`` whole, without augmentation, and evaluated on the same images (the keypoint
    set of the config's training data).

    ``recipe='shared'``: AdamW at ``lr`` with a short warm-up and cosine, the same for every
    model compared. ``recipe='config'``: the config's own optimizer, schedule hook and EMA
    (e.g. the YOLO-Pose reference's train.py recipe of the paper configs), one epoch per
    iteration (the whole set is one batch), as the reference's loop runs on it.
    ``load_from``: initial weights (e.g. a converted reference checkpoint)."""
    cfg = load_config(config)
    size = (input_size, input_size)
    dataset = dict(type='CocoDataset', data_root='', data_mode='bottomup', ann_file=str(ann_file),
                   data_prefix=dict(img=str(img_dir) + '/'))
    if cfg.train_dataloader.dataset.get('metainfo'):
        dataset['metainfo'] = cfg.train_dataloader.dataset.metainfo
    num_images = len(json.loads(Path(ann_file).read_text())['images'])
    cfg.train_dataloader = dict(
        batch_size=num_images, num_workers=0, persistent_workers=False,
        sampler=dict(type='InfiniteSampler', shuffle=True),
        dataset=dict(dataset, pipeline=fixed_train_pipeline(size)))  # augmentation off
    cfg.val_dataloader = dict(
        batch_size=1, num_workers=0, persistent_workers=False, drop_last=False,
        sampler=dict(type='DefaultSampler', shuffle=False, round_up=False),
        dataset=dict(dataset, test_mode=True, pipeline=val_pipeline(size)))
    cfg.test_dataloader = cfg.val_dataloader
    cfg.val_evaluator = dict(type='CocoMetric', ann_file=str(ann_file), score_mode='bbox',
                             nms_mode='none')
    cfg.test_evaluator = cfg.val_evaluator
    cfg.val_cfg = dict(type='ValLoop')
    cfg.load_from = load_from
    if recipe == 'config':
        cfg.train_dataloader.sampler = dict(type='DefaultSampler', shuffle=True)
        cfg.train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=iters,
                             val_interval=eval_every)
        cfg.custom_hooks = [h for h in cfg.get('custom_hooks', [])
                            if 'EMA' in h['type'] or h['type'] == 'NaNGuardHook']
        cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=iters)
    elif recipe == 'shared':
        cfg.train_cfg = dict(type='IterBasedTrainLoop', max_iters=iters, val_interval=eval_every)
        # One optimiser for every model compared (each model's own recipe assumes its own
        # batch and schedule).
        cfg.optim_wrapper = dict(type='OptimWrapper',
                                 optimizer=dict(type='AdamW', lr=lr, weight_decay=0.0),
                                 paramwise_cfg=dict(norm_decay_mult=0, bias_decay_mult=0))
        warmup = min(20, iters // 2)
        cfg.param_scheduler = [
            dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0, end=warmup),
            dict(type='CosineAnnealingLR', eta_min=lr * 0.02, by_epoch=False, begin=warmup,
                 end=iters, T_max=iters - warmup),
        ]
        cfg.default_hooks.param_scheduler = dict(type='ParamSchedulerHook')
        cfg.custom_hooks = []
        cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=iters,
                                            by_epoch=False)
    else:
        raise ValueError(f'recipe must be "shared" or "config", not {recipe!r}')
    cfg.default_hooks.logger = dict(type='LoggerHook', interval=10)
    cfg.model.data_preprocessor.pop('batch_augments', None)
    cfg.model.backbone.pop('init_cfg', None)  # YOLOX-Pose's pretrained URL cannot be fetched
    cfg.model.data_preprocessor.pad_size_divisor = 64
    cfg.auto_scale_lr = dict(enable=False, base_batch_size=num_images)
    cfg.work_dir = str(work_dir)
    cfg.randomness = dict(seed=0)
    return cfg


def run_overfit(cfg: Config) -> dict:
    """Evaluate, train with evaluations, and return the AP curve and the time taken."""
    from mmengine.runner import Runner
    runner = Runner.from_cfg(cfg)
    recorder = APRecorderHook()
    runner.register_hook(recorder)
    start = time.time()
    runner.val()  # AP before training
    runner.train()
    return dict(seconds=round(time.time() - start, 1), curve=recorder.curve)
