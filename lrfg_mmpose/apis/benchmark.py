# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
"""Side-by-side measurements of our models and MMPose's bundled ones (``tools/benchmark.py``)."""
import multiprocessing
import platform
import re
import time
from pathlib import Path
from typing import Dict, List

import torch

from ..deploy.backends import RUNTIMES
from ..utils import build_pose_model, load_config
from ..utils.timing import interleaved_times, median_ms  # noqa: F401 (re-exported)
from .table1 import TABLE1

ROOT = Path(__file__).resolve().parents[2]
ABLATION = [row.config for row in TABLE1]  # the paper's Table 1, in row order
MODEL_CONFIGS = {
    'lrfg': str(ROOT / 'configs' / 'lrfg_yolopose_coco.py'),
    **{row.name: str(row.config) for row in TABLE1},
    'yoloxpose_tiny': 'mmpose::body_2d_keypoint/yoloxpose/coco/yoloxpose_tiny_4xb64-300e_coco-416.py',
    'yoloxpose_s': 'mmpose::body_2d_keypoint/yoloxpose/coco/yoloxpose_s_8xb32-300e_coco-640.py',
    'rtmo_s': 'mmpose::body_2d_keypoint/rtmo/coco/rtmo-s_8xb32-600e_coco-640x640.py',
}


# What the deployment benchmark runs a network on: PyTorch eager and each exported-graph
# runtime.
NETWORK_BACKENDS = ('torch', *RUNTIMES)


def cpu_name() -> str:
    """The CPU's model name (``/proc/cpuinfo``), else what ``platform`` knows."""
    try:
        with open('/proc/cpuinfo') as f:
            return next(line.split(':', 1)[1].strip() for line in f if line.startswith('model name'))
    except (OSError, StopIteration):
        return platform.processor() or platform.machine()


def model_config(name: str):
    """The config of a benchmark entry: a name of :data:`MODEL_CONFIGS` or a config file (any
    keypoint set)."""
    if name not in MODEL_CONFIGS and not Path(name).is_file():
        raise ValueError(f'{name!r}: not a benchmark model ({", ".join(MODEL_CONFIGS)}) nor a '
                         f'config file')
    return load_config(MODEL_CONFIGS.get(name, name))


def build_model(name: str, device: str = 'cpu', deploy: bool = False) -> torch.nn.Module:
    """The model of a benchmark entry with random weights (nothing is downloaded); in deploy
    mode with MMPose's ``switch_to_deploy`` (implicit layers folded) and BN fused."""
    cfg = model_config(name)
    cfg.model.data_preprocessor.pop('batch_augments', None)
    cfg.model.backbone.pop('init_cfg', None)
    model = build_pose_model(cfg.model)
    model.init_weights()
    model.to(device)
    if deploy:
        from mmcv.cnn import fuse_conv_bn
        model.eval()
        model.switch_to_deploy()  # MMPose's: calls every submodule's switch_to_deploy
        model = fuse_conv_bn(model)
    return model


def real_batch(size: int, batch_size: int, name: str = 'lrfg') -> dict:
    """A fixed batch of real images with their people, letterboxed to ``size``: from the
    training set of the entry's config where its files are here (an embedded custom keypoint
    set), else from the embedded COCO images (COCO models; full COCO is not here)."""
    import os.path as osp

    from mmengine.dataset import pseudo_collate
    from mmengine.registry import DefaultScope
    from mmpose.registry import DATASETS

    from ..datasets import fixed_train_pipeline
    dataset = model_config(name).train_dataloader.dataset
    if not osp.isfile(osp.join(dataset.get('data_root') or '', dataset.ann_file)):
        dataset = dict(type='CocoDataset', data_root=str(ROOT / 'data' / 'coco-mini'),
                       data_mode='bottomup', ann_file='annotations/person_keypoints_train2017.json',
                       data_prefix=dict(img='train2017/'))
    with DefaultScope.overwrite_default_scope('mmpose'):
        ds = DATASETS.build(dict(dataset, pipeline=fixed_train_pipeline((size, size))))
        return pseudo_collate([ds[i] for i in range(batch_size)])


def optimizer(model):
    from mmengine.optim import build_optim_wrapper
    return build_optim_wrapper(model, dict(optimizer=dict(type='SGD', lr=1e-4, momentum=0.9)))


def gmacs(model, size: int, device: str = 'cpu') -> float:
    """Multiply-adds of one forward pass (MMEngine's counter, which calls them FLOPs)."""
    from mmengine.analysis import get_model_complexity_info
    x = torch.randn(1, 3, size, size, device=device)
    info = get_model_complexity_info(model, inputs=(x, None), show_table=False, show_arch=False)
    return info['flops'] / 1e9


def _vm_hwm_kb() -> int:
    """Peak resident memory of this process (VmHWM: per address space, so a child started
    with spawn does not inherit its parent's peak as ru_maxrss would)."""
    return int(re.search(r'VmHWM:\s+(\d+)', Path('/proc/self/status').read_text()).group(1))


def _train_step_peak_child(name: str, size: int, batch_size: int, queue) -> None:
    import lrfg_mmpose  # noqa: F401
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


class _NetworkOutputs(torch.nn.Module):
    """A pose estimator's network (backbone, neck, head forward) with its outputs flattened:
    what every model exports whole, before any decoding or NMS."""

    def __init__(self, model: torch.nn.Module):
        super().__init__()
        self.model = model

    def forward(self, images: torch.Tensor):
        outs = self.model.head(self.model.extract_feat(images))
        flat = []
        stack = [outs]
        while stack:  # depth-first over nested tuples/lists of tensors
            item = stack.pop(0)
            if isinstance(item, torch.Tensor):
                flat.append(item)
            elif isinstance(item, (tuple, list)):
                stack = list(item) + stack
        return tuple(flat)


def export_network(model: torch.nn.Module, size: int, path: Path) -> Path:
    """ONNX (opset 17) of ``model``'s network forward at ``size`` x ``size``, batch 1, its
    shape arithmetic folded (:func:`~lrfg_mmpose.export.onnx_fold.fold_constants`)."""
    from ..export.onnx_fold import fold_constants
    path.parent.mkdir(parents=True, exist_ok=True)
    with torch.no_grad():
        torch.onnx.export(_NetworkOutputs(model).eval(), (torch.rand(1, 3, size, size), ),
                          str(path), input_names=['images'], opset_version=17, dynamo=False)
    return fold_constants(path)


def backend_runner(path: Path, backend: str, threads: int, size: int, precision: str = 'f32'):
    """A function running the exported network once on a fixed random input (ONNX Runtime
    without busy-waiting threads, which would slow whatever runs next in an interleaved
    benchmark)."""
    from ..deploy import open_backend
    run = open_backend(path, backend, threads, precision, spin=False)
    x = torch.rand(1, 3, size, size).numpy()
    return lambda: run(x)


# Published COCO val2017 AP (%) of MMPose's bundled models (their model-zoo metafiles).
MMPOSE_AP = {'yoloxpose_tiny': (416, 52.6), 'yoloxpose_s': (640, 64.1), 'rtmo_s': (640, 67.3)}
PAPER_INPUT = 960  # the input size of the paper's Table 1 figures


def model_spec(spec: str, size: int) -> tuple:
    """``NAME[@SIZE]`` -> (name, input size): SIZE, else an Ultralytics peer's published size,
    else ``size``."""
    from .peers import ULTRALYTICS_PEERS
    name, _, at = spec.partition('@')
    if at:
        return name, int(at)
    return name, ULTRALYTICS_PEERS[name].input_size if name in ULTRALYTICS_PEERS else size


def published_ap(name: str, size: int):
    """The published COCO AP (%) of a model at this input size, or None: the paper's Table 1
    figure for our rows at 960, MMPose's and Ultralytics' model tables for theirs."""
    from .peers import ULTRALYTICS_PEERS
    rows = {row.name: row.paper_ap for row in TABLE1}
    rows['lrfg'] = TABLE1[-1].paper_ap
    if name in rows:
        return rows[name] if size == PAPER_INPUT else None
    known = {n: (p.input_size, p.coco_ap) for n, p in ULTRALYTICS_PEERS.items()}
    known.update(MMPOSE_AP)
    return known[name][1] if name in known and known[name][0] == size else None


def calibration_batches(size: int, count: int = 16):
    """Embedded COCO val images letterboxed to ``size`` for INT8 calibration in the benchmark
    (speed does not depend on the ranges; accuracy is measured on a trained checkpoint)."""
    from ..export.int8 import calibration_inputs
    return calibration_inputs(ROOT / 'data' / 'coco-mini' / 'val2017', (size, size), count)


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
    (:func:`model_spec`), ours, MMPose's or Ultralytics' peers (ONNX from their own exporter;
    no eager timing). f32 runs are interleaved in one group, bf16 and INT8 in a second one,
    since their AMX units lower the clock for whatever runs next."""
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
            from ..export.int8 import quantize_int8
            int8_path = network_path(work_dir, name, s, int8=True)
            openvino.save_model(quantize_int8(path, calibration_batches(s)), str(int8_path))
            amx_runs[(label, 'openvino int8')] = backend_runner(int8_path, 'openvino', threads, s)
    with torch.no_grad():
        times = interleaved_times(runs, repeats)
    times.update(interleaved_times(amx_runs, repeats))
    return {key: median_ms(t) for key, t in times.items()}


def layer_profile(path: Path, size: int, threads: int, precision: str = 'f32',
                  repeats: int = 10) -> List[dict]:
    """OpenVINO's per-layer counters of an exported model (``PERF_COUNT``), summed over
    ``repeats`` runs after one warm-up and grouped by layer type and the kernel OpenVINO chose
    (e.g. ``Convolution`` / ``brgconv_avx512_amx``): ``[dict(type, kernel, layers, ms)]`` with
    ms per run, largest first. Fused layers (status ``OPTIMIZED_OUT``) are not counted."""
    import openvino as ov
    compiled = ov.Core().compile_model(str(path), 'CPU', {
        'PERFORMANCE_HINT': 'LATENCY', 'INFERENCE_PRECISION_HINT': precision,
        'INFERENCE_NUM_THREADS': threads, 'PERF_COUNT': True})
    request = compiled.create_infer_request()
    x = torch.rand(1, 3, size, size).numpy()
    request.infer({0: x})
    groups = {}
    for _ in range(repeats):
        request.infer({0: x})
        for info in request.profiling_info:
            if info.status != info.Status.EXECUTED:
                continue
            key = (info.node_type, info.exec_type)
            entry = groups.setdefault(key, dict(type=key[0], kernel=key[1], layers=set(), ms=0.))
            entry['layers'].add(info.node_name)
            entry['ms'] += info.real_time.total_seconds() * 1e3 / repeats
    rows = sorted(groups.values(), key=lambda r: -r['ms'])
    for r in rows:
        r['layers'] = len(r['layers'])
    return rows


def best_precision(ms: Dict[tuple, float]) -> Dict[str, tuple]:
    """Each model's fastest backend and precision: ``NAME@SIZE -> (backend, ms)``."""
    best = {}
    for (label, backend), value in ms.items():
        if label not in best or value < best[label][1]:
            best[label] = (backend, value)
    return best


def plot_latency_ap(ms: Dict[tuple, float], path: Path, title: str) -> Path:
    """Latency (x, log) against published COCO AP (y) per model and precision, one colour per
    model, one marker per backend/precision; models without a published AP at their size are
    left out of the plot (they stay in the table)."""
    import matplotlib

    from ..fileio import new_figure, save_figure
    markers = {'torch': 'x', 'onnxruntime': 's', 'openvino': 'o', 'openvino bf16': 'D',
               'openvino int8': '^'}
    labels = list(dict.fromkeys(label for label, _ in ms))
    colours = matplotlib.colormaps['tab10']
    fig, ax = new_figure(figsize=(7, 4.5))
    for i, label in enumerate(labels):
        name, _, at = label.partition('@')
        ap = published_ap(name, int(at))
        if ap is None:
            continue
        points = [(value, backend) for (lab, backend), value in ms.items() if lab == label]
        ax.plot([v for v, _ in points], [ap] * len(points), '-', color=colours(i % 10), lw=0.8)
        for value, backend in points:
            ax.plot(value, ap, markers.get(backend, 'o'), color=colours(i % 10))
        ax.annotate(label, (min(v for v, _ in points), ap), textcoords='offset points',
                    xytext=(4, 5), fontsize=8, color=colours(i % 10))
    for backend, marker in markers.items():
        if any(b == backend for _, b in ms):
            ax.plot([], [], marker, color='grey', label=backend)
    ax.set_xscale('log')
    ax.set_xlabel('network latency (ms, log scale)')
    ax.set_ylabel('published COCO val2017 AP (%)')
    ax.set_title(title, fontsize=9)
    ax.grid(alpha=0.3, which='both')
    ax.legend(fontsize=8, loc='lower right')
    return save_figure(fig, path, dpi=110)


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


def image_check_timing(num_images: int, work_dir: Path, workers: int) -> Dict[str, float]:
    """Seconds to check ``num_images`` files (copies of the embedded COCO images) with
    :func:`lrfg_mmpose.fileio.check_images`: without a cache (every file decoded), with the
    cache written by that run (stat only), and, for comparison, decoding every file whole with
    ``cv2.imread``. The copies are fresh, so they are read from the page cache: a dataset on
    a cold disk adds its read time (COCO train2017: 19 GB)."""
    import shutil
    from concurrent.futures import ThreadPoolExecutor

    import cv2

    from ..fileio import check_images
    root = Path(__file__).resolve().parents[2] / 'data' / 'coco-mini'
    sources = sorted(root.glob('*2017/*.jpg'))
    folder = Path(work_dir) / 'images'
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    paths = []
    for i in range(num_images):
        paths.append(folder / f'{i:06d}.jpg')
        shutil.copyfile(sources[i % len(sources)], paths[-1])
    cache = Path(work_dir) / 'cache.json'
    cache.unlink(missing_ok=True)
    t0 = time.perf_counter()
    cold = check_images(paths, cache_file=cache, workers=workers)
    t1 = time.perf_counter()
    warm = check_images(paths, cache_file=cache, workers=workers)
    t2 = time.perf_counter()
    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(lambda p: cv2.imread(str(p)), paths))
    t3 = time.perf_counter()
    assert cold.decoded == num_images and warm.decoded == 0 and not cold.bad
    shutil.rmtree(folder)
    return dict(images=num_images, workers=workers, cold_s=t1 - t0, cached_s=t2 - t1,
                full_decode_s=t3 - t2, mean_bytes=sum(p.stat().st_size for p in sources) /
                len(sources))
