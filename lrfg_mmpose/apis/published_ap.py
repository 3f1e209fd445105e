# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
"""What each benchmarked model is published at: the input size of a ``NAME[@SIZE]`` entry, its
published COCO val2017 AP (the paper's Table 1 for ours, MMPose's and Ultralytics' model tables
for theirs), and the plot of latency against that AP."""
from pathlib import Path
from typing import Dict, Optional, Tuple

from .peers import ULTRALYTICS_PEERS
from .table1 import TABLE1

# Published COCO val2017 AP (%) of MMPose's bundled models (their model-zoo metafiles).
MMPOSE_AP = {'yoloxpose_tiny': (416, 52.6), 'yoloxpose_s': (640, 64.1), 'rtmo_s': (640, 67.3)}
PAPER_INPUT = 960  # the input size of the paper's Table 1 figures


def model_spec(spec: str, size: int) -> Tuple[str, int]:
    """``NAME[@SIZE]`` -> (name, input size): SIZE, else an Ultralytics peer's published size,
    else ``size``."""
    name, _, at = spec.partition('@')
    if at:
        return name, int(at)
    return name, ULTRALYTICS_PEERS[name].input_size if name in ULTRALYTICS_PEERS else size


def published_ap(name: str, size: int) -> Optional[float]:
    """The published COCO AP (%) of a model at this input size, or None: the paper's Table 1
    figure for our rows at 960, MMPose's and Ultralytics' model tables for theirs."""
    rows = {row.name: row.paper_ap for row in TABLE1}
    rows['lrfg'] = TABLE1[-1].paper_ap
    if name in rows:
        return rows[name] if size == PAPER_INPUT else None
    known = {n: (p.input_size, p.coco_ap) for n, p in ULTRALYTICS_PEERS.items()}
    known.update(MMPOSE_AP)
    return known[name][1] if name in known and known[name][0] == size else None


def plot_latency_ap(ms: Dict[tuple, float], path: Path, title: str) -> Path:
    """Latency (x, log) against published COCO AP (y) per model and precision, one colour per
    model, one marker per backend/precision; models without a published AP at their size are
    left out of the plot (they stay in the table)."""
    import matplotlib

    from ..fileio import new_figure, save_figure
    markers = {'torch': 'x', 'onnxruntime': 's', 'openvino': 'o', 'openvino bf16': 'D',
               'openvino int8': '^'}
    labels = list(dict.fromkeys(label for label, _ in ms))
    colours = matplotlib.colormaps['tab10']
    fig, ax = new_figure(figsize=(7, 4.5))
    for i, label in enumerate(labels):
        name, _, at = label.partition('@')
        ap = published_ap(name, int(at))
        if ap is None:
            continue
        points = [(value, backend) for (lab, backend), value in ms.items() if lab == label]
        ax.plot([v for v, _ in points], [ap] * len(points), '-', color=colours(i % 10), lw=0.8)
        for value, backend in points:
            ax.plot(value, ap, markers.get(backend, 'o'), color=colours(i % 10))
        ax.annotate(label, (min(v for v, _ in points), ap), textcoords='offset points',
                    xytext=(4, 5), fontsize=8, color=colours(i % 10))
    for backend, marker in markers.items():
        if any(b == backend for _, b in ms):
            ax.plot([], [], marker, color='grey', label=backend)
    ax.set_xscale('log')
    ax.set_xlabel('network latency (ms, log scale)')
    ax.set_ylabel('published COCO val2017 AP (%)')
    ax.set_title(title, fontsize=9)
    ax.grid(alpha=0.3, which='both')
    ax.legend(fontsize=8, loc='lower right')
    return save_figure(fig, path, dpi=110)
