# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
"""Any MMPose pose estimator's network alone (backbone, neck, head forward; no decoding or NMS)
as ONNX, for timing one model against another on the same runtimes: what every bottom-up model
can export whole, ours and MMPose's YOLOX-Pose and RTMO alike. Our deployable model, with the
decoding and NMS in the graph, is :func:`lrfg_mmpose.export.export`'s."""
from pathlib import Path

import torch

from .onnx_fold import fold_constants


class NetworkOutputs(torch.nn.Module):
    """A pose estimator's network with its outputs flattened (nested tuples and lists of
    tensors, depth first)."""

    def __init__(self, model: torch.nn.Module):
        super().__init__()
        self.model = model

    def forward(self, images: torch.Tensor):
        outs = self.model.head(self.model.extract_feat(images))
        flat = []
        stack = [outs]
        while stack:
            item = stack.pop(0)
            if isinstance(item, torch.Tensor):
                flat.append(item)
            elif isinstance(item, (tuple, list)):
                stack = list(item) + stack
        return tuple(flat)


def export_network(model: torch.nn.Module, size: int, path: Path) -> Path:
    """ONNX (opset 17) of ``model``'s network forward at ``size`` x ``size``, batch 1, its
    shape arithmetic folded (:func:`~lrfg_mmpose.export.onnx_fold.fold_constants`)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with torch.no_grad():
        torch.onnx.export(NetworkOutputs(model).eval(), (torch.rand(1, 3, size, size), ),
                          str(path), input_names=['images'], opset_version=17, dynamo=False)
    return fold_constants(path)
