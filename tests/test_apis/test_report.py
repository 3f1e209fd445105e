# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
"""The reports' Markdown tables and their files."""
import json

from lrfg_mmpose.apis.report import emit, markdown_table


def test_markdown_table_lines():
    assert markdown_table(['model', 'ms'], [['lrfg', '1.5'], ['rtmo_s', 2]]) == [
        '| model | ms |', '|---|---|', '| lrfg | 1.5 |', '| rtmo_s | 2 |']


def test_emit_prints_and_writes_both_files(tmp_path, capsys):
    lines = ['a title', '', *markdown_table(['x'], [[1]])]
    text = emit(lines, str(tmp_path / 't.md'), str(tmp_path / 't.json'), dict(rows=[1]))
    assert capsys.readouterr().out == text + '\n' == (tmp_path / 't.md').read_text()
    assert json.loads((tmp_path / 't.json').read_text()) == dict(rows=[1])
    assert emit(lines) == text  # printing alone writes nothing
