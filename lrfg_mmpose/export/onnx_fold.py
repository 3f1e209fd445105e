# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
"""Fold what a fixed-size ONNX graph computes from constants and static shapes into constants.

PyTorch's tracer records every ``x.shape`` it meets as ``Shape``/``Gather``/``Concat`` ops, and
``repeat``/``view`` counts as ``Tile``/``Expand``/``Reshape`` arithmetic on them, even where the
input size is fixed. ONNX Runtime and OpenVINO fold such ops when they load a graph; clients that
import ONNX op by op do not: OpenCV's DNN module (4.x) refuses ours at such a ``Concat``.

:func:`fold_constants` folds them once, at export, with ONNX Runtime's *basic* graph
optimisations (constant folding, removal of redundant nodes such as ``Identity``, and fusions
that keep the standard ONNX op set), and writes the result back as plain ONNX. The outputs are
what the graph computed before (ONNX Runtime applies the same passes whenever it loads the
unfolded graph).
"""
from pathlib import Path
import tempfile

# Ops that only compute shapes or repeat constants; none is left in a folded fixed-size graph
# without NMS (NMS outputs a variable number of boxes, so its graph keeps one Shape).
SHAPE_OPS = ('Shape', 'ConstantOfShape', 'Tile', 'Expand', 'Mod', 'Range')


def fold_constants(path) -> Path:
    """Fold ``path`` (an ``.onnx`` file) in place; returns the path."""
    import onnx
    import onnxruntime as ort
    path = Path(path)
    with tempfile.TemporaryDirectory() as tmp:
        folded = Path(tmp) / 'folded.onnx'
        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_BASIC
        options.optimized_model_filepath = str(folded)
        ort.InferenceSession(str(path), options, providers=['CPUExecutionProvider'])
        model = onnx.load(str(folded))
    # ONNX Runtime declares its own op domains in every model it writes; keep those used.
    used = {node.domain for node in model.graph.node} | {''}
    kept = [o for o in model.opset_import if o.domain in used]
    del model.opset_import[:]
    model.opset_import.extend(kept)
    model.producer_name, model.producer_version = 'lrfg-mmpose', ''
    onnx.save(model, str(path))
    return path


def shape_ops(path) -> dict:
    """``{op type: count}`` of :data:`SHAPE_OPS` left in an ONNX file."""
    import onnx
    counts = {}
    for node in onnx.load(str(path)).graph.node:
        if node.op_type in SHAPE_OPS:
            counts[node.op_type] = counts.get(node.op_type, 0) + 1
    return counts
