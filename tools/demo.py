"""`make demo`: train LRFG-YoloPose on the embedded real COCO images, evaluate, draw skeletons.

0. checks the embedded data (``tools/check_dataset.py``);
1. trains the full model from random weights with MMPose's own ``tools/train.py`` (what
   ``mim train mmpose`` runs) with ``configs/lrfg_yolopose_coco-mini.py``, on the first
   ``--num-train-images`` training images of ``data/coco-mini`` (default 8: ten CPU minutes
   can fit a handful of images; on all 38, 60 epochs give train AP 0.000), whole images
   without flips as in the over-fit check. The exact config
   is written to the work dir, so ``mim train mmpose <work-dir>/demo_config.py`` reruns it;
2. evaluates COCO OKS AP (MMPose's CocoMetric) on the images it trained on (how well the
   model fits what it saw) and on the val images (never seen; a handful of images cannot
   teach a model that generalises);
3. draws predicted skeletons on the trained images and a few val images with MMPose's
   inferencer and visualiser.

Usage: ``python tools/demo.py [--work-dir DIR] [--num-train-images N] [--epochs E]``.
Everything lands in the work dir; the last lines printed say where.
"""
import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Tuple

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / 'configs' / 'lrfg_yolopose_coco-mini.py'
DATA = ROOT / 'data' / 'coco-mini'


def mmpose_tool(name: str) -> str:
    import mmpose
    return str(Path(mmpose.__file__).parent / '.mim' / 'tools' / name)


# The demo run: the CPU config on a subset, one schedule length; written next to the results.
DEMO_CONFIG = """_base_ = '{config}'
# Written by tools/demo.py: {num_images} training images, {epochs} epochs, batch {batch}.
max_epochs = {epochs}
base_lr = {base_lr}
train_cfg = dict(max_epochs=max_epochs, val_interval=max_epochs + 1)  # the demo evaluates after
default_hooks = dict(checkpoint=dict(interval=max_epochs, max_keep_ckpts=1))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=True, begin=0, end={warmup},
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', eta_min=base_lr * 0.02, by_epoch=True, begin={warmup},
         end=max_epochs, T_max=max_epochs - {warmup}, convert_to_iter_based=True),
]
# Whole images, no flips: the over-fit regime of tools/overfit_check.py (with flips 300 epochs
# gave AP 0.64-0.97 on the trained images, depending on the seed).
train_dataloader = dict(batch_size={batch},
                        dataset=dict(ann_file='{ann_file}', pipeline={pipeline}))
randomness = dict(seed=0)  # the same figures on every run
"""


def write_demo_config(work_dir: Path, num_images: int, epochs: int) -> Tuple[Path, Path]:
    """The mini config restricted to the first ``num_images`` training images (0: all)."""
    from lrfg_mmpose.datasets import write_coco_subset
    src = DATA / 'annotations' / 'person_keypoints_train2017.json'
    if num_images > 0:
        ann_file = write_coco_subset(src, num_images, work_dir / 'train_subset.json')
    else:
        ann_file = src
    num_images = len(json.loads(ann_file.read_text())['images'])
    batch = min(8, num_images)
    config = work_dir / 'demo_config.py'
    from mmengine.config import Config
    from lrfg_mmpose.datasets import fixed_train_pipeline
    base = Config.fromfile(str(CONFIG))
    config.write_text(DEMO_CONFIG.format(config=CONFIG, num_images=num_images, epochs=epochs,
                                         base_lr=base.base_lr,
                                         pipeline=fixed_train_pipeline(base.input_size),
                                         batch=batch, warmup=max(1, epochs // 20),
                                         ann_file=ann_file.resolve()))
    return config, ann_file


def train(config: Path, work_dir: Path) -> Path:
    cmd = [sys.executable, mmpose_tool('train.py'), str(config), '--work-dir', str(work_dir)]
    print('[demo] training:', ' '.join(cmd), flush=True)
    subprocess.run(cmd, check=True, cwd=ROOT)
    last = (work_dir / 'last_checkpoint').read_text().strip()
    return Path(last)


def evaluate(config: Path, work_dir: Path, checkpoint: Path, name: str, ann_file: Path,
             img_dir: Path) -> dict:
    """COCO OKS AP of ``checkpoint`` on the images of ``ann_file``."""
    from mmengine.config import Config
    from mmengine.runner import Runner
    cfg = Config.fromfile(str(config))
    cfg.test_dataloader.dataset.update(data_root='', ann_file=str(ann_file),
                                       data_prefix=dict(img=str(img_dir) + '/'))
    cfg.test_evaluator.ann_file = str(ann_file)
    cfg.test_evaluator.outfile_prefix = str(work_dir / f'predictions_{name}')
    cfg.work_dir = str(work_dir / f'test_{name}')
    cfg.load_from = str(checkpoint)
    return Runner.from_cfg(cfg).test()


def draw(config: Path, checkpoint: Path, out_dir: Path, images: list) -> None:
    from mmpose.apis import MMPoseInferencer
    inferencer = MMPoseInferencer(pose2d=str(config), pose2d_weights=str(checkpoint), device='cpu',
                                  show_progress=False)
    for path in images:
        # bbox_thr filters people by score; kpt_thr hides unconfident keypoints.
        for _ in inferencer(str(path), vis_out_dir=str(out_dir), pred_out_dir=str(out_dir),
                            bbox_thr=0.3, kpt_thr=0.3, draw_bbox=True):
            pass


def people_images(ann_file: Path, img_dir: Path, count: int) -> list:
    coco = json.loads(ann_file.read_text())
    counts = {}
    for a in coco['annotations']:
        counts[a['image_id']] = counts.get(a['image_id'], 0) + (a['num_keypoints'] > 0)
    # a few people per picture keeps the drawings readable
    images = [i for i in sorted(coco['images'], key=lambda i: i['id'])
              if 1 <= counts.get(i['id'], 0) <= 3]
    return [img_dir / i['file_name'] for i in images[:count]]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--work-dir', type=Path, default=ROOT / 'work_dirs' / 'demo')
    parser.add_argument('--num-train-images', type=int, default=8,
                        help='train on the first N training images with people (0: all 38)')
    parser.add_argument('--epochs', type=int, default=300)
    args = parser.parse_args()
    os.chdir(ROOT)
    start = time.time()
    from lrfg_mmpose.datasets import check_coco_keypoints
    for split in ('train2017', 'val2017'):
        stats = check_coco_keypoints(DATA / 'annotations' / f'person_keypoints_{split}.json',
                                     DATA / split)
        print(f'[demo] {split}: ' + ', '.join(f'{k.replace("_", " ")} {v}' for k, v in stats.items()))
    args.work_dir = args.work_dir.resolve()
    args.work_dir.mkdir(parents=True, exist_ok=True)
    config, train_ann = write_demo_config(args.work_dir, args.num_train_images, args.epochs)
    checkpoint = train(config, args.work_dir)
    val_ann = DATA / 'annotations' / 'person_keypoints_val2017.json'
    sets = dict(trained=(train_ann, DATA / 'train2017'), val2017=(val_ann, DATA / 'val2017'))
    metrics = {name: evaluate(config, args.work_dir, checkpoint, name, ann, img_dir)
               for name, (ann, img_dir) in sets.items()}
    (args.work_dir / 'metrics.json').write_text(json.dumps(metrics, indent=2))
    vis_dir = args.work_dir / 'vis'
    draw(config, checkpoint, vis_dir,
         people_images(train_ann, DATA / 'train2017', 4) +
         people_images(val_ann, DATA / 'val2017', 2))
    minutes = (time.time() - start) / 60
    num_trained = len(json.loads(train_ann.read_text())['images'])
    print(f'\n[demo] done in {minutes:.1f} min ({num_trained} training images from '
          f'{DATA / "train2017"}, {args.epochs} epochs, config {config})')
    for name, m in metrics.items():
        print(f'[demo] COCO OKS AP on {name:8s}: AP {m["coco/AP"]:.3f}  AP50 {m["coco/AP .5"]:.3f}  '
              f'AR {m["coco/AR"]:.3f}')
    print('[demo] (val images are unseen: a handful of images cannot teach a model that '
          'generalises; real training needs COCO, see README)')
    print(f'[demo] checkpoint: {checkpoint}')
    print(f'[demo] training log: {sorted(args.work_dir.glob("2*/2*.log"))[-1]}')
    print(f'[demo] metrics: {args.work_dir / "metrics.json"}')
    print(f'[demo] pictures of predicted skeletons: {vis_dir}')


if __name__ == '__main__':
    main()
