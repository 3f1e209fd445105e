"""A first run of a paper config that says what to do: MMPose's own tools/train.py (what `mim
train mmpose` runs) on the paper config without the converted detector stops in one line, with
the converter's command and --cfg-options load_from=None, before any data is built; a wrong
data root, annotation file or resume path likewise."""
import subprocess
import sys

from mmengine.config import Config

import lrfg_mmpose  # noqa: F401  (wraps Runner.train/val/test)
from lrfg_mmpose.engine.run_checks import RunConfigError, check_run, run_problems
from lrfg_mmpose.utils import mmpose_tool
from tests.helpers import DATA, ROOT

PAPER = ROOT / 'configs' / 'lrfg_yolopose_coco.py'


def embedded_data_options():
    """The docs' overrides that point the paper config at the embedded COCO images."""
    ann = 'annotations/person_keypoints_{}2017.json'
    return [f'train_dataloader.dataset.data_root={DATA}/',
            f'train_dataloader.dataset.ann_file={ann.format("train")}',
            'train_dataloader.dataset.data_prefix.img=train2017/',
            f'val_dataloader.dataset.data_root={DATA}/',
            f'val_dataloader.dataset.ann_file={ann.format("val")}',
            'val_dataloader.dataset.data_prefix.img=val2017/',
            f'val_evaluator.ann_file={DATA / ann.format("val")}']


def test_missing_detector_checkpoint_is_one_line_before_any_data(tmp_path):
    proc = subprocess.run(
        [sys.executable, mmpose_tool('train.py'), str(PAPER), '--work-dir', str(tmp_path),
         '--cfg-options', *embedded_data_options()], cwd=ROOT, capture_output=True, text=True,
        timeout=600)
    assert proc.returncode != 0
    errors = [line for line in proc.stderr.splitlines() if line.startswith('error:')]
    assert errors == [
        'error: load_from=checkpoints/yolov5s6_person_lrfg.pth: no such checkpoint; convert the '
        'person detector the paper fine-tunes from (python tools/convert_yolopose_checkpoint.py '
        'yolov5s6_person.pt checkpoints/yolov5s6_person_lrfg.pth), or train from scratch with '
        '--cfg-options load_from=None']
    assert 'Traceback' not in proc.stderr
    assert 'image check' not in proc.stdout + proc.stderr  # no dataset was built


def test_each_missing_file_is_named_with_its_fix(tmp_path):
    cfg = Config.fromfile(str(PAPER))
    cfg.merge_from_dict(dict(load_from=None, resume=str(tmp_path / 'gone.pth')))
    problems = run_problems(cfg)
    assert problems[0].startswith(f'resume={tmp_path}/gone.pth: no such checkpoint')
    cfg.merge_from_dict({k: v for k, v in (o.split('=', 1) for o in embedded_data_options())})
    cfg.resume = False
    assert run_problems(cfg) == []
    cfg.merge_from_dict({'train_dataloader.dataset.data_root': str(tmp_path / 'nowhere'),
                         'val_evaluator.ann_file': 'nope.json'})
    problems = run_problems(cfg)
    assert problems == [
        f'train_dataloader.dataset.data_root={tmp_path}/nowhere: no such folder; put the data '
        f'there (COCO as MMPose expects it: data/coco/annotations, train2017, val2017) or give '
        f'the right root with --cfg-options train_dataloader.dataset.data_root=...',
        'val_evaluator.ann_file: nope.json not found; give it with --cfg-options '
        'val_evaluator.ann_file=...']
    try:
        check_run(cfg)
    except RunConfigError as e:
        assert str(e).splitlines() == [f'error: {p}' for p in problems]
    else:
        raise AssertionError('check_run did not raise')
    # a test run reads the test loader only: the training data may be absent
    assert not any(p.startswith('train_') for p in run_problems(cfg, 'test'))
