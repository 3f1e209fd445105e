# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
"""Files, numpy and OpenCV only: which files are images, decode them or say why not; read pickles
without running them; write figures (matplotlib, imported when called) and Markdown tables; find
the project's checkout."""
from .checkout import repo_root
from .figures import new_figure, save_figure
from .image_check import (BadImageError, CheckResult, ImageInfo, check_images, decode_image,
                          image_format, inspect_image, read_image, size_mismatch)
from .image_paths import IMAGE_SUFFIXES, image_paths
from .safe_pickle import DataUnpickler, UnsafePickleError, load_data_pickle
from .tables import markdown_table

__all__ = ['IMAGE_SUFFIXES', 'BadImageError', 'CheckResult', 'DataUnpickler', 'ImageInfo',
           'UnsafePickleError', 'check_images', 'decode_image', 'image_format', 'image_paths',
           'inspect_image', 'load_data_pickle', 'markdown_table', 'new_figure', 'read_image',
           'repo_root', 'save_figure', 'size_mismatch']
