"""Each module inside MMPose's own models: the drop-in configs build and train a step."""
import copy
import tempfile
import unittest
from pathlib import Path

import torch
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.optim import build_optim_wrapper
from mmengine.registry import init_default_scope
from mmpose.registry import DATASETS, MODELS

from lrfg_mmpose.datasets import fixed_train_pipeline
from lrfg_mmpose.models.layers import FGCSPP, SCAC3, GhostConv
from tests.helpers import DATA, ROOT, coco_subset
SIZE = 256
PIPELINE = fixed_train_pipeline((SIZE, SIZE))


class TestDropIn(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        init_default_scope('mmpose')
        cls.tmp = tempfile.TemporaryDirectory()
        ann = coco_subset('train2017', 2, Path(cls.tmp.name))
        ds = DATASETS.build(dict(type='CocoDataset', data_root='', data_mode='bottomup',
                                 ann_file=str(ann), data_prefix=dict(img=str(DATA / 'train2017') + '/'),
                                 pipeline=PIPELINE))
        cls.batch = pseudo_collate([ds[0], ds[1]])

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def train_step(self, name):
        cfg = Config.fromfile(str(ROOT / 'configs' / 'dropin' / name))
        self.assertEqual(cfg.custom_imports.imports, ['lrfg_mmpose'])
        model_cfg = copy.deepcopy(cfg.model)
        model_cfg.data_preprocessor.pop('batch_augments', None)  # fixed size for the test
        model_cfg.backbone.pop('init_cfg', None)  # MMPose's pretrained-weight URL: no network here
        torch.manual_seed(0)
        model = MODELS.build(model_cfg)
        model.init_weights()
        optim = build_optim_wrapper(model, dict(optimizer=dict(type='AdamW', lr=1e-4)))
        before = {k: v.detach().clone() for k, v in model.named_parameters()}
        log = model.train_step(self.batch, optim)
        self.assertTrue(all(torch.isfinite(v) for v in log.values()), log)
        changed = [k for k, v in model.named_parameters() if not torch.equal(v, before[k])]
        self.assertTrue(changed)
        return model, changed

    def test_yoloxpose_with_scadknet(self):
        model, changed = self.train_step('yoloxpose_s_scadknet-fgcspp_8xb32-300e_coco-640.py')
        self.assertIsInstance(model.backbone.stage4[1], FGCSPP)
        self.assertIsInstance(model.backbone.stage4[2], SCAC3)
        self.assertIn('backbone.stage4.2.blocks.0.attention.conv_h.weight', changed)

    def test_yoloxpose_with_ghost_pafpn(self):
        model, changed = self.train_step('yoloxpose_s_ghost-pafpn_8xb32-300e_coco-640.py')
        self.assertIsInstance(model.neck.lateral_convs[0], GhostConv)
        self.assertTrue(any(k.startswith('neck.lateral_convs.0.cheap_conv') for k in changed))

    def test_rtmo_with_scadknet(self):
        model, _ = self.train_step('rtmo-s_scadknet-fgcspp_8xb32-600e_coco-640.py')
        self.assertIsInstance(model.backbone.stage4[1], FGCSPP)

    def test_modules_by_registry_name(self):
        x = torch.randn(1, 32, 8, 8)
        for cfg in (dict(type='CoordAttention', channels=32, reduction=4),
                    dict(type='SCAC3', in_channels=32, out_channels=32),
                    dict(type='FGCSPP', in_channels=32, out_channels=32),
                    dict(type='GhostConv', in_channels=32, out_channels=32, kernel_size=3),
                    dict(type='ImplicitA', channels=32), dict(type='ImplicitM', channels=32)):
            with self.subTest(type=cfg['type']):
                self.assertEqual(MODELS.build(cfg)(x).shape, x.shape)


if __name__ == '__main__':
    unittest.main()
