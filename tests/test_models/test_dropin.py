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


TOPDOWN_SIZE = (192, 256)  # w, h: RTMPose-s's crops


class TestTopDownDropIn(unittest.TestCase):
    """SCADK-Net and SCA under MMPose's top-down RTMPose-s (SimCC head), through MMPose's own
    ``TopdownPoseEstimator`` on person crops of the embedded images (MMPose's top-down data
    path: one sample per person, ``GetBBoxCenterScale``, ``TopdownAffine`` to 256x192, SimCC
    targets). A few steps on one batch of 8 crops: the loss falls."""

    @classmethod
    def setUpClass(cls):
        init_default_scope('mmpose')
        cls.tmp = tempfile.TemporaryDirectory()
        ann = coco_subset('train2017', 4, Path(cls.tmp.name))
        base = Config.fromfile(str(ROOT / 'configs' / 'dropin' /
                                   'rtmpose-s_scadknet-fgcspp_8xb256-420e_coco-256x192.py'))
        pipeline = [dict(type='LoadImage'), dict(type='GetBBoxCenterScale'),
                    dict(type='TopdownAffine', input_size=TOPDOWN_SIZE),
                    dict(type='GenerateTarget', encoder=base.codec), dict(type='PackPoseInputs')]
        ds = DATASETS.build(dict(type='CocoDataset', data_root='', data_mode='topdown',
                                 ann_file=str(ann), pipeline=pipeline,
                                 data_prefix=dict(img=str(DATA / 'train2017') + '/')))
        cls.num_crops = len(ds)
        cls.batch = pseudo_collate([ds[i % len(ds)] for i in range(8)])

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def train_steps(self, name, steps=5):
        cfg = Config.fromfile(str(ROOT / 'configs' / 'dropin' / name))
        self.assertEqual(cfg.model.type, 'TopdownPoseEstimator')
        self.assertEqual(tuple(cfg.codec.input_size), TOPDOWN_SIZE)
        model_cfg = copy.deepcopy(cfg.model)
        model_cfg.backbone.pop('init_cfg', None)  # MMPose's pretrained-weight URL: no network
        if model_cfg.backbone.get('norm_cfg', {}).get('type') == 'SyncBN':
            model_cfg.backbone.norm_cfg = dict(type='BN')  # one CPU process
        torch.manual_seed(0)
        model = MODELS.build(model_cfg)
        model.init_weights()
        optim = build_optim_wrapper(model, dict(optimizer=dict(type='AdamW', lr=1e-3)))
        losses = [model.train_step(self.batch, optim)['loss'].item() for _ in range(steps)]
        print(f'\n{name}: loss over {steps} steps ' + ' '.join(f'{v:.3f}' for v in losses))
        self.assertTrue(all(torch.isfinite(torch.tensor(losses))), losses)
        self.assertLess(losses[-1], losses[0])
        return model, losses

    def test_rtmpose_with_scadknet(self):
        self.assertGreaterEqual(self.num_crops, 4)
        model, _ = self.train_steps('rtmpose-s_scadknet-fgcspp_8xb256-420e_coco-256x192.py')
        self.assertIsInstance(model.backbone.stage4[1], FGCSPP)
        self.assertIsInstance(model.backbone.stage4[2], SCAC3)
        self.assertEqual(model.head.final_layer.in_channels, 512)

    def test_rtmpose_cspnext_with_sca(self):
        from mmdet.models.layers import CSPLayer

        from lrfg_mmpose.models.layers import CoordAttention
        model, _ = self.train_steps('rtmpose-s_cspnext-sca_8xb256-420e_coco-256x192.py')
        for i, expected in ((2, False), (3, True), (4, True)):
            layers = [m for m in getattr(model.backbone, f'stage{i}') if isinstance(m, CSPLayer)]
            self.assertTrue(layers)
            self.assertTrue(all(isinstance(m.attention, CoordAttention) == expected
                                for m in layers), i)
