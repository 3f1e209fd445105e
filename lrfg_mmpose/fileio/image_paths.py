# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
"""Which files are images: by suffix, the one rule of the inference tools, the calibration and
validation folders of the INT8 export, and the media loop."""
from pathlib import Path
from typing import List, Sequence, Union

IMAGE_SUFFIXES = {'.jpg', '.jpeg', '.png', '.bmp', '.webp', '.tif', '.tiff'}


def image_paths(inputs: Union[str, Path, Sequence]) -> List[Path]:
    """The images of a folder (by suffix, sorted), a list, or one path."""
    if isinstance(inputs, (str, Path)):
        inputs = Path(inputs)
        if inputs.is_dir():
            return sorted(p for p in inputs.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
        return [inputs]
    return [Path(p) for p in inputs]
