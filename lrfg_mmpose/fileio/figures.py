# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
"""Matplotlib figures written to PNG files, without a display (the Agg backend)."""
from pathlib import Path


def new_figure(*args, **kwargs):
    """``matplotlib.pyplot.subplots(*args, **kwargs)`` on the Agg backend: ``(fig, axes)``."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    return plt.subplots(*args, **kwargs)


def save_figure(fig, path, dpi: int = 100) -> Path:
    """Lay ``fig`` out tightly, write it to ``path`` (its folder made), close it; the path."""
    import matplotlib.pyplot as plt
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    fig.savefig(path, dpi=dpi)
    plt.close(fig)
    return path
