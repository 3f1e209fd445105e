"""The tools' shared argument types: a count or threshold out of range is refused by argparse in
one line before any work (it used to be replaced by the config's value, or fail later as an
AssertionError or ZeroDivisionError)."""
import argparse
import runpy
import sys

import pytest

from lrfg_mmpose.cli import non_negative_int, positive_int, unit_float
from tests.helpers import ROOT


def test_types():
    assert positive_int('3') == 3 and non_negative_int('0') == 0 and unit_float('0.25') == 0.25
    for parse, text, message in [(positive_int, '0', '0 is not a positive integer'),
                                 (positive_int, '-5', '-5 is not a positive integer'),
                                 (positive_int, '2.5', "'2.5' is not an integer"),
                                 (non_negative_int, '-1', '-1 is negative'),
                                 (unit_float, '1.5', '1.5 is not between 0 and 1'),
                                 (unit_float, 'high', "'high' is not a number")]:
        with pytest.raises(argparse.ArgumentTypeError, match=message):
            parse(text)


@pytest.mark.parametrize('args, message', [
    (['--dataset-size', '0'], 'argument --dataset-size: 0 is not a positive integer'),
    (['--dataset-size', '10', '--ngpus', '0'], 'argument --ngpus: 0 is not a positive integer'),
    (['--dataset-size', '10', '--epochs', '0'], 'argument --epochs: 0 is not a positive')])
def test_vis_scheduler_refuses_in_one_line(tmp_path, capsys, monkeypatch, args, message):
    """The tool's own parser (it used to fail with an AssertionError, a ZeroDivisionError, or
    take the config's value for 0)."""
    tool = runpy.run_path(str(ROOT / 'tools' / 'vis_scheduler.py'), run_name='vis_scheduler')
    monkeypatch.setattr(sys, 'argv', ['vis_scheduler.py', 'configs/lrfg_yolopose_coco.py', *args,
                                      '--out', str(tmp_path / 's.csv')])
    with pytest.raises(SystemExit) as e:
        tool['parse_args']()
    assert e.value.code == 2 and message in capsys.readouterr().err
    assert not (tmp_path / 's.csv').exists()
