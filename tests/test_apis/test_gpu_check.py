"""What a GPU run and a user's own OpenMMLab environment need, checked without a GPU: no mmcv op in
the package, ``mim train --amp`` accepted, ``pip install -e .`` pulling nothing, and
``tools/gpu_check.py`` run in its CPU smoke mode."""
import json
import subprocess
import sys
from pathlib import Path
from unittest import mock

import pytest
from mmengine.config import Config

import lrfg_mmpose  # noqa: F401
from lrfg_mmpose.apis.gpu_check import apply_amp
from tests.helpers import ROOT

PIP = [sys.executable, '-m', 'pip', 'install', '--dry-run', '--no-index', '--no-build-isolation']


def test_no_mmcv_op_in_the_package():
    # mmcv's compiled ops are built for the CPU only (tools/setup_env.sh); NMS is torchvision's
    users = [str(p.relative_to(ROOT)) for p in (ROOT / 'lrfg_mmpose').rglob('*.py')
             if 'mmcv.ops' in p.read_text()]
    assert users == []


def test_setup_env_builds_mmcv_with_the_gpus_hidden():
    script = (ROOT / 'tools' / 'setup_env.sh').read_text()
    build = next(line for line in script.splitlines() if 'MMCV_WITH_OPS=1' in line)
    assert 'CUDA_VISIBLE_DEVICES= ' in build


def test_mim_train_amp_gives_the_reference_accumulation_with_mixed_precision():
    from mmengine.optim import build_optim_wrapper
    from mmengine.registry import init_default_scope

    from lrfg_mmpose.engine import YOLOv5AmpOptimWrapper, YOLOv5OptimWrapper
    from lrfg_mmpose.utils import build_pose_model
    from tests.helpers import tiny_cfg
    init_default_scope('mmpose')
    cfg = Config.fromfile(str(ROOT / 'configs' / 'lrfg_yolopose_coco.py'))
    model = build_pose_model(tiny_cfg().model)
    assert type(build_optim_wrapper(model, cfg.optim_wrapper)) is YOLOv5OptimWrapper
    apply_amp(cfg)  # what MMPose's tools/train.py --amp does: it accepts the config
    assert cfg.optim_wrapper.type == 'AmpOptimWrapper'
    with mock.patch('mmengine.optim.optimizer.amp_optimizer_wrapper.is_cuda_available',
                    return_value=True):
        wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    assert type(wrapper) is YOLOv5AmpOptimWrapper
    refused = Config(dict(optim_wrapper=dict(type='YOLOv5OptimWrapper')))
    with pytest.raises(ValueError, match='refuses'):
        apply_amp(refused)


def test_pip_install_into_an_existing_environment_pulls_nothing(tmp_path):
    # the environment holds MMPose without chumpy, as a user's OpenMMLab one does
    for target in (str(ROOT), f'{ROOT}[runtime]'):
        out = subprocess.run([*PIP, '-e', target], capture_output=True, text=True, timeout=300)
        assert out.returncode == 0, out.stdout + out.stderr
        would = [line for line in out.stdout.splitlines() if line.startswith('Would install')]
        assert would == ['Would install lrfg-mmpose-0.1.0'], (target, would)
    # the control: a package that declares mmpose would make pip look for chumpy
    (tmp_path / 'setup.py').write_text("from setuptools import setup\n"
                                       "setup(name='needs-mmpose', version='0', "
                                       "install_requires=['mmpose'])\n")
    out = subprocess.run([*PIP, str(tmp_path)], capture_output=True, text=True, timeout=300)
    assert out.returncode != 0 and 'chumpy' in out.stdout + out.stderr


@pytest.mark.slow  # the paper model and YOLOX-Pose-s trained, predict and a test loop (~40 s)
def test_gpu_check_smoke_on_the_cpu(tmp_path):
    out = tmp_path / 'check.json'
    subprocess.run([sys.executable, 'tools/gpu_check.py', '--device', 'cpu', '--smoke',
                    '--work-dir', str(tmp_path), '--json', str(out)], cwd=ROOT, check=True,
                   capture_output=True)
    result = json.loads(out.read_text())
    trained = [r for r in result['train'] if 'skipped' not in r]
    assert {r['model'] for r in trained} == {'configs/lrfg_yolopose_coco.py', 'yoloxpose_s'}
    assert all(r['finite'] and r['images_per_s'] > 0 and r['iters'] == 2 for r in trained)
    assert [r['wrapper'] for r in trained] == ['YOLOv5OptimWrapper', 'OptimWrapper']
    assert all(r['skipped'] == 'AMP needs CUDA' for r in result['train'] if r['amp'])
    assert result['predict']['images'] == 2 and result['predict']['on_device'] == 'cpu'
    assert result['test']['images'] == 2 and result['test']['ap'] is not None
