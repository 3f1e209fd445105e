# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
"""Configs and command-line tools of the installed MMPose (for side-by-side baselines)."""
from pathlib import Path


def load_config(path: str):
    """An MMEngine ``Config`` from a file, or from an installed package's configs with the
    ``mmpose::body_2d_keypoint/...`` form that MMEngine resolves (as in ``_base_``)."""
    if '::' in str(path):
        from mmengine.hub import get_config
        return get_config(str(path))
    from mmengine.config import Config
    return Config.fromfile(str(path))


def mmpose_tool(name: str) -> str:
    """Path of MMPose's bundled ``tools/<name>`` (what ``mim train/test mmpose`` runs)."""
    import mmpose
    path = Path(mmpose.__file__).parent / '.mim' / 'tools' / name
    if not path.is_file():
        raise FileNotFoundError(f'{path} not found: is mmpose installed from a release wheel '
                                f'(which bundles its tools under .mim/)?')
    return str(path)
