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
import json
import os.path as osp
from pathlib import Path

from lrfg_mmpose.cli import positive_int

ROOT = Path(__file__).resolve().parents[1]
OURS = ROOT / 'configs' / 'lrfg_yolopose_coco-mini.py'
YOLOXPOSE_S = 'mmpose::body_2d_keypoint/yoloxpose/coco/yoloxpose_s_8xb32-300e_coco-640.py'
# ours in one channel layout of the head (YOLOPoseHead.channel_layout), whatever the config says
OURS_LAYOUTS = dict(ours_reference='reference', ours_per_anchor='per_anchor')


def run(name, config, args, ann_file, img_dir):
    from lrfg_mmpose.apis import overfit_cfg, run_overfit
    cfg = overfit_cfg(config, ann_file, img_dir, args.input_size, args.iters, args.eval_every,
                      args.lr, Path(args.work_dir) / name, args.recipe, args.load_from)
    if name == 'ours_paper_loss':
        cfg.model.head.loss_weights.kpt_l1 = 0.0  # the OKS keypoint loss alone
    if name in OURS_LAYOUTS:
        cfg.model.head.channel_layout = OURS_LAYOUTS[name]
    return dict(config=str(config), **run_overfit(cfg))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--models', nargs='+', default=['ours', 'yoloxpose_s'],
                        choices=['ours', 'ours_paper_loss', *OURS_LAYOUTS, 'yoloxpose_s'],
                        help='ours: the full model with the CPU config\'s losses (OKS + small L1 '
                        'keypoint term); ours_paper_loss: the same with the OKS keypoint loss alone; '
                        'ours_reference / ours_per_anchor: ours with that head channel layout; '
                        'yoloxpose_s: MMPose\'s bundled YOLOX-Pose-s')
    parser.add_argument('--config', default=str(OURS), help='our model config; its training '
                        'data gives the images (any keypoint set: compare with yoloxpose_s only '
                        'on COCO\'s 17)')
    parser.add_argument('--images-from', help='config whose training data gives the images '
                        '(default: --config; e.g. the CPU config for a COCO config)')
    parser.add_argument('--num-images', type=positive_int, default=8)
    parser.add_argument('--input-size', type=positive_int, default=320)
    parser.add_argument('--iters', type=positive_int, default=400)
    parser.add_argument('--eval-every', type=positive_int, default=50)
    parser.add_argument('--lr', type=float, default=1e-2)
    parser.add_argument('--recipe', choices=['shared', 'config'], default='shared',
                        help='shared: one AdamW schedule for every model (default); config: '
                        'each config\'s own optimizer, schedule hook and EMA (the paper configs: '
                        'the reference\'s train.py recipe), one epoch per iteration')
    parser.add_argument('--load-from', help='initial weights (e.g. a converted YOLO-Pose '
                        'checkpoint); default random')
    parser.add_argument('--work-dir', default='work_dirs/overfit')
    args = parser.parse_args()

    from lrfg_mmpose.datasets import write_coco_subset
    from lrfg_mmpose.utils import load_config
    train = load_config(args.images_from or args.config).train_dataloader.dataset
    root = Path(train.get('data_root') or '')
    if not root.is_absolute() and not root.exists():  # configs name data from the repo's root
        root = ROOT / root
    img_dir = root / train.data_prefix['img']
    ann_file = write_coco_subset(root / train.ann_file, args.num_images,
                                 Path(args.work_dir) / 'subset.json')
    configs = dict(ours=args.config, ours_paper_loss=args.config, yoloxpose_s=YOLOXPOSE_S,
                   **{name: args.config for name in OURS_LAYOUTS})
    results = {m: run(m, configs[m], args, ann_file, img_dir) for m in args.models}
    optimiser = f'AdamW lr {args.lr}' if args.recipe == 'shared' else "each config's recipe"
    print(f'\nOver-fit check: {args.num_images} real images, input {args.input_size}, '
          f'{args.iters} iterations, {optimiser}, augmentation off')
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
