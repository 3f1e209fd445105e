# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
"""The training benchmark (``tools/benchmark.py``): per model, at one input size and thread
count, in one run: parameters, multiply-adds, forward latency (models interleaved), ours also in
deploy mode, the train step on a fixed batch of real images, and the peak memory of a train step;
ratios against YOLOX-Pose-s."""
import multiprocessing
import re
from pathlib import Path
from typing import List, Sequence, Tuple

import torch

from ..fileio import markdown_table
from ..timing import cpu_name, interleaved_times, median_ms
from .benchmark_models import build_model, gmacs, optimizer, real_batch


def _vm_hwm_kb() -> int:
    """Peak resident memory of this process (VmHWM: per address space, so a child started
    with spawn does not inherit its parent's peak as ru_maxrss would)."""
    return int(re.search(r'VmHWM:\s+(\d+)', Path('/proc/self/status').read_text()).group(1))


def _train_step_peak_child(name: str, size: int, batch_size: int, queue) -> None:
    import lrfg_mmpose  # noqa: F401
    from ..utils import framework_logs
    with framework_logs(verbose=False):
        batch = real_batch(size, batch_size, name)
        base = _vm_hwm_kb()
        model = build_model(name, 'cpu')
        model.train_step(batch, optimizer(model))
    queue.put((_vm_hwm_kb() - base) / 1024)


def train_step_peak_mb(name: str, size: int, batch_size: int, device: str = 'cpu') -> float:
    """Peak memory (MB) of building the model and one train step on a real batch: the CUDA
    allocator's peak, or on CPU the peak RSS of a fresh process above its state before
    building the model."""
    if device.startswith('cuda'):
        model = build_model(name, device)
        batch = real_batch(size, batch_size, name)
        torch.cuda.reset_peak_memory_stats()
        model.train_step(batch, optimizer(model))
        return torch.cuda.max_memory_allocated() / 2**20
    ctx = multiprocessing.get_context('spawn')
    queue = ctx.Queue()
    proc = ctx.Process(target=_train_step_peak_child, args=(name, size, batch_size, queue))
    proc.start()
    peak = queue.get()
    proc.join()
    return peak


def model_stats(names: Sequence[str], size: int, device: str = 'cpu') -> Tuple[dict, dict]:
    """The models (ours also in deploy mode as ``'lrfg (deploy)'``) and their rows with
    parameters and GMACs."""
    models = {n: build_model(n, device).eval() for n in names}
    if 'lrfg' in names:
        models['lrfg (deploy)'] = build_model('lrfg', device, deploy=True)
    rows = {n: dict(model=n, params=sum(p.numel() for p in m.parameters()),
                    gmacs=gmacs(m, size, device)) for n, m in models.items()}
    for r in rows.values():
        r['params_m'] = r['params'] / 1e6
    return models, rows


def stats_lines(rows: dict, size: int) -> List[str]:
    return [f'Input {size}x{size}: parameters and FLOPs (MMEngine counter; GFLOPs = 2 x GMACs)',
            *markdown_table(['model', 'params', 'params (M)', 'GMACs', 'GFLOPs'],
                            [[n, f"{r['params']:,}", f"{r['params_m']:.3f}", f"{r['gmacs']:.2f}",
                              f"{2 * r['gmacs']:.2f}"] for n, r in rows.items()])]


def training_report(names: Sequence[str], size: int, repeats: int, train_repeats: int,
                    batch_size: int, threads: int, device: str = 'cpu',
                    memory: bool = True) -> Tuple[List[str], dict]:
    """The training benchmark's report lines and data."""
    torch.manual_seed(0)
    models, rows = model_stats(names, size, device)
    x = torch.randn(1, 3, size, size, device=device)
    with torch.no_grad():
        times = interleaved_times({n: (lambda m=m: m(x, None)) for n, m in models.items()},
                                  repeats, device)
    for n in models:
        rows[n]['forward_ms'] = median_ms(times[n])
    batches = {n: real_batch(size, batch_size, n) for n in names}
    train = {n: build_model(n, device) for n in names}
    optims = {n: optimizer(m) for n, m in train.items()}
    steps = interleaved_times({n: (lambda n=n: train[n].train_step(batches[n], optims[n]))
                               for n in names}, train_repeats, device)
    for n in names:
        rows[n]['train_step_s'] = median_ms(steps[n]) / 1e3
        if memory:
            rows[n]['peak_mem_mb'] = train_step_peak_mb(n, size, batch_size, device)
    ref = rows.get('yoloxpose_s')
    for r in rows.values():
        for key in ('params_m', 'gmacs', 'forward_ms', 'train_step_s'):
            if ref and key in r:
                r[f'{key}_ratio'] = r[key] / ref[key]
    header = (f'Input {size}x{size}, batch 1 forward / batch {batch_size} train step on real '
              f'images, {threads} threads, {device} ({cpu_name()}), forward median of {repeats}, '
              f'train step median of {train_repeats}; ratios vs yoloxpose_s.')

    def cell(r, key, spec):
        return format(r[key], spec) if key in r else '-'

    table = markdown_table(
        ['model', 'params (M)', 'GMACs', 'GFLOPs (2xMACs)', 'forward (ms)', 'x yoloxpose_s',
         'train step (s)', 'x yoloxpose_s', 'peak mem (MB)'],
        [[r['model'], f"{r['params_m']:.2f}", f"{r['gmacs']:.2f}", f"{2 * r['gmacs']:.2f}",
          f"{r['forward_ms']:.1f}", cell(r, 'forward_ms_ratio', '.2f'),
          cell(r, 'train_step_s', '.2f'), cell(r, 'train_step_s_ratio', '.2f'),
          cell(r, 'peak_mem_mb', '.0f')] for r in rows.values()])
    return [header, '', *table], dict(header=header, rows=list(rows.values()))
