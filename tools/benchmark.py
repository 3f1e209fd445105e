"""Benchmark LRFG-YoloPose against MMPose's bundled YOLOX-Pose and RTMO, side by side.

For each model, at one input size and thread count, in one run: parameters, GFLOPs
(MMEngine's counter: multiply-adds, printed as GMACs, and 2 x MACs as GFLOPs), forward
latency (median over repeats, models interleaved), deploy-mode latency for ours (implicit
folded, BN fused), train-step time on a fixed batch of real images, and peak memory of a
train step (CUDA: allocator peak; CPU: a fresh process's peak RSS above its baseline).
Ratios are against YOLOX-Pose-s::

    python tools/benchmark.py                                  # all models, 640, CPU
    python tools/benchmark.py --models lrfg yoloxpose_s --repeats 30 --json out.json

Deployment (``--backends``): each model's network (backbone, neck, head forward; deploy mode,
BN fused) exported to ONNX and timed in PyTorch eager, ONNX Runtime and OpenVINO (f32, and
bf16 where the CPU has it), all interleaved with the same threads; with ``--e2e-checkpoint``
(a trained checkpoint of ours) also our whole predictor on a real image (letterbox, network +
decoding + NMS graph, mapping back) against that checkpoint's network alone::

    python tools/benchmark.py --backends torch onnxruntime openvino --models lrfg yoloxpose_s \
        rtmo_s --e2e-checkpoint work_dirs/demo/epoch_300.pth

``NAME@SIZE`` sets a model's input size; Ultralytics' pose models (``yolo26s-pose``,
``yolo26m-pose``, ``yolo11s-pose``, ...: built from their yaml with random weights, exported by
Ultralytics; needs ``pip install ultralytics``) join as peers at their published size;
``--int8`` adds OpenVINO INT8 (NNCF); each model's published COCO AP stands beside it and a
plot of latency against AP is written (``--plot``)::

    python tools/benchmark.py --backends onnxruntime openvino --int8 --repeats 20 \
        --models lrfg@960 lrfg@640 yolo26s-pose yolo26m-pose yolo11s-pose --plot deploy.png \
        --profile 12

``--profile N`` adds OpenVINO's per-layer counters of every network timed on OpenVINO: the N
costliest layer types with the kernel OpenVINO picked for them.

Training-loader throughput (``--pipeline``): one worker's training samples a second at 960 on
the embedded images, ours against YOLOX-Pose-s's pipeline and, given a checkout of the
YOLO-Pose reference, its loader, interleaved; and the workers one GPU needs
(:mod:`lrfg_mmpose.apis.pipeline_benchmark`)::

    python tools/benchmark.py --pipeline --reference-repo ../edgeai-yolov5
"""
import argparse
from pathlib import Path

import torch

from lrfg_mmpose.apis.benchmark import (MODEL_CONFIGS, NETWORK_BACKENDS, best_precision,
                                        build_model, cpu_name, end_to_end_latencies, gmacs,
                                        interleaved_times, median_ms,
                                        layer_profile, network_latencies, network_path,
                                        optimizer, plot_latency_ap,
                                        published_ap, real_batch, train_step_peak_mb)
from lrfg_mmpose.apis.peers import ULTRALYTICS_PEERS
from lrfg_mmpose.apis.pipeline_benchmark import (GPU_IMAGES_PER_S, PIPELINES, augmentation_stats,
                                                 pipeline_throughput)
from lrfg_mmpose.apis.report import emit, markdown_table
from lrfg_mmpose.apis.table1 import TABLE1
from lrfg_mmpose.cli import non_negative_int, positive_int, unit_float

DEFAULT_MODELS = ['lrfg', *[row.name for row in TABLE1], 'yoloxpose_tiny',
                  'yoloxpose_s', 'rtmo_s']


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--models', nargs='+', default=DEFAULT_MODELS,
                        help=f'names ({", ".join(MODEL_CONFIGS)}) or config files (any keypoint '
                        f'set); with --backends also Ultralytics peers ('
                        f'{", ".join(ULTRALYTICS_PEERS)}) and NAME@SIZE')
    parser.add_argument('--input-size', type=int, default=None,
                        help='default: 640; with --pipeline 960')
    parser.add_argument('--repeats', type=positive_int, default=15,
                        help='timed forward passes per model')
    parser.add_argument('--train-repeats', type=positive_int, default=3,
                        help='timed train steps per model')
    parser.add_argument('--batch-size', type=positive_int, default=2,
                        help='real images per train step')
    parser.add_argument('--threads', type=positive_int, default=torch.get_num_threads())
    parser.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    parser.add_argument('--no-memory', action='store_true', help='skip the peak-memory runs')
    parser.add_argument('--stats-only', action='store_true',
                        help='parameters and GFLOPs only (no timing, no memory)')
    parser.add_argument('--backends', nargs='+', choices=NETWORK_BACKENDS,
                        help='deployment latency of the exported networks instead of the '
                        'training benchmark')
    parser.add_argument('--bf16', action=argparse.BooleanOptionalAction, default=True,
                        help='with --backends openvino: also OpenVINO bf16 where the CPU has it, '
                        'in a second interleaved group (its AMX units lower the clock for '
                        'whatever runs next)')
    parser.add_argument('--int8', action='store_true', help='with --backends openvino: also '
                        'OpenVINO INT8 (NNCF post-training quantisation, MIXED preset, on 16 '
                        'embedded images), in the bf16 group')
    parser.add_argument('--ratio-to', default=None, help='with --backends: the NAME@SIZE the '
                        'ratios are against (default: yolo26s-pose@640 if timed, else '
                        'yoloxpose_s@INPUT)')
    parser.add_argument('--profile', type=non_negative_int, default=0, metavar='N',
                        help='with --backends openvino: after the timing, OpenVINO\'s per-layer '
                        'counters of each network (f32, bf16, INT8 as timed), the N costliest '
                        'layer types')
    parser.add_argument('--plot', help='with --backends: write latency against published AP '
                        'here (PNG)')
    parser.add_argument('--e2e-checkpoint', help='with --backends: our trained checkpoint for '
                        'the end-to-end predictor timing')
    parser.add_argument('--e2e-config', default='configs/lrfg_yolopose_coco-mini.py')
    parser.add_argument('--e2e-image', default='data/coco-mini/train2017/000000069468.jpg')
    parser.add_argument('--e2e-size', type=int, default=None,
                        help='input size of the end-to-end timing; default: the e2e config\'s')
    parser.add_argument('--deploy-score-thr', type=unit_float, default=0.3,
                        help='deployment score threshold of the end-to-end timing')
    parser.add_argument('--pipeline', action='store_true',
                        help='training-loader throughput per worker instead')
    parser.add_argument('--reference-repo', help='with --pipeline: a checkout of the YOLO-Pose '
                        'reference (edgeai-yolov5, branch yolo-pose) to time its loader too')
    parser.add_argument('--gpu-images-per-s', type=float, default=GPU_IMAGES_PER_S,
                        help='with --pipeline: training images/s of one GPU, for the workers '
                        'it needs (default: an estimate, see lrfg_mmpose.apis.pipeline_benchmark)')
    parser.add_argument('--stats-samples', type=positive_int, default=300,
                        help='with --pipeline: seeded samples for the padding / people / '
                        'keypoint statistics (0: none)')
    parser.add_argument('--work-dir', default='work_dirs/benchmark')
    parser.add_argument('--json', help='write the results here')
    parser.add_argument('--markdown', help='write the table here')
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    if args.pipeline:
        return loader_benchmark(args)
    args.input_size = args.input_size or 640
    if args.backends:
        return deploy_benchmark(args)
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

    batches = {n: real_batch(size, args.batch_size, n) for n in names}
    train = {n: build_model(n, device) for n in names}
    optims = {n: optimizer(m) for n, m in train.items()}
    steps = interleaved_times({n: (lambda n=n: train[n].train_step(batches[n], optims[n]))
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
              f'images, {args.threads} threads, {device} ({cpu_name()}), '
              f'forward median of {args.repeats}, train step median of {args.train_repeats}; '
              f'ratios vs yoloxpose_s.')
    def cell(r, key, spec):
        return format(r[key], spec) if key in r else '-'

    table = markdown_table(
        ['model', 'params (M)', 'GMACs', 'GFLOPs (2xMACs)', 'forward (ms)', 'x yoloxpose_s',
         'train step (s)', 'x yoloxpose_s', 'peak mem (MB)'],
        [[r['model'], f"{r['params_m']:.2f}", f"{r['gmacs']:.2f}", f"{2 * r['gmacs']:.2f}",
          f"{r['forward_ms']:.1f}", cell(r, 'forward_ms_ratio', '.2f'),
          cell(r, 'train_step_s', '.2f'), cell(r, 'train_step_s_ratio', '.2f'),
          cell(r, 'peak_mem_mb', '.0f')] for r in rows.values()])
    emit([header, '', *table], args.markdown, args.json,
         dict(header=header, rows=list(rows.values())))


def loader_benchmark(args):
    """Training samples per second of one loader worker, ours / YOLOX-Pose-s / reference."""
    size, repeats = args.input_size or 960, max(args.repeats, 1)
    rows = pipeline_throughput(size, repeats, args.reference_repo, Path(args.work_dir),
                               args.gpu_images_per_s)
    header = (f'Training pipeline, one worker (one process, OpenCV single-threaded), input '
              f'{size}x{size}, embedded images, {repeats} samples each interleaved, '
              f'{cpu_name()}; workers per GPU at '
              f'{args.gpu_images_per_s:g} training images/s.')
    has_ref = 'reference' in rows
    lines = [header, '', *markdown_table(
        ['pipeline', 'ms / image', 'images/s', 'workers per GPU'] +
        (['x reference'] if has_ref else []),
        [[name, f"{r['ms_per_image']:.1f}", f"{r['images_per_s']:.1f}", r['workers_per_gpu']] +
         ([f"{r['vs_reference']:.2f}"] if has_ref else []) for name, r in rows.items()])]
    stats = {}
    if args.stats_samples:
        names = list(PIPELINES) + (['reference'] if has_ref else [])
        stats = {n: augmentation_stats(n, size, args.stats_samples, args.reference_repo,
                                       Path(args.work_dir)) for n in names}
        lines += ['', f'What the samples hold after the geometry (before colour and flip), '
                  f'{args.stats_samples} seeded samples each:', '', *markdown_table(
                      ['pipeline', 'grey padding', 'people per sample',
                       'labelled keypoints per person'],
                      [[n, f"{r['grey_fraction']:.1%}", f"{r['people_per_sample']:.2f}",
                        f"{r['labelled_keypoints_per_person']:.2f}"] for n, r in stats.items()])]
    emit(lines, args.markdown, args.json, dict(header=header, rows=rows, stats=stats))


def deploy_benchmark(args):
    """Exported networks on each backend, interleaved; then the end-to-end predictor."""
    import sys
    size, threads = args.input_size, args.threads
    try:
        ms = network_latencies(args.models, args.backends, size, threads, args.repeats,
                               Path(args.work_dir), args.bf16, args.int8)
    except (ImportError, ValueError) as e:
        sys.exit(f'error: {e}')
    labels = list(dict.fromkeys(label for label, _ in ms))
    ref = args.ratio_to or next((lab for lab in ('yolo26s-pose@640', f'yoloxpose_s@{size}')
                                 if lab in labels), None)
    best = best_precision(ms)

    def ratio(value, other):
        return f'{value / other:.2f}' if other else '-'

    def ap(label):
        name, _, at = label.partition('@')
        value = published_ap(name, int(at))
        return '-' if value is None else f'{value:.1f}'

    head = (f'Exported networks (no decoding or NMS; Ultralytics\' models as their exporter '
            f'writes them by default), batch 1, {threads} threads, {cpu_name()}, median of {args.repeats} '
            f'interleaved runs (f32 in one group, bf16 and INT8 in a second).')
    lines = [head, '', *markdown_table(
        ['model@input', 'published COCO AP', 'backend', 'ms', f'x {ref} same backend'],
        [[label, ap(label), backend, f'{value:.1f}', ratio(value, ms.get((ref, backend)))]
         for (label, backend), value in ms.items()])]
    lines += ['', f'Each model at its best backend and precision, ratios against {ref} at its '
              f'best:', '', *markdown_table(
                  ['model@input', 'published COCO AP', 'best', 'ms', f'x {ref}'],
                  [[label, ap(label), backend, f'{value:.1f}',
                    ratio(value, best[ref][1] if ref in best else None)]
                   for label, (backend, value) in best.items()])]
    results = dict(header=head, networks={f'{n}/{b}': v for (n, b), v in ms.items()},
                   best={n: dict(backend=b, ms=v) for n, (b, v) in best.items()}, ratio_to=ref)
    if args.profile:
        results['profile'] = {}
        for label in labels:
            name, _, at = label.partition('@')
            for backend in [b for lab, b in ms if lab == label and b.startswith('openvino')]:
                int8 = backend.endswith('int8')
                precision = 'bf16' if backend.endswith('bf16') else 'f32'
                rows = layer_profile(network_path(args.work_dir, name, int(at), int8), int(at),
                                     threads, precision)
                total = sum(r['ms'] for r in rows)
                results['profile'][f'{label}/{backend}'] = rows
                lines += ['', f'{label}, {backend}: per-layer counters, {total:.1f} ms summed '
                          f'(the {args.profile} costliest layer types)', '', *markdown_table(
                              ['layer type', 'kernel', 'layers', 'ms', 'share'],
                              [[r['type'], r['kernel'], r['layers'], f"{r['ms']:.1f}",
                                f"{r['ms'] / total:.0%}"] for r in rows[:args.profile]])]
    if args.plot:
        plot_latency_ap(ms, args.plot, f'{cpu_name()}, {threads} threads, batch 1')
        lines += ['', f'plot: {args.plot}']

    if args.e2e_checkpoint:
        import cv2

        from lrfg_mmpose.utils import load_config
        size = args.e2e_size or load_config(args.e2e_config).codec.input_size[0]
        image = cv2.imread(args.e2e_image)
        e2e = end_to_end_latencies(args.e2e_config, args.e2e_checkpoint, image, size,
                                   (args.deploy_score_thr, 0.001),
                                   [b for b in args.backends if b != 'torch'], threads,
                                   args.repeats, Path(args.work_dir))
        lines += ['', f'End to end on {args.e2e_image} ({image.shape[1]}x{image.shape[0]}), our '
                  f'checkpoint {args.e2e_checkpoint} at {size}: the Predictor (letterbox, network '
                  f'+ decoding + NMS graph, mapping back) against the same network alone.', '',
                  *markdown_table(['backend', 'score threshold', 'people kept', 'predictor (ms)',
                                   'network alone (ms)', 'ratio'],
                                  [[backend, thr, kept, f'{pred:.1f}', f'{net_ms:.1f}',
                                    f'{pred / net_ms:.2f}']
                                   for (backend, thr), (pred, net_ms, kept) in e2e.items()])]
        results['e2e'] = {f'{b}/{t}': v for (b, t), v in e2e.items()}
    emit(lines, args.markdown, args.json, results)


if __name__ == '__main__':
    main()
