# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
"""GPU latency of exported networks (``tools/benchmark_gpu.py``): TensorRT FP16 engines built from
the ONNX files, or, without TensorRT, the same graphs in PyTorch FP16 through onnx2torch (a
stand-in, said so), timed in turn with CUDA events; weight-less copies of the ONNX files for
copying to a GPU machine. Needs onnx, numpy, torch (CUDA) and tensorrt or onnx2torch only.

The timer is CUDA events on the engine's stream (GPU time of each run), not
:func:`lrfg_mmpose.timing.interleaved_times`' wall clock: a launch-bound network at batch 1
would otherwise be timed with the host's synchronisation."""
import statistics
import sys
from pathlib import Path

import numpy as np


def strip_weights(paths, out_dir: Path):
    """Copies of the ONNX files without their weights (external data not written)."""
    import onnx
    out_dir.mkdir(parents=True, exist_ok=True)
    for path in paths:
        model = onnx.load(str(path))
        for init in model.graph.initializer:
            if init.raw_data and len(init.raw_data) > 1024:
                init.ClearField('raw_data')
                init.data_location = onnx.TensorProto.EXTERNAL
                entry = init.external_data.add()
                entry.key, entry.value = 'location', 'stripped-weights.bin'
        onnx.save(model, str(out_dir / Path(path).name))
        print(f'wrote {out_dir / Path(path).name}')


def load_onnx(path, random_weights: bool):
    import onnx
    from onnx import numpy_helper
    model = onnx.load(str(path), load_external_data=False)
    rng = np.random.default_rng(0)
    for i, init in enumerate(model.graph.initializer):
        if init.data_location == onnx.TensorProto.EXTERNAL:
            if not random_weights:
                sys.exit(f'{path}: weights stored outside the file; pass --random-weights')
            dtype = onnx.helper.tensor_dtype_to_np_dtype(init.data_type)
            value = (rng.standard_normal(tuple(init.dims)) * 0.05).astype(dtype)
            model.graph.initializer[i].CopyFrom(numpy_helper.from_array(value, init.name))
    # The exporter shares equal weights through Identity nodes; give each its own copy (some
    # converters expect every conv bias to be an initializer).
    inits = {init.name: init for init in model.graph.initializer}
    for node in [n for n in model.graph.node if n.op_type == 'Identity' and n.input[0] in inits]:
        copy = onnx.TensorProto()
        copy.CopyFrom(inits[node.input[0]])
        copy.name = node.output[0]
        model.graph.initializer.append(copy)
        model.graph.node.remove(node)
    return model


def tensorrt_runner(model, workspace_gb: float):
    """A function running one inference of an FP16 engine built from ``model``."""
    import tensorrt as trt
    import torch
    logger = trt.Logger(trt.Logger.WARNING)
    builder = trt.Builder(logger)
    network = builder.create_network(0)
    parser = trt.OnnxParser(network, logger)
    if not parser.parse(model.SerializeToString()):
        errors = [str(parser.get_error(i)) for i in range(parser.num_errors)]
        raise RuntimeError('TensorRT could not parse the ONNX graph: ' + '; '.join(errors))
    config = builder.create_builder_config()
    config.set_flag(trt.BuilderFlag.FP16)
    config.set_memory_pool_limit(trt.MemoryPoolType.WORKSPACE, int(workspace_gb * 2**30))
    engine = trt.Runtime(logger).deserialize_cuda_engine(
        builder.build_serialized_network(network, config))
    context = engine.create_execution_context()
    buffers = []
    for i in range(engine.num_io_tensors):
        name = engine.get_tensor_name(i)
        shape = tuple(engine.get_tensor_shape(name))
        dtype = {trt.float32: torch.float32, trt.float16: torch.float16,
                 trt.int64: torch.int64, trt.int32: torch.int32}[engine.get_tensor_dtype(name)]
        buf = torch.rand(shape, device='cuda').to(dtype)
        buffers.append(buf)
        context.set_tensor_address(name, buf.data_ptr())
    stream = torch.cuda.Stream()
    return lambda: context.execute_async_v3(stream.cuda_stream), stream


def torch_fallback_runner(model):
    """The same graph in PyTorch on the GPU, FP16 eager (onnx2torch), for machines without
    TensorRT. (onnx2torch's Reshape reads its shape on the host, so CUDA graphs cannot capture
    it; at batch 1 these figures include every layer's launch.)"""
    import torch
    from onnx2torch import convert
    net = convert(model).cuda().half().eval()
    dims = [d.dim_value for d in model.graph.input[0].type.tensor_type.shape.dim]
    x = torch.rand(dims, device='cuda').half()
    stream = torch.cuda.Stream()

    def run():
        with torch.no_grad(), torch.cuda.stream(stream):
            net(x)
    return run, stream


def time_interleaved(runners, repeats: int):
    """Median ms of each ``(run, stream)`` runner: 10 warm-up runs each, then the runners in
    turn ``repeats`` times, each timed by CUDA events on its stream."""
    import torch
    for run, stream in runners.values():  # warm-up
        for _ in range(10):
            run()
        stream.synchronize()
    times = {name: [] for name in runners}
    for _ in range(repeats):
        for name, (run, stream) in runners.items():
            start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            start.record(stream)
            run()
            end.record(stream)
            end.synchronize()
            times[name].append(start.elapsed_time(end))
    return {name: statistics.median(t) for name, t in times.items()}
