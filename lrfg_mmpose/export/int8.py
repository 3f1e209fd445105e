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
from ..deploy.media import IMAGE_SUFFIXES, image_paths
from ..fileio import BadImageError, read_image


def calibration_inputs(folder, input_size: Sequence[int], limit: int = 300) -> List[np.ndarray]:
    """Up to ``limit`` images of ``folder`` (sorted by name), letterboxed to ``input_size``
    (W, H), as (1, 3, H, W) float32 batches; unreadable files are skipped with one line each."""
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f'{folder}: calibration images folder not found; pass a folder '
                                f'of images like the ones the model will see (--calib-images)')
    paths = image_paths(folder)[:limit]  # by suffix, sorted, as tools/infer.py reads folders
    inputs = []
    for path in paths:
        try:
            inputs.append(letterbox_input(read_image(path), input_size)[0][None])
        except BadImageError as e:
            print(f'warning: {path}: {e}; skipped for calibration')
    if not inputs:
        raise ValueError(f'{folder}: no readable images ({", ".join(sorted(IMAGE_SUFFIXES))}) to '
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


def quantize_int8(model, inputs: List[np.ndarray], preset: str = 'mixed',
                  keep_post_network_float: bool = True):
    """``model`` (an ``openvino.Model`` made by ``convert_model``, or a model file) quantised
    to INT8 by NNCF on ``inputs`` (from :func:`calibration_inputs`). ``preset``: 'mixed'
    (symmetric weights, asymmetric activations: NNCF's advice for models with non-ReLU
    activations such as our SiLU) or 'performance' (symmetric both). Returns an
    ``openvino.Model``."""
    import logging

    import nncf
    import openvino as ov
    nncf.set_log_level(logging.WARNING)  # not one line per op it leaves unquantised
    if not isinstance(model, ov.Model):
        # convert_model, not read_model: its fusions turn each SiLU, which ONNX spells as
        # x * Sigmoid(x), into one Swish op. Read without them, NNCF takes the Multiply for a
        # product of two activations and quantises both its inputs; OpenVINO then cannot fuse
        # the SiLU into its convolution, and each runs as a float kernel of its own (on an
        # Intel Xeon with AMX, 2 threads: INT8 1.37x slower than bf16 at 640, 0.98x with).
        model = ov.convert_model(str(model))
    presets = dict(mixed=nncf.QuantizationPreset.MIXED,
                   performance=nncf.QuantizationPreset.PERFORMANCE)
    if preset not in presets:
        raise ValueError(f'preset {preset!r}: use {" or ".join(presets)}')
    scope = nncf.IgnoredScope(names=network_scope(model), validate=False) \
        if keep_post_network_float else None
    return nncf.quantize(model, nncf.Dataset(inputs), preset=presets[preset],
                         subset_size=len(inputs), ignored_scope=scope)
