"""Every checkpoint reader of the tools (inference, export) refuses a file it cannot use in one
line that says what the file is and what to do, never torch's advice to load it with
``weights_only=False``: a file that would run code, an Ultralytics model, a YOLO-Pose / YOLOv5
reference checkpoint (-> the converter), a truncated file, weights of another config."""
import os
import sys
import types

import pytest
import torch

import lrfg_mmpose  # noqa: F401  (MMEngine's weights-only loader)
from lrfg_mmpose.utils import CheckpointError, load_strict


class RunsCode:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f'touch {self.marker}', ))


def fake_module_class(module: str, name: str):
    """A torch module class that pickles under ``module.name`` (as another project's class
    would), the module registered only while the file is written."""
    cls = type(name, (torch.nn.Module, ), {'__init__': lambda self: (
        torch.nn.Module.__init__(self), setattr(self, 'conv', torch.nn.Conv2d(3, 3, 1)))[0]})
    cls.__module__ = module
    parts = module.split('.')
    for i in range(1, len(parts) + 1):
        sys.modules.setdefault('.'.join(parts[:i]), types.ModuleType('.'.join(parts[:i])))
    setattr(sys.modules[module], name, cls)
    return cls


@pytest.fixture
def model():
    return torch.nn.Conv2d(3, 4, 1)


def test_a_checkpoint_that_runs_code_is_named_and_not_loaded(model, tmp_path):
    path = tmp_path / 'crafted.pth'
    torch.save(dict(state_dict=model.state_dict(), x=RunsCode(tmp_path / 'ran')), path)
    with pytest.raises(CheckpointError) as e:
        load_strict(model, path, 'c.py')
    message = str(e.value)
    assert message.startswith(f'{path}: not loaded: it holds objects outside the safe set')
    assert 'system' in message and 'never load it with weights_only=False' in message
    assert 'Re-running' not in message and '\n' not in message  # not torch's advice
    assert not (tmp_path / 'ran').exists()


@pytest.mark.parametrize('module, name, expect', [
    ('ultralytics.nn.tasks', 'PoseModel', 'an Ultralytics model .*load it with Ultralytics'),
    ('models.yolo', 'Model', 'a YOLO-Pose / YOLOv5 reference checkpoint .*convert it first: '
                             'python tools/convert_yolopose_checkpoint.py')])
def test_other_projects_checkpoints_are_recognised(model, tmp_path, module, name, expect):
    path = tmp_path / 'other.pt'
    try:
        torch.save(dict(model=fake_module_class(module, name)(), epoch=3), path)
    finally:
        for key in [k for k in sys.modules if k.split('.')[0] in ('ultralytics', 'models')]:
            if isinstance(sys.modules[key], types.ModuleType) and not getattr(
                    sys.modules[key], '__file__', None):
                del sys.modules[key]
    with pytest.raises(CheckpointError, match=f'not loaded: {expect}'):
        load_strict(model, path, 'c.py')


def test_truncated_missing_and_mismatched(model, tmp_path):
    path = tmp_path / 'good.pth'
    torch.save(dict(state_dict=model.state_dict()), path)
    cut = tmp_path / 'cut.pth'
    cut.write_bytes(path.read_bytes()[:300])
    with pytest.raises(CheckpointError, match=r'cut.pth: not a PyTorch checkpoint, or a damaged '
                       r'or truncated one \(RuntimeError: [^\n]*\)$'):
        load_strict(model, cut, 'c.py')
    with pytest.raises(CheckpointError, match='checkpoint not found'):
        load_strict(model, tmp_path / 'nope.pth', 'c.py')
    with pytest.raises(CheckpointError, match='does not fit c.py: 2 weights of another shape'):
        load_strict(torch.nn.Conv2d(3, 5, 1), path, 'c.py')
    assert load_strict(model, path, 'c.py') == {}
