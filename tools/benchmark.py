"""Benchmark LRFG-YoloPose against MMPose's bundled YOLOX-Pose and RTMO, side by side.

For each model, at one input size and thread count, in one run: parameters, GFLOPs
(MMEngine's counter: multiply-adds, printed as GMACs, and 2 x MACs as GFLOPs), forward
latency (median over repeats, models interleaved), deploy-mode latency for ours (implicit
folded, BN fused), train-step time on a fixed batch of real images, and peak memory of a
train step (CUDA: allocator peak; CPU: a child process's peak RSS above an idle baseline).
Ratios are against YOLOX-Pose-s::

    python tools/benchmark.py                                  # all models, 640, CPU
    python tools/benchmark.py --models lrfg yoloxpose_s --repeats 30 --json out.json
"""
import argparse
import copy
import json
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
ABLATION = sorted((ROOT / 'configs' / 'ablation').glob('*.py'))
MODELS_AVAILABLE = {
    'lrfg': str(ROOT / 'configs' / 'lrfg_yolopose_coco.py'),
    **{p.stem.split('_')[2]: str(p) for p in ABLATION},
    'yoloxpose_tiny': 'body_2d_keypoint/yoloxpose/coco/yoloxpose_tiny_4xb64-300e_coco-416.py',
    'yoloxpose_s': 'body_2d_keypoint/yoloxpose/coco/yoloxpose_s_8xb32-300e_coco-640.py',
    'rtmo_s': 'body_2d_keypoint/rtmo/coco/rtmo-s_8xb32-600e_coco-640x640.py',
}
DEFAULT_MODELS = ['lrfg', *[p.stem.split('_')[2] for p in ABLATION], 'yoloxpose_tiny',
                  'yoloxpose_s', 'rtmo_s']


def config_path(name: str) -> str:
    from lrfg_mmpose.utils import mmpose_config
    path = MODELS_AVAILABLE[name]
    return path if path.startswith('/') else mmpose_config(path)


def build_model(name: str, device: str, deploy: bool = False):
    """The model of a config, random weights (no downloads), fixed input size."""
    from mmengine.config import Config
    from mmpose.registry import MODELS
    cfg = Config.fromfile(config_path(name))
    model_cfg = copy.deepcopy(cfg.model)
    model_cfg.data_preprocessor.pop('batch_augments', None)
    model_cfg.backbone.pop('init_cfg', None)
    model = MODELS.build(model_cfg)
    model.init_weights()
    model.to(device)
    if deploy:
        from mmcv.cnn import fuse_conv_bn
        model.eval()
        model.switch_to_deploy()  # MMPose's: calls every submodule's switch_to_deploy
        model = fuse_conv_bn(model)
    return model


def real_batch(size: int, batch_size: int):
    """A fixed batch of real embedded images with their people, letterboxed to ``size``."""
    from mmengine.dataset import pseudo_collate
    from mmpose.registry import DATASETS

    from lrfg_mmpose.datasets import fixed_train_pipeline
    data = ROOT / 'data' / 'coco-mini'
    pipeline = fixed_train_pipeline((size, size))
    ds = DATASETS.build(dict(type='CocoDataset', data_root=str(data), data_mode='bottomup',
                             ann_file='annotations/person_keypoints_train2017.json',
                             data_prefix=dict(img='train2017/'), pipeline=pipeline))
    return pseudo_collate([ds[i] for i in range(batch_size)])


def sync(device):
    if device.startswith('cuda'):
        torch.cuda.synchronize()


def flops(model, size, device):
    from mmengine.analysis import get_model_complexity_info
    x = torch.randn(1, 3, size, size, device=device)
    info = get_model_complexity_info(model, inputs=(x, None), show_table=False, show_arch=False)
    return info['flops'] / 1e9


def train_step_peak(name, size, batch_size, device):
    """Peak memory (MB) of one train step: CUDA allocator peak, or child-process RSS."""
    if device.startswith('cuda'):
        model = build_model(name, device)
        optim = _optim(model)
        batch = real_batch(size, batch_size)
        torch.cuda.reset_peak_memory_stats()
        model.train_step(batch, optim)
        return torch.cuda.max_memory_allocated() / 2**20
    # VmHWM (peak RSS) is per address space: unlike ru_maxrss it does not carry the parent's
    # peak across fork + exec.
    code = ('import sys, re; sys.path.insert(0, {root!r}); '
            'from benchmark import real_batch, build_model, _optim; import lrfg_mmpose; '
            'from mmengine.registry import init_default_scope; init_default_scope("mmpose"); '
            'hwm = lambda: int(re.search(r"VmHWM:\\s+(\\d+)", open("/proc/self/status").read()).group(1)); '
            'b = real_batch({size}, {bs}); base = hwm(); '
            'm = build_model({name!r}, "cpu"); m.train_step(b, _optim(m)); '
            'print("PEAK_MB", (hwm() - base) / 1024)')
    out = subprocess.run([sys.executable, '-c', code.format(root=str(ROOT / 'tools'), size=size, bs=batch_size,
                                                           name=name)],
                         capture_output=True, text=True, check=True)
    return float(next(line.split()[1] for line in out.stdout.splitlines()
                      if line.startswith('PEAK_MB')))


def _optim(model):
    from mmengine.optim import build_optim_wrapper
    return build_optim_wrapper(model, dict(optimizer=dict(type='SGD', lr=1e-4, momentum=0.9)))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--models', nargs='+', default=DEFAULT_MODELS, choices=list(MODELS_AVAILABLE))
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

    import lrfg_mmpose  # noqa: F401
    from mmengine.registry import init_default_scope
    init_default_scope('mmpose')
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    size, device = args.input_size, args.device
    names = list(args.models)
    models = {n: build_model(n, device).eval() for n in names}
    if 'lrfg' in names:
        models['lrfg (deploy)'] = build_model('lrfg', device, deploy=True)
    rows = {n: dict(model=n, params_m=sum(p.numel() for p in m.parameters()) / 1e6,
                    gmacs=flops(m, size, device)) for n, m in models.items()}

    if args.stats_only:
        print(f'Input {size}x{size}: parameters and FLOPs (MMEngine counter; GFLOPs = 2 x GMACs)')
        print('| model | params | params (M) | GMACs | GFLOPs |\n|---|---|---|---|---|')
        for n, r in rows.items():
            count = sum(p.numel() for p in models[n].parameters())
            print(f"| {n} | {count:,} | {r['params_m']:.3f} | {r['gmacs']:.2f} | {2 * r['gmacs']:.2f} |")
        return
    x = torch.randn(1, 3, size, size, device=device)
    times = {n: [] for n in models}
    with torch.no_grad():
        for m in models.values():  # warm-up
            m(x, None)
        for _ in range(args.repeats):  # interleaved: every model sees the same machine state
            for n, m in models.items():
                sync(device)
                t = time.perf_counter()
                m(x, None)
                sync(device)
                times[n].append(time.perf_counter() - t)
    for n in models:
        rows[n]['forward_ms'] = 1e3 * statistics.median(times[n])

    batch = real_batch(size, args.batch_size)
    train = {n: build_model(n, device) for n in names}
    optims = {n: _optim(m) for n, m in train.items()}
    step_times = {n: [] for n in names}
    for n in names:  # warm-up
        train[n].train_step(batch, optims[n])
    for _ in range(args.train_repeats):
        for n in names:
            sync(device)
            t = time.perf_counter()
            train[n].train_step(batch, optims[n])
            sync(device)
            step_times[n].append(time.perf_counter() - t)
    for n in names:
        rows[n]['train_step_s'] = statistics.median(step_times[n])
        if not args.no_memory:
            rows[n]['peak_mem_mb'] = train_step_peak(n, size, args.batch_size, device)

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
