"""Results pickles read without running them: data (numpy arrays, tensors, containers) comes
back as pickle.load gives it; any other global stops the read before it is called."""
import os
import pickle
from collections import OrderedDict

import numpy as np
import pytest
import torch

from lrfg_mmpose.fileio import load_data_pickle
from lrfg_mmpose.fileio.safe_pickle import pickle_globals


class RunsCode:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f'touch {self.marker}', ))


@pytest.mark.parametrize('protocol', [2, 4, 5])
def test_data_reads_back_equal(tmp_path, protocol):
    data = [dict(img_id=7, pred_instances=dict(
        keypoints=np.arange(34, dtype=np.float32).reshape(1, 17, 2),
        scores=np.float64(0.5), labels=np.zeros(1, np.int64)),
        shape=(480, 640), seen={1, 2}, frozen=frozenset({3}), ordered=OrderedDict(a=1),
        window=slice(1, 5), tensor=torch.arange(6.).reshape(2, 3))]
    path = tmp_path / 'dump.pkl'
    path.write_bytes(pickle.dumps(data, protocol=protocol))
    back = load_data_pickle(path)
    assert back[0]['shape'] == (480, 640) and back[0]['seen'] == {1, 2}
    assert back[0]['window'] == slice(1, 5) and back[0]['ordered'] == OrderedDict(a=1)
    np.testing.assert_array_equal(back[0]['pred_instances']['keypoints'],
                                  data[0]['pred_instances']['keypoints'])
    assert torch.equal(back[0]['tensor'], data[0]['tensor'])


def test_code_is_refused_before_it_runs(tmp_path):
    path = tmp_path / 'crafted.pkl'
    path.write_bytes(pickle.dumps([1, RunsCode(tmp_path / 'ran')]))
    with pytest.raises(ValueError, match=r'crafted.pkl: not read: it refers to (posix|nt)\.system'):
        load_data_pickle(path)
    assert not (tmp_path / 'ran').exists()
    assert pickle_globals(path) in (['posix.system'], ['nt.system'])
    path.write_bytes(b'\x80\x04not a pickle')
    with pytest.raises(ValueError, match='not a readable pickle'):
        load_data_pickle(path)
    with pytest.raises(FileNotFoundError, match='no such file'):
        load_data_pickle(tmp_path / 'nope.pkl')


def test_globals_of_a_torch_checkpoint_are_listed_without_loading(tmp_path):
    path = tmp_path / 'ckpt.pth'
    torch.save(dict(w=torch.zeros(2), x=RunsCode(tmp_path / 'ran')), path)
    found = pickle_globals(path)
    assert 'torch._utils._rebuild_tensor_v2' in found and found[-1].endswith('.system')
    assert not (tmp_path / 'ran').exists()
