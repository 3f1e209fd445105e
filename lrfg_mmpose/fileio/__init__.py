# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
"""Image files: decode them or say why not (numpy and OpenCV only); read pickles without running
them; write figures (matplotlib, imported when called) and Markdown tables."""
from .figures import new_figure, save_figure
from .image_check import (BadImageError, CheckResult, ImageInfo, check_images, decode_image,
                          image_format, inspect_image, read_image, size_mismatch)
from .safe_pickle import DataUnpickler, UnsafePickleError, load_data_pickle
from .tables import markdown_table

__all__ = ['BadImageError', 'CheckResult', 'DataUnpickler', 'ImageInfo', 'UnsafePickleError',
           'check_images', 'decode_image', 'image_format', 'inspect_image', 'load_data_pickle',
           'markdown_table', 'new_figure', 'read_image', 'save_figure', 'size_mismatch']
