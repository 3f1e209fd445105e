# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
"""Markdown tables, for the reports the tools print and write."""
from typing import Iterable, List, Sequence


def markdown_table(header: Sequence[str], rows: Iterable[Sequence]) -> List[str]:
    """The lines of a Markdown table: the header, the separator, one line a row."""
    return ['| ' + ' | '.join(header) + ' |', '|' + '---|' * len(header),
            *('| ' + ' | '.join(str(cell) for cell in row) + ' |' for row in rows)]
