# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
"""The curves of a training run from the scalars MMEngine writes (``<run>/vis_data/scalars.json``:
one JSON object a line, training lines with the loss terms and ``step`` = iteration, validation
lines with the metrics and ``step`` = epoch)."""
import json
from pathlib import Path
from typing import Dict, List, Optional, Tuple

Series = Dict[str, Tuple[List[float], List[float]]]


def read_scalars(path) -> Dict[str, Series]:
    """``dict(train={loss term: (iterations, values)}, val={metric: (epochs, values)})``."""
    path = Path(path)
    train, val = {}, {}
    for number, line in enumerate(path.read_text().splitlines(), 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            raise ValueError(f'{path}:{number}: not a JSON line; is this MMEngine\'s '
                             f'vis_data/scalars.json?') from None
        step = record.get('step')
        for key, value in record.items():
            if key.startswith('loss'):
                series = train
            elif '/' in key:  # metrics are prefixed: coco/AP, coco/AR, ...
                series = val
            else:
                continue
            series.setdefault(key, ([], []))[0].append(step)
            series[key][1].append(value)
    if not train:
        raise ValueError(f'{path}: no loss terms in it; pass the scalars.json of a training run')
    return dict(train=train, val=val)


def latest_scalars(work_dir) -> Path:
    """The newest run's ``vis_data/scalars.json`` under an MMEngine work dir."""
    runs = sorted(Path(work_dir).glob('*/vis_data/scalars.json'))
    if not runs:
        raise FileNotFoundError(f'{work_dir}: no */vis_data/scalars.json (not a training work '
                                f'dir, or the run logged nothing yet)')
    return runs[-1]


def plot_run_curves(scalars, out, metric: str = 'coco/AP',
                    final: Optional[Dict[str, float]] = None) -> Path:
    """Loss terms against iteration (log scale) beside ``metric`` against epoch; ``final``
    adds evaluations made after the run (name -> value) as points at its last epoch."""
    from ..fileio import new_figure, save_figure
    data = read_scalars(scalars)
    fig, (left, right) = new_figure(1, 2, figsize=(11, 4))
    for key, (steps, values) in data['train'].items():
        left.plot(steps, values, label=key, lw=1.2 if key == 'loss' else 0.9)
    left.set_yscale('log')
    left.set_xlabel('iteration')
    left.set_title('loss terms')
    left.legend(fontsize=8)
    left.grid(alpha=0.3, which='both')
    last_epoch = max(max(s) for s, _ in data['train'].values() if s)
    if metric in data['val']:
        epochs, values = data['val'][metric]
        right.plot(epochs, values, 'o-', label=f'{metric} (validation during the run)')
        last_epoch = max(epochs)
    for name, value in (final or {}).items():
        right.plot([last_epoch], [value], 's', label=f'{metric} on {name} (after the run)')
    right.set_ylim(-0.02, 1.02)
    right.set_xlim(0, last_epoch * 1.05)
    right.set_xlabel('epoch')
    right.set_title(metric)
    right.grid(alpha=0.3)
    if right.lines:
        right.legend(fontsize=8)
    return save_figure(fig, out)
