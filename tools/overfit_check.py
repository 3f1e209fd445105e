"""Proof of learning: over-fit N real images and evaluate COCO OKS AP on the same images.

Trains our model (the CPU config's losses: the paper's OKS keypoint loss plus a small
scale-normalised L1 term) and, side by side with the same images, input size, optimiser and
iteration budget, MMPose's bundled YOLOX-Pose-s (from the installed mmpose package) and, if
asked, our model with the paper's keypoint loss alone (``ours_paper_loss``), with
augmentation off, through MMEngine's Runner, and prints the AP curves::

    python tools/overfit_check.py                       # 8 images, ours + yoloxpose_s
    python tools/overfit_check.py --models ours ours_paper_loss --num-images 4 --iters 1000

Both models start from random weights (nothing can be downloaded here). Writes
``<work-dir>/overfit_results.json``.
"""
import argparse
import copy
import json
import os.path as osp
import time
from pathlib import Path

from mmengine.config import Config
from mmengine.hooks import Hook
from mmengine.runner import Runner

from lrfg_mmpose.datasets import fixed_train_pipeline, val_pipeline, write_coco_subset
from lrfg_mmpose.utils import mmpose_config

ROOT = Path(__file__).resolve().parents[1]
OURS = ROOT / 'configs' / 'lrfg_yolopose_coco-mini.py'
YOLOXPOSE_S = 'body_2d_keypoint/yoloxpose/coco/yoloxpose_s_8xb32-300e_coco-640.py'
# ours in one channel layout of the head (YOLOPoseHead.channel_layout), whatever the config says
OURS_LAYOUTS = dict(ours_reference='reference', ours_per_anchor='per_anchor')


def overfit_cfg(config: str, ann_file: Path, img_dir: Path, input_size: int, iters: int,
                eval_every: int, lr: float, work_dir: Path) -> Config:
    """The model of ``config`` with a fixed-size, augmentation-free train/val set."""
    cfg = Config.fromfile(config)
    size = (input_size, input_size)
    dataset = dict(type='CocoDataset', data_root='', data_mode='bottomup', ann_file=str(ann_file),
                   data_prefix=dict(img=str(img_dir) + '/'))
    num_images = len(json.loads(ann_file.read_text())['images'])
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
    cfg.train_cfg = dict(type='IterBasedTrainLoop', max_iters=iters, val_interval=eval_every)
    cfg.val_cfg = dict(type='ValLoop')
    # One optimiser for both models (each model's own recipe assumes its own batch/epochs).
    cfg.optim_wrapper = dict(type='OptimWrapper',
                             optimizer=dict(type='AdamW', lr=lr, weight_decay=0.0),
                             paramwise_cfg=dict(norm_decay_mult=0, bias_decay_mult=0))
    warmup = min(20, iters // 2)
    cfg.param_scheduler = [
        dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0, end=warmup),
        dict(type='CosineAnnealingLR', eta_min=lr * 0.02, by_epoch=False, begin=warmup,
             end=iters, T_max=iters - warmup),
    ]
    cfg.custom_hooks = []
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=iters, by_epoch=False)
    cfg.default_hooks.logger = dict(type='LoggerHook', interval=10)
    cfg.model.data_preprocessor.pop('batch_augments', None)
    cfg.model.backbone.pop('init_cfg', None)  # YOLOX-Pose's pretrained URL cannot be fetched
    cfg.model.data_preprocessor.pad_size_divisor = 64
    cfg.auto_scale_lr = dict(enable=False, base_batch_size=num_images)
    cfg.work_dir = str(work_dir)
    cfg.randomness = dict(seed=0)
    return cfg


class APRecorder(Hook):
    """Keeps (iteration, COCO AP) after every validation of one runner."""

    priority = 'LOWEST'

    def __init__(self):
        self.curve = []

    def after_val_epoch(self, runner, metrics=None):
        self.curve.append((runner.iter, metrics['coco/AP']))


def run(name, config, args, ann_file):
    work_dir = Path(args.work_dir) / name
    cfg = overfit_cfg(config, ann_file, ROOT / 'data/coco-mini/train2017', args.input_size,
                      args.iters, args.eval_every, args.lr, work_dir)
    if name == 'ours_paper_loss':
        cfg.model.head.loss_weights.kpt_l1 = 0.0  # the OKS keypoint loss alone
    if name in OURS_LAYOUTS:
        cfg.model.head.channel_layout = OURS_LAYOUTS[name]
    runner = Runner.from_cfg(cfg)
    recorder = APRecorder()
    runner.register_hook(recorder)
    start = time.time()
    runner.val()  # AP before training
    runner.train()
    seconds = time.time() - start
    return dict(config=str(config), seconds=round(seconds, 1), curve=recorder.curve)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--models', nargs='+', default=['ours', 'yoloxpose_s'],
                        choices=['ours', 'ours_paper_loss', *OURS_LAYOUTS, 'yoloxpose_s'],
                        help='ours: the full model with the CPU config\'s losses (OKS + small L1 '
                        'keypoint term); ours_paper_loss: the same with the OKS keypoint loss alone; '
                        'ours_reference / ours_per_anchor: ours with that head channel layout; '
                        'yoloxpose_s: MMPose\'s bundled YOLOX-Pose-s')
    parser.add_argument('--config', default=str(OURS), help='our model config')
    parser.add_argument('--num-images', type=int, default=8)
    parser.add_argument('--input-size', type=int, default=320)
    parser.add_argument('--iters', type=int, default=400)
    parser.add_argument('--eval-every', type=int, default=50)
    parser.add_argument('--lr', type=float, default=1e-2)
    parser.add_argument('--work-dir', default='work_dirs/overfit')
    args = parser.parse_args()

    ann_file = write_coco_subset(ROOT / 'data/coco-mini/annotations/person_keypoints_train2017.json',
                            args.num_images, Path(args.work_dir) / 'subset.json')
    configs = dict(ours=args.config, ours_paper_loss=args.config,
                   **{name: args.config for name in OURS_LAYOUTS})
    if 'yoloxpose_s' in args.models:
        configs['yoloxpose_s'] = mmpose_config(YOLOXPOSE_S)
    results = {m: run(m, configs[m], args, ann_file) for m in args.models}
    print(f'\nOver-fit check: {args.num_images} real images, input {args.input_size}, '
          f'{args.iters} iterations, AdamW lr {args.lr}, augmentation off')
    for name, res in results.items():
        curve = '  '.join(f'{it}:{ap:.3f}' for it, ap in res['curve'])
        reached = next((it for it, ap in res['curve'] if ap >= 0.8), None)
        reached = f'AP >= 0.8 at iteration {reached}' if reached is not None else 'AP < 0.8'
        print(f'{name:16s} {res["seconds"]:7.1f} s  {reached:28s} AP by iteration  {curve}')
    out = Path(args.work_dir) / 'overfit_results.json'
    out.write_text(json.dumps(results, indent=2))
    print(f'results: {osp.abspath(out)}')


if __name__ == '__main__':
    main()
