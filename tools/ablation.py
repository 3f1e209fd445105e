"""Reproduce the paper's Table 1: train and test the eight ablation rows (and MMPose baselines), then
write one table and a plot (:mod:`lrfg_mmpose.apis.ablation`).

    python tools/ablation.py                                      # all rows here, one device
    python tools/ablation.py --launcher pytorch --gpus 2          # each row through mim train
    python tools/ablation.py --baselines yoloxpose_s rtmo_s       # with MMPose's models beside
    python tools/ablation.py --smoke                              # CPU minutes, embedded images

A row whose work dir (WORK_ROOT/<row>) holds its final checkpoint is not trained again; one
holding an earlier checkpoint resumes from it. Writes WORK_ROOT/ablation.{md,csv,png}.
Every row, baseline and --cfg-options key is checked before any row trains; a row that fails
later is named in the table with its cause, the others go on, and the exit status is 1.
"""
import argparse
import platform
import sys
from pathlib import Path

import torch

from lrfg_mmpose.apis.ablation import run_ablation, smoke_options, write_table
from lrfg_mmpose.apis.benchmark_models import ABLATION
from lrfg_mmpose.timing import cpu_name
from lrfg_mmpose.cli import positive_int


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--configs', nargs='+', default=[str(p) for p in ABLATION])
    parser.add_argument('--baselines', nargs='*', default=[],
                        help='MMPose models beside the rows: yoloxpose_s, rtmo_s, ... (their own '
                        'configs and recipes)')
    parser.add_argument('--work-root', default='work_dirs/ablation')
    parser.add_argument('--launcher', default='none', choices=['none', 'pytorch', 'slurm'])
    parser.add_argument('--gpus', type=positive_int, default=1)
    parser.add_argument('--cfg-options', nargs='+', default=[],
                        help='key=value pairs for every row (as mim train takes them)')
    parser.add_argument('--smoke', action='store_true',
                        help='1 epoch at 128 px on 4 embedded images per row, random weights')
    parser.add_argument('--latency-size', type=positive_int, default=None,
                        help='default 640 (smoke 128)')
    parser.add_argument('--repeats', type=positive_int, default=10,
                        help='timed forward passes per row')
    args = parser.parse_args()

    from mmengine.config import DictAction
    options, user_options = {}, {}
    if args.cfg_options:
        action = DictAction(option_strings=['--cfg-options'], dest='cfg_options')
        ns = argparse.Namespace()
        action(parser, ns, args.cfg_options)
        user_options = dict(ns.cfg_options)
        options.update(user_options)
    if args.smoke:
        options = {**smoke_options(), **options}
        args.latency_size = args.latency_size or 128
        args.repeats = min(args.repeats, 3)
    size = args.latency_size or 640
    try:
        rows = run_ablation(args.configs, args.baselines, Path(args.work_root), options,
                            args.launcher, args.gpus, args.cfg_options, size, args.repeats,
                            user_options)
    except ValueError as e:  # a row, a baseline or an option that cannot work: nothing trained
        sys.exit(f'error: {e}')
    from lrfg_mmpose.apis.ablation import row_config
    dataset = row_config(args.configs[0], Path(args.work_root), options).test_dataloader.dataset
    protocol = {'keypoints': "the reference's protocol (val images with a keypoint-labelled "
                             "person)",
                'all': "MMPose's protocol (all val images)"}.get(dataset.get('image_set', 'all'))
    device = 'cuda' if torch.cuda.is_available() else 'cpu'
    note = (f'{device}, {torch.get_num_threads()} threads, {cpu_name() or platform.machine()}, '
            f'median of {args.repeats}, input {size}')
    if args.smoke:
        protocol += f', smoke run: {Path(dataset.ann_file).name} x {dataset.get("indices")} images'
    table = write_table(rows, Path(args.work_root), protocol, note)
    print(table.read_text())
    print(f'written: {table}, {table.with_suffix(".csv")}, {table.with_suffix(".png")}')
    failed = [r['row'] for r in rows if r.get('failed')]
    if failed:
        sys.exit(f'{len(failed)} of {len(rows)} rows failed: {", ".join(failed)} (causes in the '
                 f'table)')


if __name__ == '__main__':
    main()
