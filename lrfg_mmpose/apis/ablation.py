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

Hours of training are never lost to one fault: every row's config, every baseline name and
every ``--cfg-options`` key is checked before any row trains (:func:`prepare_rows`: an unknown
top-level key, or a nested one that looks like a typo of an existing key, stops the run in one
line with the key it meant); a row that then fails (a damaged checkpoint in its work dir, a
crash in training or testing) is recorded in the table as failed with its one-line cause, and
the other rows go on.
"""
import csv
import difflib
import json
import subprocess
import textwrap
import time
import zipfile
from pathlib import Path
from typing import Dict, List, Optional, Sequence

from ..engine.run_checks import run_problems
from ..timing import interleaved_times, median_ms
from .benchmark_models import ABLATION, MODEL_CONFIGS, build_model, gmacs, model_config
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


def check_options(cfg, options: dict, config: str) -> List[str]:
    """The problems of ``--cfg-options`` keys (dotted, as MMEngine's ``DictAction`` gives them)
    against ``cfg`` before merging: a top-level key the config does not have, or a nested key
    that it lacks but that is close to one it has (a typo MMEngine would add silently or fail on
    later). A new nested key without a close match is allowed (a module's optional argument)."""
    problems = []
    for key in options:
        node, parts = cfg, str(key).split('.')
        for i, part in enumerate(parts):
            if isinstance(node, (list, tuple)) and part.isdigit() and int(part) < len(node):
                node = node[int(part)]
                continue
            if not hasattr(node, 'keys'):
                break  # a value replaced by a dict or list: MMEngine's merge decides
            if part not in node:
                close = difflib.get_close_matches(part, [str(k) for k in node.keys()], 1, 0.75)
                if i == 0 or close:
                    where = '.'.join(parts[:i]) or 'the top level'
                    hint = f'; did you mean {".".join(parts[:i] + close[:1])}?' if close else ''
                    problems.append(f'--cfg-options {key}: the config has no {part!r} at '
                                    f'{where}{hint}')
                break
            node = node[part]
    return problems


def prepare_rows(configs: Sequence[str], work_root: Path, options: Optional[dict] = None,
                 user_options: Optional[dict] = None) -> List[tuple]:
    """``(config, row name, row config)`` of every row, all built before any trains: a missing
    config, an unknown baseline name, a bad ``user_options`` key (:func:`check_options`) or a
    file the row's run would not find (``load_from``, data, annotations:
    :func:`~lrfg_mmpose.engine.run_checks.run_problems`) raises one ValueError listing every
    problem, a line each (with the rows it concerns)."""
    rows, problems = [], {}  # problem -> rows
    for config in configs:
        try:
            base = model_config(config)
            for problem in check_options(base, user_options or {}, config):
                problems.setdefault(problem, []).append(row_name(config))
            name = row_name(config)
            cfg = row_config(config, Path(work_root) / name, options)
            for problem in run_problems(cfg):  # load_from, data and annotation files
                problems.setdefault(problem, []).append(name)
            rows.append((config, name, cfg))
        except Exception as e:  # noqa: BLE001  (a config file can fail in many ways)
            problems.setdefault(f'{config}: {one_line(e)}', [])
    if problems:
        checked = len({n for r in problems.values() for n in r} | {n for _, n, _ in rows})
        lines = [p + (f' (rows {", ".join(r)})' if r and len(r) < checked else '')
                 for p, r in problems.items()]
        raise ValueError('nothing trained:\n  ' + '\n  '.join(lines))
    return rows


def one_line(error: BaseException) -> str:
    """An exception as one line: its type and its message's first line."""
    text = (str(error).strip().splitlines() or [''])[0]
    return f'{type(error).__name__}: {text[:200]}' if not isinstance(error, ValueError) or \
        not text else text[:300]


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
    if state == 'resume':
        last = Path((Path(cfg.work_dir) / 'last_checkpoint').read_text().strip())
        if not zipfile.is_zipfile(last):
            raise ValueError(f'{last}: the checkpoint this row would resume from is missing, '
                             f'damaged or truncated; delete it (and fix {Path(cfg.work_dir)}'
                             f'/last_checkpoint) to resume from an earlier one, or delete the '
                             f'work dir to train the row again')
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
                 repeats: int = 5, user_options: Optional[dict] = None) -> List[dict]:
    """Train, test and measure every row; the table's rows (first row: the baseline). Every
    row is prepared first (:func:`prepare_rows`, ``user_options``: the parsed ``--cfg-options``
    to check); a row that fails after that has ``failed`` (its one-line cause) and no metrics."""
    rows = []
    for config, name, cfg in prepare_rows([*configs, *baselines], work_root, options,
                                          user_options):
        row = dict(row=name, config=config, found=row_state(cfg))
        try:
            row['found'] = train_row(config, cfg, launcher, gpus, cfg_options)
            row.update(test_row(cfg))
        except Exception as e:  # noqa: BLE001  (one row's fault must not cost the others)
            row['failed'] = one_line(e)
            print(f'row {name} failed: {row["failed"]}; going on with the others', flush=True)
        rows.append(row)
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
        r['delta_ap'] = r['AP'] - base['AP'] if 'AP' in r and 'AP' in base else None
        paper = PAPER_TABLE1.get(r['row'])
        r['paper_params_m'], r['paper_ap'] = paper if paper else (None, None)
    return rows


def write_table(rows: List[dict], out_dir: Path, protocol: str, latency_note: str) -> Path:
    """``ablation.md``, ``ablation.csv`` and ``ablation.png`` (AP vs parameters) in ``out_dir``."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    fields = ['row', 'params', 'gflops', *METRICS, 'delta_ap', 'latency_ms', 'paper_params_m',
              'paper_ap', 'found', 'failed']
    with open(out_dir / 'ablation.csv', 'w', newline='') as f:
        writer = csv.DictWriter(f, fieldnames=fields, extrasaction='ignore')
        writer.writeheader()
        writer.writerows(rows)

    def fmt(v, spec, scale=1):
        return '-' if v is None else format(scale * v, spec)

    lines = [f'Evaluation: {protocol}. GFLOPs = 2 x multiply-adds and latency (batch 1, '
             f'{latency_note}) at the latency input size; AP in %; delta vs {rows[0]["row"]}.', '',
             *markdown_table(
                 ['row', 'params (M)', 'GFLOPs', 'AP', 'AP50', 'AP75', 'AP(M)', 'AP(L)',
                  'delta AP', 'latency (ms)', 'paper params (M)', 'paper AP'],
                 [[r['row'] + (' (failed)' if r.get('failed') else ''),
                   f"{r['params'] / 1e6:.2f}", f"{r['gflops']:.2f}",
                   *(fmt(r.get(m), '.1f', 100) for m in METRICS),
                   fmt(r['delta_ap'], '+.1f', 100), f"{r['latency_ms']:.1f}",
                   fmt(r['paper_params_m'], '.1f'), fmt(r['paper_ap'], '.1f')] for r in rows])]
    failed = [r for r in rows if r.get('failed')]
    if failed:
        lines += ['', 'Failed rows (fix the cause and run again: finished rows are not trained '
                  'again):', *(f'- {r["row"]}: {r["failed"]}' for r in failed)]
    (out_dir / 'ablation.md').write_text('\n'.join(lines) + '\n')

    from ..fileio import new_figure, save_figure
    fig, ax = new_figure(figsize=(7, 4.5))
    measured = [r for r in rows if r.get('AP') is not None]
    ax.scatter([r['params'] / 1e6 for r in measured], [100 * r['AP'] for r in measured],
               label='measured')
    paper = [r for r in rows if r['paper_ap'] is not None]
    ax.scatter([r['paper_params_m'] for r in paper], [r['paper_ap'] for r in paper], marker='x',
               label='paper (Table 1)')
    for r in measured:
        ax.annotate(r['row'].split('-', 1)[0], (r['params'] / 1e6, 100 * r['AP']), fontsize=7)
    ax.set_xlabel('parameters (M)')
    ax.set_ylabel('COCO OKS AP (%)')
    for r in paper:
        ax.annotate(r['row'].split('-', 1)[0], (r['paper_params_m'], r['paper_ap']), fontsize=7)
    ax.set_title('\n'.join(textwrap.wrap(f'AP vs parameters; {protocol}', 90)), fontsize=8)
    ax.legend()
    save_figure(fig, out_dir / 'ablation.png')
    return out_dir / 'ablation.md'
