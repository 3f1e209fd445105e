# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
from .bottomup_letterbox import BottomupLetterbox

__all__ = ['BottomupLetterbox']
