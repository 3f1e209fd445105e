# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
"""Find the configs bundled with the installed mmpose package (for side-by-side baselines)."""
from pathlib import Path

import mmpose


def mmpose_config(relative: str) -> str:
    """Absolute path of ``<mmpose>/.mim/configs/<relative>``; a clear error if absent."""
    path = Path(mmpose.__file__).parent / '.mim' / 'configs' / relative
    if not path.is_file():
        raise FileNotFoundError(f'{path} not found: is mmpose installed from a release wheel '
                                f'(which bundles its configs under .mim/)?')
    return str(path)
