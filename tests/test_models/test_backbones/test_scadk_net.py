import unittest

import torch

from lrfg_mmpose.models.backbones import SCADKNet
from lrfg_mmpose.models.layers import FGCSPP, SCAC3
from tests.helpers import num_params


# YOLOv5s6's layers 0-11 at width 0.5, depth 0.33 (models/hub/yolov5s6.yaml): Focus, then
# Conv/C3 pairs, SPP (3/5/7), C3 without shortcut; per layer, counted by hand.
LAYERS_0_TO_11 = (3520, 18560, 18816, 73984, 156928, 295424, 625152, 885504, 665856, 1770496,
                  656896, 1182720)
BASELINE_BACKBONE = sum(LAYERS_0_TO_11)  # 6,353,856


class TestSCADKNet(unittest.TestCase):

    def test_baseline_params_match_yolov5s6(self):
        self.assertEqual(num_params(SCADKNet(sca_cfg=None, use_fgcspp=False)), BASELINE_BACKBONE)

    def test_switches(self):
        fg = SCADKNet(sca_cfg=None, use_fgcspp=True)
        self.assertIsInstance(fg.stage5[1], FGCSPP)
        self.assertEqual(num_params(fg) - BASELINE_BACKBONE, 7085056 - 656896)
        sca = SCADKNet(use_fgcspp=False)  # default SCA placement: stages 4, 5; λ = 4
        self.assertIsInstance(sca.stage4[-1], SCAC3)
        self.assertIsInstance(sca.stage5[-1], SCAC3)
        self.assertEqual(BASELINE_BACKBONE - num_params(sca), 844464)
        alt = SCADKNet(use_fgcspp=False, sca_cfg=dict(stages=(3, 4), reduction=32, with_conv=False))
        self.assertEqual(BASELINE_BACKBONE - num_params(alt), 847392)

    def test_outputs_p3_to_p6(self):
        model = SCADKNet(deepen_factor=0.33, widen_factor=0.125)
        model.init_weights()
        outs = model(torch.randn(1, 3, 128, 192))
        self.assertEqual([tuple(o.shape) for o in outs],
                         [(1, 32, 16, 24), (1, 64, 8, 12), (1, 96, 4, 6), (1, 128, 2, 3)])

    def test_frozen_stages_and_norm_eval(self):
        model = SCADKNet(widen_factor=0.125, frozen_stages=1, norm_eval=True)
        model.train()
        self.assertFalse(any(p.requires_grad for p in model.stem.parameters()))
        self.assertFalse(any(p.requires_grad for p in model.stage1.parameters()))
        self.assertTrue(all(p.requires_grad for p in model.stage2.parameters()))
        self.assertFalse(model.stage3[0].bn.training)

    def test_bad_sca_stage(self):
        with self.assertRaisesRegex(ValueError, 'sca_cfg.stages'):
            SCADKNet(widen_factor=0.125, sca_cfg=dict(stages=(6, ), reduction=4))


if __name__ == '__main__':
    unittest.main()
