# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
"""The paper's Table 1 in one command: train and test every ablation row, then tabulate.

Each row (a config of ``configs/ablation/``, or an MMPose baseline such as ``yoloxpose_s``)
trains through MMEngine's ``Runner`` in its own work dir (locally in this process, or through
``mim train ... --launcher pytorch|slurm --gpus N``), is skipped when its work dir holds the
final checkpoint, and resumes from the last one when it holds an earlier one; it is then tested
with MMEngine's test loop (one process) from its final checkpoint, and the metrics are kept in
``test_metrics.json`` beside it. The table gives per row the parameters, GFLOPs (2 x multiply-
adds, the paper's convention), COCO OKS AP / AP50 / AP75 / AP(M) / AP(L) under the protocol the
configs' datasets state, AP minus the baseline row's, forward latency (all rows interleaved in
one run) and the paper's parameters and AP (``tools/ablation.py``).
"""
import csv
import json
import subprocess
import textwrap
import time
from pathlib import Path
from typing import Dict, List, Optional, Sequence

from .benchmark import (ABLATION, MODEL_CONFIGS, build_model, gmacs, interleaved_times, median_ms,
                        model_config)
from .pipeline_benchmark import DATA, resized_pipeline
from .report import markdown_table
from .table1 import TABLE1, row_name

#: The paper's Table 1 per row: parameters (M) and COCO AP (%).
PAPER_TABLE1 = {row.name: (row.paper_params, row.paper_ap) for row in TABLE1}
METRICS = ('AP', 'AP .5', 'AP .75', 'AP (M)', 'AP (L)')


def smoke_options(size: int = 128, epochs: int = 1, images: int = 4) -> dict:
    """Config changes for a CPU run on the embedded images: ``images`` training and test
    images, ``size`` px, ``epochs`` epochs of batch 2, from random weights."""
    ann = 'annotations/person_keypoints_{}2017.json'
    loader = dict(batch_size=2, num_workers=0, persistent_workers=False)
    return dict(
        load_from=None, size=size,
        train_cfg=dict(max_epochs=epochs, val_interval=epochs + 1),
        train_dataloader=dict(loader, dataset=dict(
            data_root=str(DATA) + '/', ann_file=ann.format('train'),
            data_prefix=dict(img='train2017/'), indices=images)),
        test_dataloader=dict(loader, batch_size=1, dataset=dict(
            data_root=str(DATA) + '/', ann_file=ann.format('val'), data_prefix=dict(img='val2017/'),
            indices=images)),
        test_evaluator=dict(ann_file=str(DATA / ann.format('val'))),
        default_hooks=dict(checkpoint=dict(interval=1, max_keep_ckpts=2, save_best=None),
                           logger=dict(interval=1)))


def row_config(config: str, work_dir: Path, options: Optional[dict] = None):
    """The row's config with ``options`` (:func:`smoke_options`, or ``--cfg-options``) merged,
    its input size changed when ``options['size']`` is given."""
    cfg = model_config(config)
    options = dict(options or {})
    size = options.pop('size', None)
    cfg.merge_from_dict(options)
    if size:
        for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
            ds = cfg[loader].dataset
            ds.pipeline = resized_pipeline(ds.pipeline, size)
    cfg.val_dataloader = cfg.test_dataloader
    cfg.val_evaluator = cfg.test_evaluator
    cfg.work_dir = str(work_dir)
    if cfg.get('visualizer'):
        # MMEngine keeps one visualizer per name and process, and a later Runner with the same
        # name would log into the first one's folder: one name per row
        cfg.visualizer.name = f'ablation:{work_dir}:{time.time_ns()}'
    return cfg


def final_checkpoint(cfg) -> Path:
    return Path(cfg.work_dir) / f'epoch_{cfg.train_cfg.max_epochs}.pth'


def row_state(cfg) -> str:
    """``'done'`` (final checkpoint there), ``'resume'`` (an earlier one) or ``'new'``."""
    last = Path(cfg.work_dir) / 'last_checkpoint'
    if final_checkpoint(cfg).is_file():
        return 'done'
    return 'resume' if last.is_file() else 'new'


def train_row(config: str, cfg, launcher: str = 'none', gpus: int = 1,
              cfg_options: Sequence[str] = ()) -> str:
    """Train one row unless done; resume it when interrupted. Returns the state found."""
    state = row_state(cfg)
    if state == 'done':
        return state
    if launcher == 'none':
        from mmengine.runner import Runner
        cfg.resume = state == 'resume'
        if cfg.resume:
            cfg.load_from = None  # the Runner resumes from the work dir's last checkpoint
        Runner.from_cfg(cfg).train()
    else:
        cmd = ['mim', 'train', 'mmpose', MODEL_CONFIGS.get(config, config), '--work-dir',
               cfg.work_dir, '--launcher', launcher, '--gpus', str(gpus)]
        cmd += ['--resume'] if state == 'resume' else []
        cmd += ['--cfg-options', *cfg_options] if cfg_options else []
        subprocess.run(cmd, check=True)
    return state


def test_row(cfg) -> Dict[str, float]:
    """COCO metrics of the row's final checkpoint (kept in ``test_metrics.json`` with the
    checkpoint they belong to; another checkpoint is tested again)."""
    out = Path(cfg.work_dir) / 'test_metrics.json'
    checkpoint = final_checkpoint(cfg)
    if out.is_file():
        kept = json.loads(out.read_text())
        if kept.pop('checkpoint', None) == checkpoint.name:
            return kept
    from mmengine.runner import Runner
    test_cfg = cfg.copy()
    test_cfg.load_from = str(checkpoint)
    test_cfg.resume = False
    test_cfg.work_dir = str(Path(cfg.work_dir) / 'test')
    if test_cfg.get('visualizer'):
        test_cfg.visualizer.name = f'ablation:{test_cfg.work_dir}:{time.time_ns()}'
    metrics = {k.split('/', 1)[-1]: float(v) for k, v in Runner.from_cfg(test_cfg).test().items()}
    out.write_text(json.dumps(dict(metrics, checkpoint=checkpoint.name), indent=2))
    return metrics


def run_ablation(configs: Sequence[str] = tuple(str(p) for p in ABLATION),
                 baselines: Sequence[str] = (), work_root: Path = Path('work_dirs/ablation'),
                 options: Optional[dict] = None, launcher: str = 'none', gpus: int = 1,
                 cfg_options: Sequence[str] = (), latency_size: int = 640,
                 repeats: int = 5) -> List[dict]:
    """Train, test and measure every row; the table's rows (first row: the baseline)."""
    rows = []
    for config in [*configs, *baselines]:
        name = row_name(config)
        cfg = row_config(config, Path(work_root) / name, options)
        state = train_row(config, cfg, launcher, gpus, cfg_options)
        rows.append(dict(row=name, config=config, found=state, **test_row(cfg)))
    models = {r['row']: build_model(r['config']).eval() for r in rows}
    import torch
    x = torch.randn(1, 3, latency_size, latency_size)
    with torch.no_grad():
        times = interleaved_times({n: (lambda m=m: m(x, None)) for n, m in models.items()},
                                  repeats)
    base = rows[0]
    for r in rows:
        model = models[r['row']]
        r['params'] = sum(p.numel() for p in model.parameters())
        r['gflops'] = 2 * gmacs(model, latency_size)
        r['latency_ms'] = median_ms(times[r['row']])
        r['delta_ap'] = r['AP'] - base['AP']
        paper = PAPER_TABLE1.get(r['row'])
        r['paper_params_m'], r['paper_ap'] = paper if paper else (None, None)
    return rows


def write_table(rows: List[dict], out_dir: Path, protocol: str, latency_note: str) -> Path:
    """``ablation.md``, ``ablation.csv`` and ``ablation.png`` (AP vs parameters) in ``out_dir``."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    fields = ['row', 'params', 'gflops', *METRICS, 'delta_ap', 'latency_ms', 'paper_params_m',
              'paper_ap', 'found']
    with open(out_dir / 'ablation.csv', 'w', newline='') as f:
        writer = csv.DictWriter(f, fieldnames=fields, extrasaction='ignore')
        writer.writeheader()
        writer.writerows(rows)

    def fmt(v, spec):
        return '-' if v is None else format(v, spec)

    lines = [f'Evaluation: {protocol}. GFLOPs = 2 x multiply-adds and latency (batch 1, '
             f'{latency_note}) at the latency input size; AP in %; delta vs {rows[0]["row"]}.', '',
             *markdown_table(
                 ['row', 'params (M)', 'GFLOPs', 'AP', 'AP50', 'AP75', 'AP(M)', 'AP(L)',
                  'delta AP', 'latency (ms)', 'paper params (M)', 'paper AP'],
                 [[r['row'], f"{r['params'] / 1e6:.2f}", f"{r['gflops']:.2f}",
                   *(fmt(100 * r[m], '.1f') for m in METRICS), f"{100 * r['delta_ap']:+.1f}",
                   f"{r['latency_ms']:.1f}", fmt(r['paper_params_m'], '.1f'),
                   fmt(r['paper_ap'], '.1f')] for r in rows])]
    (out_dir / 'ablation.md').write_text('\n'.join(lines) + '\n')

    from ..fileio import new_figure, save_figure
    fig, ax = new_figure(figsize=(7, 4.5))
    ax.scatter([r['params'] / 1e6 for r in rows], [100 * r['AP'] for r in rows], label='measured')
    paper = [r for r in rows if r['paper_ap'] is not None]
    ax.scatter([r['paper_params_m'] for r in paper], [r['paper_ap'] for r in paper], marker='x',
               label='paper (Table 1)')
    for r in rows:
        ax.annotate(r['row'].split('-', 1)[0], (r['params'] / 1e6, 100 * r['AP']), fontsize=7)
    ax.set_xlabel('parameters (M)')
    ax.set_ylabel('COCO OKS AP (%)')
    for r in paper:
        ax.annotate(r['row'].split('-', 1)[0], (r['paper_params_m'], r['paper_ap']), fontsize=7)
    ax.set_title('\n'.join(textwrap.wrap(f'AP vs parameters; {protocol}', 90)), fontsize=8)
    ax.legend()
    save_figure(fig, out_dir / 'ablation.png')
    return out_dir / 'ablation.md'
