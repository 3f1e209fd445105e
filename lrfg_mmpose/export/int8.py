# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
"""INT8 OpenVINO models by NNCF post-training quantisation on the user's own images.

NNCF inserts FakeQuantize pairs on the inputs of convolutions (and the elementwise ops that
follow them, per its preset), from activation ranges it collects by running the model on
calibration images. The images are letterboxed exactly as at run time
(:func:`lrfg_mmpose.deploy.letterbox_input`). Everything after the network (decoding, NMS)
is kept in float: quantising box and keypoint coordinates would cost pixels for no speed.
"""
from pathlib import Path
from typing import List, Sequence

import numpy as np

from ..deploy import letterbox_input
from ..fileio import BadImageError, read_image

IMAGE_SUFFIXES = ('.jpg', '.jpeg', '.png', '.bmp', '.webp')


def calibration_inputs(folder, input_size: Sequence[int], limit: int = 300) -> List[np.ndarray]:
    """Up to ``limit`` images of ``folder`` (sorted by name), letterboxed to ``input_size``
    (W, H), as (1, 3, H, W) float32 batches; unreadable files are skipped with one line each."""
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f'{folder}: calibration images folder not found; pass a folder '
                                f'of images like the ones the model will see (--calib-images)')
    paths = sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)[:limit]
    inputs = []
    for path in paths:
        try:
            inputs.append(letterbox_input(read_image(path), input_size)[0][None])
        except BadImageError as e:
            print(f'warning: {path}: {e}; skipped for calibration')
    if not inputs:
        raise ValueError(f'{folder}: no readable images ({", ".join(IMAGE_SUFFIXES)}) to '
                         f'calibrate on')
    return inputs


def network_scope(model) -> list:
    """Names of what follows the network in our export graph: every op from the head's last
    convolutions to the outputs (the decode and the NMS); for a network-only graph only the
    reshapes after those convolutions. (Keeping those convolutions float too was tried: on the
    over-fitted test model it did not change the INT8 AP beyond calibration noise.)"""
    names, seen = [], set()
    stack = [out.get_node() for out in model.outputs]
    while stack:  # walk back from the outputs until a convolution (the head's last layer)
        node = stack.pop()
        if node.get_friendly_name() in seen or node.get_type_name() in (
                'Convolution', 'GroupConvolution', 'Parameter', 'Constant'):
            continue
        seen.add(node.get_friendly_name())
        names.append(node.get_friendly_name())
        stack.extend(inp.get_source_output().get_node() for inp in node.inputs())
    return names


def silu_ops(model) -> list:
    """Names of the ops of every SiLU, x * sigmoid(x): ONNX has no SiLU op, so it arrives as a
    Sigmoid and a Multiply. Left to NNCF, the Multiply looks like a product of two activations
    and gets a FakeQuantize on both inputs, and OpenVINO can then no longer fuse the SiLU into
    the convolution before it: each one runs as a float kernel of its own with three
    quantise/dequantise steps (on an Intel Xeon with AMX, 2 threads, that made the INT8
    network 1.2-1.4x slower than bf16). Kept float, the SiLU and the next convolution's input
    FakeQuantize fuse into the INT8 convolution as its post-ops."""
    names = []
    for op in model.get_ops():
        if op.get_type_name() != 'Multiply':
            continue
        a, b = (i.get_source_output() for i in op.inputs())
        for x, gate in ((a, b), (b, a)):
            node = gate.get_node()
            if node.get_type_name() == 'Sigmoid' and node.input(0).get_source_output() == x:
                names += [node.get_friendly_name(), op.get_friendly_name()]
                break
    return names


def quantize_int8(model, inputs: List[np.ndarray], preset: str = 'mixed',
                  keep_post_network_float: bool = True):
    """``model`` (an ``openvino.Model`` or a path OpenVINO reads) quantised to INT8 by NNCF on
    ``inputs`` (from :func:`calibration_inputs`). ``preset``: 'mixed' (symmetric weights,
    asymmetric activations: NNCF's advice for models with non-ReLU activations such as our
    SiLU) or 'performance' (symmetric both). Returns an ``openvino.Model``."""
    import logging

    import nncf
    import openvino as ov
    nncf.set_log_level(logging.WARNING)  # not one line per op it leaves unquantised
    if not isinstance(model, ov.Model):
        model = ov.convert_model(str(model))  # with OpenVINO's fusions (Swish among them)
    presets = dict(mixed=nncf.QuantizationPreset.MIXED,
                   performance=nncf.QuantizationPreset.PERFORMANCE)
    if preset not in presets:
        raise ValueError(f'preset {preset!r}: use {" or ".join(presets)}')
    names = silu_ops(model)
    if keep_post_network_float:
        names += network_scope(model)
    return nncf.quantize(model, nncf.Dataset(inputs), preset=presets[preset],
                         subset_size=len(inputs),
                         ignored_scope=nncf.IgnoredScope(names=names, validate=False))
