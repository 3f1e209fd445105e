# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
"""NNCF's post-training quantisation of our OpenVINO graph: FakeQuantize pairs on the inputs of
convolutions (and the elementwise ops that follow them, per the preset), from activation ranges
collected on calibration images; everything after the network (decoding, NMS) kept float, since
quantising box and keypoint coordinates would cost pixels for no speed."""
from typing import List, Sequence

import numpy as np

# Ops through which INT8 values stay INT8: a FakeQuantize before them quantises what follows.
TRANSPARENT = ('Concat', 'MaxPool', 'Reshape', 'Transpose')


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


def float_convolutions(model) -> List[str]:
    """Names of the convolutions of an INT8 ``openvino.Model`` whose activation input is not
    quantised (kept float by an ignored scope or by accuracy control)."""
    def quantised(node):  # a FakeQuantize, through ops that keep INT8 values INT8
        if node.get_type_name() in TRANSPARENT:
            sources = [node.input(i).get_source_output().get_node()
                       for i in range(node.get_input_size())]
            return all(quantised(s) for s in sources if s.get_type_name() != 'Constant')
        return node.get_type_name() == 'FakeQuantize'
    return [op.get_friendly_name() for op in model.get_ordered_ops()
            if op.get_type_name() in ('Convolution', 'GroupConvolution')
            and not quantised(op.input(0).get_source_output().get_node())]


def quantize_int8(model, inputs: List[np.ndarray], preset: str = 'mixed',
                  keep_post_network_float: bool = True, ignored: Sequence[str] = (),
                  compress_weights: bool = True):
    """``model`` (an ``openvino.Model`` made by ``convert_model``, or a model file) quantised
    to INT8 by NNCF on ``inputs`` (from :func:`calibration_inputs`). ``preset``: 'mixed'
    (symmetric weights, asymmetric activations: NNCF's advice for models with non-ReLU
    activations such as our SiLU) or 'performance' (symmetric both). ``ignored``: names of
    further ops to keep float. ``compress_weights=False`` leaves each weight float behind a
    FakeQuantize (what :func:`bypass` can undo). Returns an ``openvino.Model``."""
    import logging

    import nncf
    import openvino as ov
    from nncf.quantization.advanced_parameters import AdvancedQuantizationParameters
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
    names = (network_scope(model) if keep_post_network_float else []) + list(ignored)
    scope = nncf.IgnoredScope(names=names, validate=False) if names else None
    advanced = None if compress_weights else AdvancedQuantizationParameters(
        backend_params={'compress_weights': False})
    return nncf.quantize(model, nncf.Dataset(inputs), preset=presets[preset],
                         subset_size=len(inputs), ignored_scope=scope,
                         advanced_parameters=advanced)
