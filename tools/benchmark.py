# ruff: noqa: E402  (the warning filter comes before the imports that warn)
"""Benchmark LRFG-YoloPose against MMPose's bundled YOLOX-Pose and RTMO, side by side.

Training (default): parameters, GFLOPs, forward latency (models interleaved; ours also in deploy
mode), the train step on real images and its peak memory, ratios against YOLOX-Pose-s
(:mod:`lrfg_mmpose.apis.train_benchmark`). ``--backends``: each network exported to ONNX and
timed on PyTorch, ONNX Runtime and OpenVINO; ``NAME@SIZE`` sets a model's input size,
Ultralytics' pose models join as peers, ``--int8``, ``--profile N``, ``--plot`` and
``--e2e-checkpoint`` (:mod:`lrfg_mmpose.apis.deploy_benchmark`). ``--pipeline``: one training
loader worker's samples a second (:mod:`lrfg_mmpose.apis.pipeline_benchmark`)::

    python tools/benchmark.py --models lrfg yoloxpose_s --repeats 30 --json out.json
    python tools/benchmark.py --backends onnxruntime openvino --int8 --repeats 20 \\
        --models lrfg@960 lrfg@640 yolo26s-pose --plot deploy.png --profile 12
    python tools/benchmark.py --pipeline --reference-repo ../edgeai-yolov5

Only the result is printed; ``--verbose`` shows MMEngine's logs too.
"""
import argparse
import sys
import warnings
from pathlib import Path

warnings.filterwarnings('ignore', message='pkg_resources is deprecated')  # MMEngine's imports
import torch

from lrfg_mmpose.apis.benchmark_models import MODEL_CONFIGS
from lrfg_mmpose.apis.deploy_benchmark import NETWORK_BACKENDS, deploy_report
from lrfg_mmpose.apis.peers import ULTRALYTICS_PEERS
from lrfg_mmpose.apis.pipeline_benchmark import GPU_IMAGES_PER_S, loader_report
from lrfg_mmpose.apis.report import emit
from lrfg_mmpose.apis.table1 import TABLE1
from lrfg_mmpose.apis.train_benchmark import model_stats, stats_lines, training_report
from lrfg_mmpose.cli import non_negative_int, positive_int, unit_float
from lrfg_mmpose.utils import framework_logs, load_config

DEFAULT_MODELS = ['lrfg', *[row.name for row in TABLE1], 'yoloxpose_tiny', 'yoloxpose_s', 'rtmo_s']


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--models', nargs='+', default=DEFAULT_MODELS,
                   help=f'names ({", ".join(MODEL_CONFIGS)}) or config files (any keypoint set); '
                   f'with --backends also Ultralytics peers ({", ".join(ULTRALYTICS_PEERS)}) and '
                   'NAME@SIZE')
    p.add_argument('--input-size', type=positive_int, help='default: 640; with --pipeline 960')
    p.add_argument('--repeats', type=positive_int, default=15, help='timed runs per model')
    p.add_argument('--train-repeats', type=positive_int, default=3, help='timed train steps')
    p.add_argument('--batch-size', type=positive_int, default=2, help='real images a train step')
    p.add_argument('--threads', type=positive_int, default=torch.get_num_threads())
    p.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    p.add_argument('--no-memory', action='store_true', help='skip the peak-memory runs')
    p.add_argument('--stats-only', action='store_true', help='parameters and GFLOPs only')
    p.add_argument('--backends', nargs='+', choices=NETWORK_BACKENDS,
                   help='deployment latency of the exported networks instead of training')
    p.add_argument('--bf16', action=argparse.BooleanOptionalAction, default=True,
                   help='with --backends openvino: also bf16 where the CPU has it, in a second '
                   'interleaved group (its AMX units lower the clock for whatever runs next)')
    p.add_argument('--int8', action='store_true', help='with --backends openvino: also INT8 '
                   '(NNCF, MIXED preset, 16 embedded images), in the bf16 group')
    p.add_argument('--ratio-to', help='with --backends: the NAME@SIZE of the ratios (default: '
                   'yolo26s-pose@640 if timed, else yoloxpose_s@INPUT, else the first model)')
    p.add_argument('--profile', type=non_negative_int, default=0, metavar='N',
                   help='with --backends openvino: the N costliest layer types of each network')
    p.add_argument('--plot', help='with --backends: latency against published AP here (PNG)')
    p.add_argument('--e2e-checkpoint', help='with --backends: our trained checkpoint, for the '
                   'whole predictor against its network alone')
    p.add_argument('--e2e-config', default='configs/lrfg_yolopose_coco-mini.py')
    p.add_argument('--e2e-image', default='data/coco-mini/train2017/000000069468.jpg')
    p.add_argument('--e2e-size', type=positive_int, help='default: the e2e config\'s input size')
    p.add_argument('--deploy-score-thr', type=unit_float, default=0.3)
    p.add_argument('--pipeline', action='store_true', help='loader throughput per worker')
    p.add_argument('--reference-repo', help='with --pipeline: a YOLO-Pose reference checkout')
    p.add_argument('--gpu-images-per-s', type=float, default=GPU_IMAGES_PER_S,
                   help='with --pipeline: one GPU\'s training images/s (default: an estimate)')
    p.add_argument('--stats-samples', type=non_negative_int, default=300,
                   help='with --pipeline: seeded samples for the padding/people statistics')
    p.add_argument('--work-dir', default='work_dirs/benchmark')
    p.add_argument('--json', help='write the results here')
    p.add_argument('--markdown', help='write the table here')
    p.add_argument('--verbose', action='store_true', help='show MMEngine\'s logs')
    return p.parse_args(argv)


def e2e_job(args):
    if not args.e2e_checkpoint:
        return None
    import cv2
    image = cv2.imread(args.e2e_image)
    if image is None:
        sys.exit(f'error: --e2e-image {args.e2e_image}: not a readable image')
    size = args.e2e_size or load_config(args.e2e_config).codec.input_size[0]
    return dict(config=args.e2e_config, checkpoint=args.e2e_checkpoint, image=image, size=size,
                score_thr=args.deploy_score_thr)


def run(args):
    torch.set_num_threads(args.threads)
    if args.pipeline:
        return loader_report(args.input_size or 960, args.repeats, args.reference_repo,
                             Path(args.work_dir), args.gpu_images_per_s, args.stats_samples)
    size = args.input_size or 640
    if args.backends:
        try:
            return deploy_report(args.models, args.backends, size, args.threads, args.repeats,
                                 Path(args.work_dir), args.bf16, args.int8, args.ratio_to,
                                 args.profile, args.plot, e2e_job(args))
        except (ImportError, ValueError) as e:
            sys.exit(f'error: {e}')
    if args.stats_only:
        rows = model_stats(args.models, size, args.device)[1]
        return stats_lines(rows, size), dict(rows=list(rows.values()))
    return training_report(args.models, size, args.repeats, args.train_repeats, args.batch_size,
                           args.threads, args.device, memory=not args.no_memory)


def main(argv=None):
    args = parse_args(argv)
    with framework_logs(args.verbose, drop_stdout=True):
        lines, results = run(args)
    emit(lines, args.markdown, args.json, results)


if __name__ == '__main__':
    main()
