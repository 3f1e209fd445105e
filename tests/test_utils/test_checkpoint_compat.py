"""MMEngine checkpoints load under torch's weights_only default, through MMEngine only."""
import os
import pickle
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

import numpy as np
import torch
from mmengine.logging import MessageHub
from mmengine.runner.checkpoint import _load_checkpoint

import lrfg_mmpose  # noqa: F401  (applies the fix)


class Evil:
    def __reduce__(self):
        return (print, ('this must never run',))


class TestWeightsOnlyCheckpoints(unittest.TestCase):

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.path = Path(self.tmp.name) / 'ckpt.pth'

    def tearDown(self):
        self.tmp.cleanup()

    def test_message_hub_state_loads_through_mmengine(self):
        hub = MessageHub.get_instance('test_checkpoint_compat')
        hub.update_scalar('train/loss', np.float64(1.5))
        hub.update_scalar('train/loss', 0.5)
        hub.update_info('iter', np.int64(7))
        torch.save({'message_hub': hub.state_dict(), 'array': np.arange(6, dtype=np.float32)},
                   self.path)
        ckpt = _load_checkpoint(str(self.path), map_location='cpu')  # what --resume/load_from use
        scalars = ckpt['message_hub']['log_scalars']['train/loss']
        self.assertEqual(scalars.mean(), 1.0)
        self.assertEqual(scalars.statistics('max'), 1.5)  # statistics still work after loading
        np.testing.assert_array_equal(ckpt['array'], np.arange(6, dtype=np.float32))
        # The allow-list is MMEngine's loader's alone: torch.load elsewhere is unchanged.
        with self.assertRaises(pickle.UnpicklingError):
            torch.load(self.path, weights_only=True)

    def test_arbitrary_code_is_still_refused(self):
        torch.save({'x': Evil()}, self.path)
        with self.assertRaises(pickle.UnpicklingError):
            _load_checkpoint(str(self.path), map_location='cpu')

    def test_opt_out_keeps_mmengine_loader(self):
        """With LRFG_MMPOSE_KEEP_LOADER=1 the plain-path scheme stays MMEngine's own."""
        probe = ('import lrfg_mmpose; from mmengine.runner.checkpoint import CheckpointLoader as C; '
                 'print(C._schemes[""].__module__)')
        modules = {}
        for value in ('0', '1'):
            env = dict(os.environ, LRFG_MMPOSE_KEEP_LOADER=value)
            modules[value] = subprocess.run([sys.executable, '-c', probe], env=env, check=True,
                                            capture_output=True, text=True).stdout.split()[-1]
        self.assertEqual(modules, {'0': 'lrfg_mmpose.utils.checkpoint_compat',
                                   '1': 'mmengine.runner.checkpoint'})
