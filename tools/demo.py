"""`make demo`: train LRFG-YoloPose on the embedded real COCO images, evaluate, draw skeletons.

0. checks the embedded data (as ``tools/check_dataset.py``);
1. trains the full model from random weights with MMPose's own ``tools/train.py`` (what
   ``mim train mmpose`` runs) with ``configs/lrfg_yolopose_coco-mini.py``, on the first
   ``--num-train-images`` training images of ``data/coco-mini`` (default 8: ten CPU minutes
   can fit a handful of images; on all 38, 60 epochs give train AP 0.000), whole images
   without flips as in the over-fit check. The complete config is written to the work dir,
   so ``mim train mmpose <work-dir>/demo_config.py`` reruns it;
2. evaluates COCO OKS AP (MMPose's CocoMetric) on the images it trained on (how well the
   model fits what it saw) and on the val images (never seen; a handful of images cannot
   teach a model that generalises);
3. draws predicted skeletons on 4 trained and 2 val images with MMPose's inferencer.

Usage: ``python tools/demo.py [--work-dir DIR] [--num-train-images N] [--epochs E]``.
Everything lands in the work dir; the last lines printed say where.
"""
import argparse
import os
import time
from pathlib import Path

from lrfg_mmpose.cli import positive_int

ROOT = Path(__file__).resolve().parents[1]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--work-dir', type=Path, default=ROOT / 'work_dirs' / 'demo')
    parser.add_argument('--num-train-images', type=positive_int, default=8,
                        help='train on the first N training images with people (0: all 38)')
    parser.add_argument('--epochs', type=positive_int, default=300)
    args = parser.parse_args()
    os.chdir(ROOT)
    start = time.time()
    from lrfg_mmpose.apis import run_demo
    res = run_demo(args.work_dir, args.num_train_images, args.epochs)
    print(f'\n[demo] done in {(time.time() - start) / 60:.1f} min (training images in '
          f'{res["train_ann"]}, {args.epochs} epochs, config {res["config"]})')
    for name, m in res['metrics'].items():
        print(f'[demo] COCO OKS AP on {name:8s}: AP {m["coco/AP"]:.3f}  AP50 {m["coco/AP .5"]:.3f}  '
              f'AR {m["coco/AR"]:.3f}')
    print('[demo] (val images are unseen: a handful of images cannot teach a model that '
          'generalises; real training needs COCO, see README)')
    print(f'[demo] checkpoint: {res["checkpoint"]}')
    print(f'[demo] training log: {sorted(Path(args.work_dir).glob("2*/2*.log"))[-1]}')
    print(f'[demo] metrics: {Path(args.work_dir) / "metrics.json"}')
    print(f'[demo] loss terms and AP of the run: {res["curves"]}')
    print(f'[demo] pictures of predicted skeletons: {res["vis_dir"]}')


if __name__ == '__main__':
    main()
