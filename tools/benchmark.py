"""Benchmark LRFG-YoloPose against MMPose's bundled YOLOX-Pose and RTMO, side by side.

For each model, at one input size and thread count, in one run: parameters, GFLOPs
(MMEngine's counter: multiply-adds, printed as GMACs, and 2 x MACs as GFLOPs), forward
latency (median over repeats, models interleaved), deploy-mode latency for ours (implicit
folded, BN fused), train-step time on a fixed batch of real images, and peak memory of a
train step (CUDA: allocator peak; CPU: a fresh process's peak RSS above its baseline).
Ratios are against YOLOX-Pose-s::

    python tools/benchmark.py                                  # all models, 640, CPU
    python tools/benchmark.py --models lrfg yoloxpose_s --repeats 30 --json out.json
"""
import argparse
import json
import platform
from pathlib import Path

import torch

from lrfg_mmpose.apis.benchmark import (ABLATION, MODEL_CONFIGS, build_model, gmacs,
                                        interleaved_times, median_ms, optimizer, real_batch,
                                        train_step_peak_mb)

DEFAULT_MODELS = ['lrfg', *[p.stem.split('_')[2] for p in ABLATION], 'yoloxpose_tiny',
                  'yoloxpose_s', 'rtmo_s']


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--models', nargs='+', default=DEFAULT_MODELS, choices=list(MODEL_CONFIGS))
    parser.add_argument('--input-size', type=int, default=640)
    parser.add_argument('--repeats', type=int, default=15, help='timed forward passes per model')
    parser.add_argument('--train-repeats', type=int, default=3, help='timed train steps per model')
    parser.add_argument('--batch-size', type=int, default=2, help='real images per train step')
    parser.add_argument('--threads', type=int, default=torch.get_num_threads())
    parser.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    parser.add_argument('--no-memory', action='store_true', help='skip the peak-memory runs')
    parser.add_argument('--stats-only', action='store_true',
                        help='parameters and GFLOPs only (no timing, no memory)')
    parser.add_argument('--json', help='write the results here')
    parser.add_argument('--markdown', help='write the table here')
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    size, device = args.input_size, args.device
    names = list(args.models)
    models = {n: build_model(n, device).eval() for n in names}
    if 'lrfg' in names:
        models['lrfg (deploy)'] = build_model('lrfg', device, deploy=True)
    rows = {n: dict(model=n, params=sum(p.numel() for p in m.parameters()),
                    gmacs=gmacs(m, size, device)) for n, m in models.items()}
    for r in rows.values():
        r['params_m'] = r['params'] / 1e6

    if args.stats_only:
        print(f'Input {size}x{size}: parameters and FLOPs (MMEngine counter; GFLOPs = 2 x GMACs)')
        print('| model | params | params (M) | GMACs | GFLOPs |\n|---|---|---|---|---|')
        for n, r in rows.items():
            print(f"| {n} | {r['params']:,} | {r['params_m']:.3f} | {r['gmacs']:.2f} | "
                  f"{2 * r['gmacs']:.2f} |")
        return
    x = torch.randn(1, 3, size, size, device=device)
    with torch.no_grad():
        times = interleaved_times({n: (lambda m=m: m(x, None)) for n, m in models.items()},
                                  args.repeats, device)
    for n in models:
        rows[n]['forward_ms'] = median_ms(times[n])

    batch = real_batch(size, args.batch_size)
    train = {n: build_model(n, device) for n in names}
    optims = {n: optimizer(m) for n, m in train.items()}
    steps = interleaved_times({n: (lambda n=n: train[n].train_step(batch, optims[n]))
                               for n in names}, args.train_repeats, device)
    for n in names:
        rows[n]['train_step_s'] = median_ms(steps[n]) / 1e3
        if not args.no_memory:
            rows[n]['peak_mem_mb'] = train_step_peak_mb(n, size, args.batch_size, device)

    ref = rows.get('yoloxpose_s')
    for r in rows.values():
        for key in ('params_m', 'gmacs', 'forward_ms', 'train_step_s'):
            if ref and key in r:
                r[f'{key}_ratio'] = r[key] / ref[key]

    header = (f'Input {size}x{size}, batch 1 forward / batch {args.batch_size} train step on real '
              f'images, {args.threads} threads, {device} ({platform.processor() or platform.machine()}), '
              f'forward median of {args.repeats}, train step median of {args.train_repeats}; '
              f'ratios vs yoloxpose_s.')
    lines = [header, '',
             '| model | params (M) | GMACs | GFLOPs (2xMACs) | forward (ms) | x yoloxpose_s | '
             'train step (s) | x yoloxpose_s | peak mem (MB) |',
             '|---|---|---|---|---|---|---|---|---|']
    for r in rows.values():
        fr = f"{r['forward_ms_ratio']:.2f}" if 'forward_ms_ratio' in r else '-'
        tr = f"{r['train_step_s_ratio']:.2f}" if 'train_step_s_ratio' in r else '-'
        ts = f"{r['train_step_s']:.2f}" if 'train_step_s' in r else '-'
        mem = f"{r['peak_mem_mb']:.0f}" if 'peak_mem_mb' in r else '-'
        lines.append(f"| {r['model']} | {r['params_m']:.2f} | {r['gmacs']:.2f} | {2 * r['gmacs']:.2f} | "
                     f"{r['forward_ms']:.1f} | {fr} | {ts} | {tr} | {mem} |")
    table = '\n'.join(lines)
    print(table)
    if args.markdown:
        Path(args.markdown).write_text(table + '\n')
    if args.json:
        Path(args.json).write_text(json.dumps(dict(header=header, rows=list(rows.values())), indent=2))


if __name__ == '__main__':
    main()
