import io
import pickle
import unittest

import numpy as np
import torch
from mmengine.logging import MessageHub

import lrfg_mmpose  # noqa: F401  (applies the fix)


class Evil:
    def __reduce__(self):
        return (print, ('this must never run',))


class TestWeightsOnlyCheckpoints(unittest.TestCase):

    def test_message_hub_state_loads_with_weights_only(self):
        hub = MessageHub.get_instance('test_checkpoint_compat')
        hub.update_scalar('train/loss', np.float64(1.5))
        hub.update_scalar('train/loss', 0.5)
        hub.update_info('iter', np.int64(7))
        buf = io.BytesIO()
        torch.save({'message_hub': hub.state_dict(), 'array': np.arange(6, dtype=np.float32)}, buf)
        buf.seek(0)
        ckpt = torch.load(buf, weights_only=True)
        scalars = ckpt['message_hub']['log_scalars']['train/loss']
        self.assertEqual(scalars.mean(), 1.0)
        self.assertEqual(scalars.statistics('max'), 1.5)  # statistics still work after loading
        np.testing.assert_array_equal(ckpt['array'], np.arange(6, dtype=np.float32))

    def test_arbitrary_code_is_still_refused(self):
        buf = io.BytesIO()
        torch.save({'x': Evil()}, buf)
        buf.seek(0)
        with self.assertRaises(pickle.UnpicklingError):
            torch.load(buf, weights_only=True)


if __name__ == '__main__':
    unittest.main()
