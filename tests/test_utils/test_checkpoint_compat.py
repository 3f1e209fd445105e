"""MMEngine checkpoints load under torch's weights_only default, through MMEngine only."""
import pickle
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


if __name__ == '__main__':
    unittest.main()
