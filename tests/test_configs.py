"""Every config loads and builds through the registry; the eight ablation rows reach the
paper's Table 1 parameter counts."""
import unittest
from pathlib import Path

from mmengine.config import Config
from mmpose.registry import MODELS
from mmpose.utils import register_all_modules

from lrfg_mmpose.apis.ablation import PAPER_TABLE1
from tests.helpers import num_params

ROOT = Path(__file__).resolve().parents[1]
CONFIGS = ROOT / 'configs'
# Paper Table 1, in row order (M parameters).
TABLE1 = {row: params for row, (params, _) in PAPER_TABLE1.items()}


def build(path):
    cfg = Config.fromfile(str(path))
    register_all_modules()
    import lrfg_mmpose  # noqa: F401  (what custom_imports does)
    return cfg, MODELS.build(cfg.model)


class TestConfigs(unittest.TestCase):

    def test_exactly_eight_ablation_configs(self):
        names = sorted(p.stem for p in (CONFIGS / 'ablation').glob('*.py'))
        self.assertEqual([n.split('_')[2] for n in names], sorted(TABLE1))

    def test_ablation_param_counts_match_table1(self):
        for path in sorted((CONFIGS / 'ablation').glob('*.py')):
            with self.subTest(config=path.name):
                cfg, model = build(path)
                self.assertEqual(cfg.custom_imports.imports, ['lrfg_mmpose'])
                row = path.stem.split('_')[2]
                self.assertAlmostEqual(num_params(model) / 1e6, TABLE1[row], delta=0.05)

    def test_main_config_is_the_full_model(self):
        _, main = build(CONFIGS / 'lrfg_yolopose_coco.py')
        _, full = build(CONFIGS / 'ablation' / 'lrfg_yolopose_t1r8-fgcspp-sca-implicit_coco-960.py')
        self.assertEqual(num_params(main), num_params(full))
        self.assertEqual(num_params(main), 15114860 + 6428160 - 844464 - 1175480)

    def test_ablation_configs_differ_only_in_switches(self):
        base = Config.fromfile(str(CONFIGS / 'lrfg_yolopose_coco.py')).to_dict()
        for path in sorted((CONFIGS / 'ablation').glob('*.py')):
            cfg = Config.fromfile(str(path)).to_dict()
            for key in ('backbone', 'neck', 'head'):
                for sub in (cfg['model'][key], base['model'][key]):
                    for switch in ('use_fgcspp', 'sca_cfg', 'use_ghost', 'use_implicit'):
                        sub.pop(switch, None)
                self.assertEqual(cfg['model'][key], base['model'][key], path.name)
            rest = {k: v for k, v in cfg.items() if k != 'model'}
            base_rest = {k: v for k, v in base.items() if k != 'model'}
            self.assertEqual(rest, base_rest, path.name)

    def test_paper_configs_use_the_paper_loss(self):
        """The scale-normalised L1 keypoint term is only in the small-data CPU config."""
        paper = [CONFIGS / 'lrfg_yolopose_coco.py'] + sorted((CONFIGS / 'ablation').glob('*.py'))
        for path in paper:
            weights = Config.fromfile(str(path)).model.head.loss_weights
            self.assertEqual(weights.get('kpt_l1', 0), 0, path.name)
        mini = Config.fromfile(str(CONFIGS / 'lrfg_yolopose_coco-mini.py'))
        self.assertGreater(mini.model.head.loss_weights.kpt_l1, 0)

    def test_head_channel_layouts(self):
        """The paper configs use the reference layout (which produced Table 1); the CPU config
        the per-anchor one (it over-fits sooner; README)."""
        paper = ([CONFIGS / 'lrfg_yolopose_coco.py'] + sorted((CONFIGS / 'ablation').glob('*.py')) +
                 sorted((CONFIGS / 'yolopose').glob('*.py')))
        for path in paper:
            self.assertEqual(Config.fromfile(str(path)).model.head.channel_layout, 'reference',
                             path.name)
        mini = Config.fromfile(str(CONFIGS / 'lrfg_yolopose_coco-mini.py'))
        self.assertEqual(mini.model.head.channel_layout, 'per_anchor')

    def test_yolopose_size_configs_are_the_baseline_at_their_size(self):
        for path, (depth, width, blocks) in {'yolopose_m6_coco-960.py': (0.67, 0.75, 2),
                                             'yolopose_l6_coco-960.py': (1.0, 1.0, 3)}.items():
            cfg, model = build(CONFIGS / 'yolopose' / path)
            widths = [int(c * width) for c in (256, 512, 768, 1024)]
            self.assertEqual(model.backbone.stem.conv.conv.out_channels, int(64 * width))
            self.assertEqual(len(model.backbone.stage2[1].blocks), max(round(9 * depth), 1))
            self.assertEqual(len(model.neck.top_down_blocks[0].blocks), blocks)
            self.assertEqual([c.in_channels for c in model.head.box_convs], widths)
            self.assertFalse(cfg.model.head.use_implicit or cfg.model.neck.use_ghost or
                             cfg.model.backbone.use_fgcspp or cfg.model.backbone.sca_cfg)

    def test_demo_config_trains_the_subset_for_its_epochs(self):
        import json
        import tempfile

        from lrfg_mmpose.apis import write_demo_config
        with tempfile.TemporaryDirectory() as tmp:
            config, ann = write_demo_config(Path(tmp), 5, 120)
            cfg = Config.fromfile(str(config))
            self.assertEqual(len(json.loads(ann.read_text())['images']), 5)
        self.assertEqual(cfg.train_dataloader.dataset.ann_file, str(ann.resolve()))
        self.assertEqual(cfg.train_dataloader.batch_size, 5)
        self.assertEqual(cfg.train_cfg.max_epochs, 120)
        self.assertGreater(cfg.train_cfg.val_interval, 120)
        self.assertEqual(cfg.param_scheduler[-1].end, 120)
        self.assertEqual(cfg.model.head.loss_weights.kpt_l1, 0.1)  # inherited from the mini config
        self.assertEqual(cfg.randomness.seed, 0)
        self.assertNotIn('RandomFlip', [t.type for t in cfg.train_dataloader.dataset.pipeline])


if __name__ == '__main__':
    unittest.main()


def test_every_config_refers_to_registered_types():
    """Datasets, transforms and hooks of every config resolve (ours through custom_imports)."""
    from mmengine.registry import DefaultScope
    from mmpose.registry import DATASETS, HOOKS, TRANSFORMS
    register_all_modules()
    import lrfg_mmpose  # noqa: F401
    paths = [p for p in sorted(CONFIGS.rglob('*.py')) if '_base_' not in p.parts]
    assert len(paths) >= 16
    with DefaultScope.overwrite_default_scope('mmpose'):
        for path in paths:
            cfg = Config.fromfile(str(path))
            for hook in cfg.get('custom_hooks', []):
                assert HOOKS.get(hook['type']) is not None, (path.name, hook['type'])
            for loader in ('train_dataloader', 'val_dataloader'):
                dataset = cfg[loader].dataset
                assert DATASETS.get(dataset.type) is not None, (path.name, dataset.type)
                for step in dataset.pipeline:
                    assert TRANSFORMS.get(step['type']) is not None, (path.name, step['type'])
    ours = [p for p in paths if 'dropin' not in p.parts]
    for path in ours:  # our configs: checked datasets and the three training hooks
        cfg = Config.fromfile(str(path))
        assert cfg.train_dataloader.dataset.type == 'CheckedCocoDataset', path.name
        assert {'NaNGuardHook', 'RNGStateHook', 'AnchorRecallHook'} <= \
            {h['type'] for h in cfg.custom_hooks}, path.name


def test_benchmark_takes_a_config_of_another_keypoint_set():
    from lrfg_mmpose.apis.benchmark import build_model, optimizer, real_batch
    config = str(CONFIGS / 'lrfg_yolopose_coco-body13-mini.py')
    batch = real_batch(256, 2, config)
    assert batch['data_samples'][0].gt_instance_labels.keypoints.shape[1] == 13
    model = build_model(config)
    assert model.head.num_keypoints == 13
    losses = model.train_step(batch, optimizer(model))
    assert all(v.isfinite() for v in losses.values())


def test_paper_configs_train_with_the_reference_recipe():
    """Every paper config: the reference's train.py recipe (groups, schedule hook, EMA, no lr
    rescaling); 80 epochs from the person detector, or the 300-epoch from-scratch recipe."""
    paper = [CONFIGS / 'lrfg_yolopose_coco.py', CONFIGS / 'lrfg_yolopose_2xb32-80e_coco-960.py',
             CONFIGS / 'lrfg_yolopose_2xb32-300e_coco-960.py',
             *sorted((CONFIGS / 'ablation').glob('*.py')),
             *sorted((CONFIGS / 'yolopose').glob('*.py'))]
    assert len(paper) == 13
    for path in paper:
        cfg = Config.fromfile(str(path))
        assert cfg.optim_wrapper.constructor == 'YOLOv5OptimWrapperConstructor', path.name
        # MMEngine's type, so that `mim train --amp` accepts the config; the constructor
        # builds the reference-accumulation wrapper for it
        assert cfg.optim_wrapper.type == 'OptimWrapper', path.name
        assert cfg.optim_wrapper.optimizer == dict(type='SGD', lr=0.01, momentum=0.937,
                                                   weight_decay=5e-4, nesterov=True), path.name
        assert cfg.param_scheduler is None, path.name
        hook = cfg.default_hooks.param_scheduler
        assert (hook.type, hook.lr_factor, hook.warmup_epochs, hook.warmup_min_iters,
                hook.warmup_bias_lr, hook.warmup_momentum, hook.nominal_batch_size) == \
            ('YOLOv5ParamSchedulerHook', 0.2, 3, 1000, 0.1, 0.8, 64), path.name
        assert [h.type for h in cfg.custom_hooks if 'EMA' in h.type] == ['YOLOv5EMAHook']
        assert not cfg.auto_scale_lr.enable, path.name
        assert cfg.train_dataloader.batch_size == 32, path.name
        if '300e' in path.name:
            assert (cfg.train_cfg.max_epochs, cfg.load_from) == (300, None)
        else:
            size = 'm6' if 'm6' in path.name else 'l6' if 'l6' in path.name else 's6'
            assert cfg.train_cfg.max_epochs == 80, path.name
            assert cfg.load_from == f'checkpoints/yolov5{size}_person_lrfg.pth', path.name
            text = path.read_text()
            assert 'load_from' in text, f'{path.name} does not document its load_from'
