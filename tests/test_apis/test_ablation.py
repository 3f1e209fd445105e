"""tools/ablation.py's machinery end to end on the embedded images: eight rows trained and tested
through MMEngine's Runner, a half-finished row resumed, a finished one skipped, the table and
plot written, the parameters equal to the paper's Table 1."""
import csv
import json
import subprocess
import sys

import pytest

import lrfg_mmpose  # noqa: F401
from lrfg_mmpose.apis.ablation import (PAPER_TABLE1, row_config, row_state, run_ablation,
                                       smoke_options, write_table)
from lrfg_mmpose.apis.benchmark_models import ABLATION
from tests.helpers import ROOT

CONFIGS = [str(p) for p in ABLATION]


@pytest.mark.slow  # eight tiny training runs (1 iteration each) and test loops, ~3 minutes
def test_smoke_ablation_trains_resumes_and_tabulates(tmp_path):
    tiny = dict(size=64, images=2)
    rows = run_ablation(CONFIGS, work_root=tmp_path, options=smoke_options(epochs=1, **tiny),
                        latency_size=64, repeats=1)
    assert [r['row'] for r in rows] == sorted(PAPER_TABLE1)
    assert [r['found'] for r in rows] == ['new'] * 8
    for r in rows:
        assert r['params'] / 1e6 == pytest.approx(PAPER_TABLE1[r['row']][0], abs=0.05)
        assert 0 <= r['AP'] <= 1 and r['gflops'] > 0 and r['latency_ms'] > 0
        assert r['paper_ap'] == PAPER_TABLE1[r['row']][1]
        kept = json.loads((tmp_path / r['row'] / 'test_metrics.json').read_text())
        assert kept['AP'] == r['AP'] and kept['checkpoint'] == 'epoch_1.pth'
    assert rows[0]['delta_ap'] == 0

    table = write_table(rows, tmp_path, 'test protocol', 'cpu')
    md = table.read_text().splitlines()
    assert len(md) == 4 + 8 and all(r['row'] in text for r, text in zip(rows, md[4:]))
    with open(tmp_path / 'ablation.csv') as f:
        assert [r['row'] for r in csv.DictReader(f)] == [r['row'] for r in rows]
    assert (tmp_path / 'ablation.png').stat().st_size > 10_000

    # the first row, asked for two epochs, is half finished: it resumes after epoch 1; the
    # second row's checkpoint is truncated: that row fails, named, and the first still trains
    longer = smoke_options(epochs=2, **tiny)
    assert row_state(row_config(CONFIGS[0], tmp_path / rows[0]['row'], longer)) == 'resume'
    damaged = tmp_path / rows[1]['row'] / 'epoch_1.pth'
    damaged.write_bytes(damaged.read_bytes()[:5000])
    again = run_ablation(CONFIGS[:2], work_root=tmp_path, options=longer, latency_size=64,
                         repeats=1)
    logs = ''.join(p.read_text() for p in (tmp_path / rows[0]['row']).glob('2*/2*.log'))
    assert again[0]['found'] == 'resume' and 'resumed epoch: 1' in logs
    assert 'failed' not in again[0] and again[1]['failed'].startswith(
        f'{damaged}: the checkpoint this row would resume from is missing, damaged or truncated')
    md = write_table(again, tmp_path / 'with_failed', 'p', 'cpu').read_text()
    assert f'| {rows[1]["row"]} (failed) |' in md and f'- {rows[1]["row"]}: {damaged}' in md
    kept = json.loads((tmp_path / rows[0]['row'] / 'test_metrics.json').read_text())
    assert kept['checkpoint'] == 'epoch_2.pth'  # tested again, from the new final checkpoint
    # and then it is done: nothing trained, the metrics read back
    done = run_ablation(CONFIGS[:1], work_root=tmp_path, options=longer, latency_size=64,
                        repeats=1)
    assert done[0]['found'] == 'done' and done[0]['AP'] == again[0]['AP']

    # the command line over a finished row: the table again, no training
    out = subprocess.run([sys.executable, 'tools/ablation.py', '--smoke', '--configs', CONFIGS[0],
                          '--work-root', str(tmp_path), '--latency-size', '64'], cwd=ROOT,
                         capture_output=True, text=True, check=True)
    assert 't1r1-baseline' in out.stdout and "reference's protocol" in out.stdout


def test_every_row_and_option_is_checked_before_any_trains(tmp_path):
    """An unknown baseline, a missing config and --cfg-options typos: one error listing them
    all, before anything trains (they used to surface after hours, or never)."""
    from lrfg_mmpose.apis.ablation import check_options, prepare_rows
    cfg = row_config(CONFIGS[0], tmp_path / 'x')
    assert check_options(cfg, {'train_cfg.max_epochs': 1, 'model.backbone.frozen_stages': 1},
                         'c.py') == []  # an existing key, a new optional argument
    problems = check_options(cfg, {'train_cfgg.max_epochs': 1, 'train_cfg.max_epoch': 2},
                             'c.py')
    assert problems == [
        "--cfg-options train_cfgg.max_epochs: the config has no 'train_cfgg' at the top level; "
        "did you mean train_cfg?",
        "--cfg-options train_cfg.max_epoch: the config has no 'max_epoch' at train_cfg; did you "
        "mean train_cfg.max_epochs?"]
    with pytest.raises(ValueError) as e:
        prepare_rows([*CONFIGS[:2], 'yoloxpose_z', str(tmp_path / 'nope.py')], tmp_path,
                     smoke_options(), {'train_cfg.max_epoch': 2})
    lines = str(e.value).splitlines()
    assert lines[0] == 'nothing trained:' and len(lines) == 4
    assert "did you mean train_cfg.max_epochs?" in lines[1]
    assert "'yoloxpose_z': not a benchmark model" in lines[2] and 'nope.py' in lines[3]
    assert not any(tmp_path.iterdir())  # no work dir made
