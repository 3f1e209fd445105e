# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
"""The deployment benchmark (``tools/benchmark.py --backends``): each model's exported network on
PyTorch eager, ONNX Runtime and OpenVINO (f32; bf16 and INT8 where asked), all interleaved with
the same threads; each model's best precision; our whole predictor against its network alone;
OpenVINO's per-layer profiles; the plot against published AP."""
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch

from ..deploy.backends import RUNTIMES
from ..export.network import export_network
from ..fileio import markdown_table
from ..timing import cpu_name, interleaved_times, median_ms
from .benchmark_models import EMBEDDED, build_model
from .openvino_profile import layer_profile, profile_lines
from .published_ap import model_spec, plot_latency_ap, published_ap

# What a network is run on: PyTorch eager and each exported-graph runtime.
NETWORK_BACKENDS = ('torch', *RUNTIMES)


def backend_runner(path: Path, backend: str, threads: int, size: int, precision: str = 'f32'):
    """A function running the exported network once on a fixed random input (ONNX Runtime
    without busy-waiting threads, which would slow whatever runs next in an interleaved
    benchmark)."""
    from ..deploy import open_backend
    run = open_backend(path, backend, threads, precision, spin=False)
    x = np.random.default_rng(0).random((1, 3, size, size), dtype=np.float32)
    return lambda: run(x)


def calibration_batches(size: int, count: int = 16):
    """Embedded COCO val images letterboxed to ``size`` for INT8 calibration in the benchmark
    (speed does not depend on the ranges; accuracy is measured on a trained checkpoint)."""
    from ..export.int8_calibration import calibration_inputs
    return calibration_inputs(EMBEDDED / 'val2017', (size, size), count)


def network_path(work_dir: Path, name: str, size: int, int8: bool = False) -> Path:
    """Where :func:`network_latencies` writes a model's exported network (a config file by its
    stem): ONNX, or for INT8 OpenVINO IR."""
    stem = f'{Path(name).stem}_network_{size}'
    return Path(work_dir) / (f'{stem}_int8.xml' if int8 else f'{stem}.onnx')


def network_latencies(models, backends, size: int, threads: int, repeats: int, work_dir: Path,
                      bf16: bool = True, int8: bool = False) -> Dict[tuple, float]:
    """Median ms of each model's exported network, keyed ``(NAME@SIZE, backend)``, backend one
    of 'torch', 'onnxruntime', 'openvino' and, where asked, 'openvino bf16' (where the CPU has
    it) and 'openvino int8' (NNCF, MIXED preset). ``models``: ``NAME[@SIZE]`` specs
    (:func:`~.published_ap.model_spec`), ours, MMPose's or Ultralytics' peers (ONNX from their
    own exporter; no eager timing). f32 runs are interleaved in one group, bf16 and INT8 in a
    second one, since their AMX units lower the clock for whatever runs next."""
    import openvino

    from .peers import export_peer, is_peer
    has_bf16 = bf16 and 'openvino' in backends and 'BF16' in openvino.Core().get_property(
        'CPU', 'OPTIMIZATION_CAPABILITIES')
    runs, amx_runs = {}, {}
    work_dir = Path(work_dir)
    for spec in models:
        name, s = model_spec(spec, size)
        label = f'{name}@{s}'
        path = network_path(work_dir, name, s)
        if is_peer(name):
            export_peer(name, path, s)
        else:
            model = build_model(name, 'cpu', deploy=True)
            if 'torch' in backends:
                x = torch.rand(1, 3, s, s)
                runs[(label, 'torch')] = lambda m=model, x=x: m(x, None)
            export_network(model, s, path)
        for backend in RUNTIMES:
            if backend in backends:
                runs[(label, backend)] = backend_runner(path, backend, threads, s)
        if has_bf16:
            amx_runs[(label, 'openvino bf16')] = backend_runner(path, 'openvino', threads, s,
                                                                'bf16')
        if int8 and 'openvino' in backends:
            from ..export.int8_quantize import quantize_int8
            int8_path = network_path(work_dir, name, s, int8=True)
            openvino.save_model(quantize_int8(path, calibration_batches(s)), str(int8_path))
            amx_runs[(label, 'openvino int8')] = backend_runner(int8_path, 'openvino', threads, s)
    with torch.no_grad():
        times = interleaved_times(runs, repeats)
    times.update(interleaved_times(amx_runs, repeats))
    return {key: median_ms(t) for key, t in times.items()}


def best_precision(ms: Dict[tuple, float]) -> Dict[str, tuple]:
    """Each model's fastest backend and precision: ``NAME@SIZE -> (backend, ms)``."""
    best = {}
    for (label, backend), value in ms.items():
        if label not in best or value < best[label][1]:
            best[label] = (backend, value)
    return best


def end_to_end_latencies(config, checkpoint, image, size: int, score_thrs, backends,
                         threads: int, repeats: int, work_dir: Path) -> Dict[tuple, tuple]:
    """``(backend, score_thr) -> (predictor ms, network-alone ms, people kept)``: our whole
    :class:`~lrfg_mmpose.deploy.Predictor` on a BGR ``image`` (letterbox, network + decoding +
    NMS graph, mapping back) against the checkpoint's network alone, interleaved."""
    from ..deploy import Predictor
    from ..export import export, load_deploy_model
    work_dir = Path(work_dir)
    net, _ = load_deploy_model(config, checkpoint)
    net_path = export_network(net, size, work_dir / f'e2e_network_{size}.onnx')
    results = {}
    for thr in score_thrs:
        path = export(config, checkpoint, work_dir / f'e2e_{thr}_{size}.onnx', 'onnx',
                      (size, size), score_thr=thr)
        for backend in backends:
            predictor = Predictor(path, backend, threads, spin=False)
            network = backend_runner(net_path, backend, threads, size)
            t = interleaved_times(dict(predictor=lambda p=predictor: p(image), network=network),
                                  repeats)
            results[(backend, thr)] = (median_ms(t['predictor']), median_ms(t['network']),
                                       len(predictor(image)['scores']))
    return results


def _ratio(value, other) -> str:
    return f'{value / other:.2f}' if other else '-'


def _ap(label: str) -> str:
    name, _, at = label.partition('@')
    value = published_ap(name, int(at))
    return '-' if value is None else f'{value:.1f}'


def deploy_report(models: Sequence[str], backends: Sequence[str], size: int, threads: int,
                  repeats: int, work_dir: Path, bf16: bool = True, int8: bool = False,
                  ratio_to: Optional[str] = None, profile: int = 0, plot: Optional[str] = None,
                  e2e: Optional[dict] = None) -> Tuple[List[str], dict]:
    """The deployment benchmark's report lines and data. Ratios are against ``ratio_to``
    (default: YOLO26s-pose at 640 where timed, else YOLOX-Pose-s at ``size``, else the first
    model). ``e2e``: ``dict(config, checkpoint, image, size, score_thr)`` for the end-to-end
    timing of our predictor."""
    ms = network_latencies(models, backends, size, threads, repeats, work_dir, bf16, int8)
    labels = list(dict.fromkeys(label for label, _ in ms))
    ref = ratio_to or next((lab for lab in ('yolo26s-pose@640', f'yoloxpose_s@{size}')
                            if lab in labels), labels[0])
    best = best_precision(ms)
    head = (f'Exported networks (no decoding or NMS; Ultralytics\' models as their exporter '
            f'writes them by default), batch 1, {threads} threads, {cpu_name()}, median of '
            f'{repeats} interleaved runs (f32 in one group, bf16 and INT8 in a second).')
    lines = [head, '', *markdown_table(
        ['model@input', 'published COCO AP', 'backend', 'ms', f'x {ref} same backend'],
        [[label, _ap(label), backend, f'{value:.1f}', _ratio(value, ms.get((ref, backend)))]
         for (label, backend), value in ms.items()])]
    lines += ['', f'Each model at its best backend and precision, ratios against {ref} at its '
              f'best:', '', *markdown_table(
                  ['model@input', 'published COCO AP', 'best', 'ms', f'x {ref}'],
                  [[label, _ap(label), backend, f'{value:.1f}',
                    _ratio(value, best[ref][1] if ref in best else None)]
                   for label, (backend, value) in best.items()])]
    results = dict(header=head, networks={f'{n}/{b}': v for (n, b), v in ms.items()},
                   best={n: dict(backend=b, ms=v) for n, (b, v) in best.items()}, ratio_to=ref)
    if profile:
        profiles = {}
        for label, backend in sorted((key for key in ms if key[1].startswith('openvino')),
                                     key=lambda key: labels.index(key[0])):
            name, _, at = label.partition('@')
            profiles[(label, backend)] = layer_profile(
                network_path(work_dir, name, int(at), backend.endswith('int8')), int(at), threads,
                'bf16' if backend.endswith('bf16') else 'f32')
        results['profile'] = {f'{label}/{backend}': rows
                              for (label, backend), rows in profiles.items()}
        lines += profile_lines(profiles, profile)
    if plot:
        plot_latency_ap(ms, plot, f'{cpu_name()}, {threads} threads, batch 1')
        lines += ['', f'plot: {plot}']
    if e2e:
        image = e2e['image']
        times = end_to_end_latencies(e2e['config'], e2e['checkpoint'], image, e2e['size'],
                                     (e2e['score_thr'], 0.001),
                                     [b for b in backends if b != 'torch'], threads, repeats,
                                     Path(work_dir))
        lines += ['', f'End to end on a {image.shape[1]}x{image.shape[0]} image, our checkpoint '
                  f'{e2e["checkpoint"]} at {e2e["size"]}: the Predictor (letterbox, network + '
                  f'decoding + NMS graph, mapping back) against the same network alone.', '',
                  *markdown_table(['backend', 'score threshold', 'people kept', 'predictor (ms)',
                                   'network alone (ms)', 'ratio'],
                                  [[backend, thr, kept, f'{pred:.1f}', f'{net_ms:.1f}',
                                    f'{pred / net_ms:.2f}']
                                   for (backend, thr), (pred, net_ms, kept) in times.items()])]
        results['e2e'] = {f'{b}/{t}': v for (b, t), v in times.items()}
    return lines, results
