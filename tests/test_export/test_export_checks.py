"""tools/export.py finds what would make an export fail before the export: the output path, the
calibration folders, the checkpoint, each in one line (they used to surface after minutes of
export and quantisation, as tracebacks)."""
import subprocess
import sys

import pytest

from lrfg_mmpose.export import export
from lrfg_mmpose.utils import CheckpointError
from tests.helpers import DATA, ROOT


def test_output_path_is_checked_first(tiny_config_file, tmp_path):
    blocker = tmp_path / 'a_file'
    blocker.write_text('x')
    missing = tmp_path / 'no_checkpoint.pth'  # would fail later: the --out check comes first
    with pytest.raises(ValueError, match=f'--out {blocker}/m.onnx: {blocker} is a file, not a '
                       f'folder'):
        export(tiny_config_file, missing, blocker / 'm.onnx')
    with pytest.raises(ValueError, match='is a folder; give the model file'):
        export(tiny_config_file, missing, tmp_path)
    with pytest.raises(FileNotFoundError, match='nope: calibration images folder not found'):
        export(tiny_config_file, missing, tmp_path / 'm.xml', 'openvino',
               int8_calib_images=tmp_path / 'nope')
    with pytest.raises(FileNotFoundError, match='--val-ann nope.json: no such annotation file'):
        export(tiny_config_file, missing, tmp_path / 'm.xml', 'openvino',
               int8_calib_images=DATA / 'val2017', int8_val_ann='nope.json')
    with pytest.raises(CheckpointError, match='no_checkpoint.pth: checkpoint not found'):
        export(tiny_config_file, missing, tmp_path / 'm.onnx')
    assert not (tmp_path / 'm.onnx').exists()


def test_a_truncated_checkpoint_is_one_line_from_the_tool(tiny_config_file, tmp_path):
    import torch

    from lrfg_mmpose.utils import build_pose_model
    from tests.helpers import tiny_cfg
    good = tmp_path / 'good.pth'
    torch.save(dict(state_dict=build_pose_model(tiny_cfg().model).state_dict()), good)
    cut = tmp_path / 'cut.pth'
    cut.write_bytes(good.read_bytes()[:20000])
    proc = subprocess.run([sys.executable, 'tools/export.py', str(tiny_config_file), str(cut),
                           '--out', str(tmp_path / 'm.onnx')], cwd=ROOT, capture_output=True,
                          text=True)
    assert proc.returncode == 1 and 'Traceback' not in proc.stderr
    assert proc.stderr.strip().splitlines()[-1].startswith(
        f'error: {cut}: not a PyTorch checkpoint, or a damaged or truncated one')
