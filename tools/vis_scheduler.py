"""Write (and plot) a config's learning-rate, momentum and weight-decay schedule, per
iteration and parameter group, without training.

    python tools/vis_scheduler.py configs/lrfg_yolopose_coco.py --dataset-size 56599 \\
        --ngpus 2 --batch-size 32 --out schedule.csv --plot schedule.png

The config's model is built (no forward pass), its optimizer constructor makes the parameter
groups and its schedule hook sets the values at every iteration as in training
(``lrfg_mmpose.apis.simulate_schedule``). One CSV row per iteration and group:
``iter,epoch,group,lr,momentum,weight_decay`` (iterations from 0; for the YOLOv5 recipe the
groups are ``no_decay``, ``decay`` and ``bias``).
"""
import argparse
import csv
from pathlib import Path

from lrfg_mmpose.cli import positive_int


def parse_args():
    from mmengine.config import DictAction
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config')
    parser.add_argument('--dataset-size', type=positive_int, required=True,
                        help='training images (the reference\'s COCO train set: 56599)')
    parser.add_argument('--ngpus', type=positive_int, default=1, help='processes (GPUs); default 1')
    parser.add_argument('--batch-size', type=positive_int, help='per GPU; default the config\'s')
    parser.add_argument('--epochs', type=positive_int, help='default the config\'s max_epochs')
    parser.add_argument('--out', required=True, help='CSV file to write')
    parser.add_argument('--plot', help='PNG file: lr and momentum per group')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction, metavar='KEY=VALUE',
                        help='override config settings, as mim train takes them')
    return parser.parse_args()


def plot(table, path, title):
    from lrfg_mmpose.fileio import new_figure, save_figure
    fig, (ax_lr, ax_m) = new_figure(2, 1, figsize=(10, 6.5), sharex=True)
    for name, t in table.items():
        ax_lr.plot(t['iter'], t['lr'], label=name, linewidth=1)
        if any(m is not None for m in t['momentum']):
            ax_m.plot(t['iter'], t['momentum'], label=name, linewidth=1)
    ax_lr.set_ylabel('learning rate')
    ax_lr.set_yscale('log')
    ax_lr.legend()
    ax_lr.set_title(title, fontsize=9)
    ax_m.set_ylabel('momentum')
    ax_m.set_xlabel('iteration')
    ax_m.legend()
    for ax in (ax_lr, ax_m):
        ax.grid(alpha=0.3)
    save_figure(fig, path, dpi=110)


def main():
    args = parse_args()
    from lrfg_mmpose.apis import schedule_table, simulate_schedule
    from lrfg_mmpose.utils import load_config
    if '::' not in args.config and not Path(args.config).is_file():
        raise SystemExit(f'error: {args.config}: no such config file')
    cfg = load_config(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    rows = []
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    with open(args.out, 'w', newline='') as f:
        writer = csv.writer(f)
        writer.writerow(['iter', 'epoch', 'group', 'lr', 'momentum', 'weight_decay'])
        for row in simulate_schedule(cfg, args.dataset_size, args.ngpus, args.batch_size,
                                     args.epochs):
            writer.writerow([row.iter, row.epoch, row.group, repr(row.lr),
                             '' if row.momentum is None else repr(row.momentum),
                             repr(row.weight_decay)])
            if args.plot:
                rows.append(row)
            last = row
    iters = last.iter + 1
    batch = args.batch_size or cfg.train_dataloader.batch_size
    print(f'wrote {args.out}: {iters} iterations ({last.epoch + 1} epochs, '
          f'{args.ngpus} x {batch} images a step before accumulation)')
    if args.plot:
        table = schedule_table(rows)
        steps = sum(table[next(iter(table))]['step'])
        plot(table, args.plot, f'{Path(args.config).name}: {args.dataset_size} images, '
             f'{args.ngpus} x {batch}, {iters} iterations, {steps} optimizer steps')
        print(f'wrote {args.plot}')


if __name__ == '__main__':
    main()
