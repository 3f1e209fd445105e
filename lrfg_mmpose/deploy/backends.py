# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
"""Run an exported graph with ONNX Runtime or OpenVINO (no torch, mmcv or MMPose)."""
from pathlib import Path
from typing import Dict, Optional, Tuple

import numpy as np


def _static(shape) -> Tuple[Optional[int], ...]:
    """A graph tensor's shape, None for each dimension fixed only at run time (ONNX Runtime's
    strings and Nones, OpenVINO's dynamic dimensions)."""
    dims = []
    for d in shape:
        if hasattr(d, 'is_static'):  # an OpenVINO Dimension
            dims.append(d.get_length() if d.is_static else None)
        else:
            dims.append(d if isinstance(d, int) else None)
    return tuple(dims)


class OnnxRuntimeBackend:
    """ONNX Runtime on the CPU (float32). ``spin=False`` stops its threads from busy-waiting
    between runs (lower latency when alone, but they take the cores from anything run
    alongside, e.g. other models in an interleaved benchmark)."""

    def __init__(self, model_path: Path, threads: Optional[int] = None, precision: str = 'f32',
                 spin: bool = True):
        if precision != 'f32':
            raise ValueError(f'precision {precision!r}: the ONNX Runtime backend runs f32')
        import onnxruntime as ort
        options = ort.SessionOptions()
        options.add_session_config_entry('session.intra_op.allow_spinning', '1' if spin else '0')
        if threads:
            options.intra_op_num_threads = threads
            options.inter_op_num_threads = 1
        self.session = ort.InferenceSession(str(model_path), options,
                                            providers=['CPUExecutionProvider'])
        self.output_names = [o.name for o in self.session.get_outputs()]
        self.input_shape = _static(self.session.get_inputs()[0].shape)
        self.output_shapes = {o.name: _static(o.shape) for o in self.session.get_outputs()}

    def __call__(self, images: np.ndarray) -> Dict[str, np.ndarray]:
        outputs = self.session.run(self.output_names, {'images': images})
        return dict(zip(self.output_names, outputs))


class OpenVINOBackend:
    """OpenVINO on the CPU, compiled for latency; reads IR (.xml) or ONNX.

    ``precision``: 'f32' computes as PyTorch does; 'bf16' lets CPUs with bfloat16 units (AMX,
    AVX512-BF16) run faster at about 0.5 px more error (OpenVINO's own default there); 'f16'
    likewise where supported.
    """

    def __init__(self, model_path: Path, threads: Optional[int] = None, precision: str = 'f32',
                 spin: bool = True):
        import openvino as ov
        config = {'PERFORMANCE_HINT': 'LATENCY', 'INFERENCE_PRECISION_HINT': precision}
        if threads:
            config['INFERENCE_NUM_THREADS'] = threads
        self.compiled = ov.Core().compile_model(str(model_path), 'CPU', config)
        self.request = self.compiled.create_infer_request()
        self.output_names = [o.get_any_name() for o in self.compiled.outputs]
        self.input_shape = _static(self.compiled.inputs[0].get_partial_shape())
        self.output_shapes = {o.get_any_name(): _static(o.get_partial_shape())
                              for o in self.compiled.outputs}

    def __call__(self, images: np.ndarray) -> Dict[str, np.ndarray]:
        results = self.request.infer({'images': images})
        return {name: np.asarray(results[out]) for name, out in
                zip(self.output_names, self.compiled.outputs)}


# The graph runners by name; :data:`lrfg_mmpose.deploy.BACKENDS` adds PyTorch.
RUNTIMES = {'onnxruntime': OnnxRuntimeBackend, 'openvino': OpenVINOBackend}


def open_backend(model_path, backend: Optional[str] = None, threads: Optional[int] = None,
                 precision: str = 'f32', spin: bool = True):
    """``backend``: 'onnxruntime' or 'openvino'; by default OpenVINO for ``.xml`` files and
    ONNX Runtime for ``.onnx``. ``precision``: see :class:`OpenVINOBackend`; ``spin``: see
    :class:`OnnxRuntimeBackend`."""
    model_path = Path(model_path)
    if backend is None:
        backend = 'openvino' if model_path.suffix == '.xml' else 'onnxruntime'
    if backend not in RUNTIMES:
        raise ValueError(f'backend {backend!r}: an exported model runs on one of '
                         f'{", ".join(RUNTIMES)}')
    if backend == 'onnxruntime' and model_path.suffix != '.onnx':
        raise ValueError(f'{model_path}: ONNX Runtime reads .onnx files; use --backend openvino '
                         f'for OpenVINO IR (.xml)')
    return RUNTIMES[backend](model_path, threads, precision, spin)
