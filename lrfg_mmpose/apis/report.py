# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
"""The benchmark and ablation reports: Markdown tables, printed and written with their data."""
import json
from pathlib import Path
from typing import Optional, Sequence

from ..fileio import markdown_table

__all__ = ['emit', 'markdown_table']


def emit(lines: Sequence[str], markdown: Optional[str] = None, json_path: Optional[str] = None,
         data=None) -> str:
    """Print the report ``lines``; write them to ``markdown`` and ``data`` to ``json_path``
    when given. Returns the text."""
    text = '\n'.join(lines)
    print(text)
    if markdown:
        Path(markdown).write_text(text + '\n')
    if json_path:
        Path(json_path).write_text(json.dumps(data, indent=2))
    return text
