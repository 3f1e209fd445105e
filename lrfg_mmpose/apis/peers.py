# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
"""Ultralytics pose models as optional peers of the deployment benchmark.

A user choosing a CPU pose model weighs ours against Ultralytics' YOLO26-pose (NMS-free,
exported end to end) and YOLO11-pose. For speed no weights are needed: each peer is built from
its model yaml with random weights and exported to ONNX by Ultralytics' own exporter, at its
published input size. The ``ultralytics`` package is optional (``pip install ultralytics``);
nothing else in lrfg_mmpose imports it.
"""
import os
import shutil
import tempfile
from pathlib import Path
from typing import NamedTuple


class Peer(NamedTuple):
    """An Ultralytics pose model: its input size and published COCO val2017 pose AP (mAP
    50-95, Ultralytics' model tables: YOLO26 end to end, YOLO11 with NMS)."""
    input_size: int
    coco_ap: float


ULTRALYTICS_PEERS = {
    'yolo26n-pose': Peer(640, 57.2),
    'yolo26s-pose': Peer(640, 63.0),
    'yolo26m-pose': Peer(640, 68.8),
    'yolo11s-pose': Peer(640, 58.9),
    'yolo11m-pose': Peer(640, 64.9),
}


def is_peer(name: str) -> bool:
    return name in ULTRALYTICS_PEERS


def _ultralytics():
    os.environ.setdefault('YOLO_OFFLINE', '1')  # no update checks, no downloads
    try:
        import ultralytics
    except ImportError:
        raise ImportError('the Ultralytics peers need the ultralytics package: '
                          'pip install ultralytics (tools/setup_env.sh installs it)') from None
    return ultralytics


def export_peer(name: str, path: Path, size: int = None) -> Path:
    """ONNX (opset 17, batch 1) of Ultralytics' ``name`` built from its yaml with random
    weights, exported by Ultralytics at ``size`` (default: its published size) to ``path``."""
    if name not in ULTRALYTICS_PEERS:
        raise ValueError(f'{name!r}: not an Ultralytics peer ({", ".join(ULTRALYTICS_PEERS)})')
    yolo = _ultralytics().YOLO(f'{name}.yaml', task='pose')
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    cwd = os.getcwd()
    with tempfile.TemporaryDirectory() as tmp:  # Ultralytics writes next to the working dir
        os.chdir(tmp)
        try:
            out = yolo.export(format='onnx', imgsz=size or ULTRALYTICS_PEERS[name].input_size,
                              opset=17, simplify=False, dynamic=False, batch=1, device='cpu',
                              verbose=False)
        finally:
            os.chdir(cwd)
        shutil.move(os.path.join(tmp, out), path)
    return path
