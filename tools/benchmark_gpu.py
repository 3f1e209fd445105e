"""GPU latency of exported networks: TensorRT FP16 engines built from the ONNX files, side by side.

Run on a machine with an NVIDIA GPU and TensorRT (``pip install tensorrt``)::

    python tools/benchmark.py --backends onnxruntime --models lrfg yoloxpose_s --repeats 1   # the ONNX files
    python tools/benchmark_gpu.py work_dirs/benchmark/lrfg_network_640.onnx \
        work_dirs/benchmark/yoloxpose_s_network_640.onnx --repeats 200

For each ONNX file: an FP16 engine (TensorRT's builder, FP16 allowed, batch 1), a warm-up, then
``--repeats`` timed runs of each engine in turn (interleaved) with CUDA events; prints the median
latency and its ratio to the last file's. ``--strip-weights DIR`` writes copies of the ONNX files
whose weights are left out (a few hundred kB instead of tens of MB, for copying to a GPU machine);
``--random-weights`` fills missing weights with random values (latency does not depend on them).
Without TensorRT, ``--torch-fallback`` times the same graphs in PyTorch on the GPU in FP16 (through
onnx2torch) and says so: a stand-in, not a TensorRT figure. This needs no torch/MMPose install of
this project: only onnx, numpy, torch (CUDA) and tensorrt or onnx2torch.
"""
import argparse
import sys
from pathlib import Path

from lrfg_mmpose.apis.gpu_latency import (load_onnx, strip_weights, tensorrt_runner,
                                          time_interleaved, torch_fallback_runner)
from lrfg_mmpose.cli import positive_int


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('onnx', nargs='+', help='ONNX files; ratios are to the last one')
    parser.add_argument('--repeats', type=positive_int, default=200)
    parser.add_argument('--workspace-gb', type=float, default=4)
    parser.add_argument('--strip-weights', type=Path, help='write weight-less copies here and stop')
    parser.add_argument('--random-weights', action='store_true')
    parser.add_argument('--torch-fallback', action='store_true',
                        help='without TensorRT, time the graphs in PyTorch FP16 on the GPU')
    args = parser.parse_args()
    if args.strip_weights:
        return strip_weights(args.onnx, args.strip_weights)
    import torch
    if not torch.cuda.is_available():
        sys.exit('no CUDA GPU: this benchmark needs one')
    try:
        import tensorrt
        engine = f'TensorRT {tensorrt.__version__} FP16'
    except ImportError:
        if not args.torch_fallback:
            sys.exit('TensorRT is not installed (pip install tensorrt); --torch-fallback times '
                     'PyTorch FP16 instead')
        tensorrt = None
        engine = f'PyTorch {torch.__version__} FP16 eager via onnx2torch (TensorRT not installed)'
    runners = {}
    for path in args.onnx:
        model = load_onnx(path, args.random_weights)
        runners[Path(path).name] = (tensorrt_runner(model, args.workspace_gb) if tensorrt
                                    else torch_fallback_runner(model))
    ms = time_interleaved(runners, args.repeats)
    ref = ms[Path(args.onnx[-1]).name]
    print(f'{torch.cuda.get_device_name()}: {engine}, batch 1, median of {args.repeats} '
          f'interleaved runs (CUDA events)')
    print('| network | ms | ratio |\n|---|---|---|')
    for name, value in ms.items():
        print(f'| {name} | {value:.3f} | {value / ref:.2f} |')


if __name__ == '__main__':
    main()
