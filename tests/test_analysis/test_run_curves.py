"""The curves of a run from MMEngine's scalars.json: series read back exactly, a plot
written, a file that is not a run's scalars refused in one line."""
import json

import matplotlib.image as mpimg
import pytest

from lrfg_mmpose.analysis import latest_scalars, plot_run_curves, read_scalars


def write_run(work_dir, lines):
    path = work_dir / '20260101_000000' / 'vis_data' / 'scalars.json'
    path.parent.mkdir(parents=True)
    path.write_text('\n'.join(json.dumps(line) for line in lines) + '\n')
    return path


def test_series_and_plot(tmp_path):
    lines = [dict(lr=0.01, loss=4.0 / i, loss_kpt=2.0 / i, time=0.5, epoch=1, iter=i, step=i)
             for i in range(1, 11)]
    lines.insert(5, {'coco/AP': 0.25, 'coco/AR': 0.3, 'step': 1})
    lines.append({'coco/AP': 0.5, 'coco/AR': 0.6, 'step': 2})
    path = write_run(tmp_path, lines)
    assert latest_scalars(tmp_path) == path
    data = read_scalars(path)
    assert set(data['train']) == {'loss', 'loss_kpt'}  # lr and time are not loss terms
    steps, values = data['train']['loss_kpt']
    assert steps == list(range(1, 11)) and values == pytest.approx([2.0 / i for i in steps])
    assert data['val']['coco/AP'] == ([1, 2], [0.25, 0.5])
    out = plot_run_curves(path, tmp_path / 'curves.png', final={'val': 0.4})
    assert mpimg.imread(str(out)).shape[:2] == (400, 1100)


def test_not_a_run_is_refused(tmp_path):
    with pytest.raises(FileNotFoundError, match='vis_data/scalars.json'):
        latest_scalars(tmp_path)
    bad = tmp_path / 'scalars.json'
    bad.write_text('{"loss": 1.0, "step": 1}\nnot json\n')
    with pytest.raises(ValueError, match='scalars.json:2'):
        read_scalars(bad)
    bad.write_text('{"coco/AP": 0.5, "step": 1}\n')
    with pytest.raises(ValueError, match='no loss terms'):
        read_scalars(bad)
