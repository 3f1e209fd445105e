# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
"""The project's checkout: the configs, the embedded data and the reference fixtures live beside
the package, not inside it. Helpers that read them (the demo, Table 1's configs, the benchmarks,
the converter's default config) find the folder here, and say so in one line where the package
was installed without its checkout."""
from pathlib import Path


def repo_root() -> Path:
    """The folder holding ``lrfg_mmpose/``, ``configs/`` and ``data/`` (an editable install or a
    clone on ``sys.path``); FileNotFoundError where ``configs/`` is not beside the package."""
    root = Path(__file__).resolve().parents[2]
    if not (root / 'configs').is_dir():
        raise FileNotFoundError(
            f'{root}: no configs/ beside the lrfg_mmpose package; this helper reads the project\'s '
            f'configs and embedded data, so run it from a clone (git clone, then pip install -e .)')
    return root
