"""Every config loads and builds through the registry; the eight ablation rows are the
configs of the Table 1 table (:mod:`lrfg_mmpose.apis.table1`), with its switches, and reach the
paper's parameter counts."""
import json
from pathlib import Path

import pytest
from mmengine.config import Config
from mmpose.registry import MODELS
from mmpose.utils import register_all_modules

from lrfg_mmpose.apis.table1 import TABLE1, ablation_row, row_name
from tests.helpers import num_params

ROOT = Path(__file__).resolve().parents[1]
CONFIGS = ROOT / 'configs'
PAPER = [CONFIGS / 'lrfg_yolopose_coco.py'] + [row.config for row in TABLE1]


def build(path):
    cfg = Config.fromfile(str(path))
    register_all_modules()
    import lrfg_mmpose  # noqa: F401  (what custom_imports does)
    return cfg, MODELS.build(cfg.model)


def test_the_ablation_folder_holds_exactly_the_table1_rows():
    assert sorted((CONFIGS / 'ablation').glob('*.py')) == sorted(r.config for r in TABLE1)
    assert [row_name(r.config) for r in TABLE1] == [r.name for r in TABLE1]
    assert ablation_row(CONFIGS / 'lrfg_yolopose_coco.py') is None
    assert row_name('yoloxpose_s') == 'yoloxpose_s'


@pytest.mark.parametrize('row', TABLE1, ids=lambda r: r.name)
def test_each_ablation_config_has_its_rows_switches_and_params(row):
    cfg, model = build(row.config)
    assert cfg.custom_imports.imports == ['lrfg_mmpose']
    m = cfg.model
    assert m.backbone.use_fgcspp == row.fgcspp
    assert (m.backbone.sca_cfg is not None) == row.sca
    assert m.head.use_implicit == m.neck.use_ghost == row.implicit
    assert num_params(model) / 1e6 == pytest.approx(row.paper_params, abs=0.05)


def test_main_config_is_the_full_model():
    _, main = build(CONFIGS / 'lrfg_yolopose_coco.py')
    _, full = build(TABLE1[-1].config)
    assert num_params(main) == num_params(full) == 15114860 + 6428160 - 844464 - 1175480


def test_ablation_configs_differ_only_in_switches():
    base = Config.fromfile(str(CONFIGS / 'lrfg_yolopose_coco.py')).to_dict()
    for row in TABLE1:
        cfg = Config.fromfile(str(row.config)).to_dict()
        for key in ('backbone', 'neck', 'head'):
            for sub in (cfg['model'][key], base['model'][key]):
                for switch in ('use_fgcspp', 'sca_cfg', 'use_ghost', 'use_implicit'):
                    sub.pop(switch, None)
            assert cfg['model'][key] == base['model'][key], row.name
        rest = {k: v for k, v in cfg.items() if k != 'model'}
        base_rest = {k: v for k, v in base.items() if k != 'model'}
        assert rest == base_rest, row.name


def test_paper_configs_use_the_paper_loss():
    """The scale-normalised L1 keypoint term is only in the small-data CPU config."""
    for path in PAPER:
        weights = Config.fromfile(str(path)).model.head.loss_weights
        assert weights.get('kpt_l1', 0) == 0, path.name
    mini = Config.fromfile(str(CONFIGS / 'lrfg_yolopose_coco-mini.py'))
    assert mini.model.head.loss_weights.kpt_l1 > 0


def test_head_channel_layouts():
    """The paper configs use the reference layout (which produced Table 1); the CPU config
    the per-anchor one (it over-fits sooner; docs/results.md)."""
    for path in PAPER + sorted((CONFIGS / 'yolopose').glob('*.py')):
        assert Config.fromfile(str(path)).model.head.channel_layout == 'reference', path.name
    mini = Config.fromfile(str(CONFIGS / 'lrfg_yolopose_coco-mini.py'))
    assert mini.model.head.channel_layout == 'per_anchor'


@pytest.mark.parametrize('name, depth, width, blocks', [('yolopose_m6_coco-960.py', 0.67, 0.75, 2),
                                                        ('yolopose_l6_coco-960.py', 1.0, 1.0, 3)])
def test_yolopose_size_configs_are_the_baseline_at_their_size(name, depth, width, blocks):
    cfg, model = build(CONFIGS / 'yolopose' / name)
    widths = [int(c * width) for c in (256, 512, 768, 1024)]
    assert model.backbone.stem.conv.conv.out_channels == int(64 * width)
    assert len(model.backbone.stage2[1].blocks) == max(round(9 * depth), 1)
    assert len(model.neck.top_down_blocks[0].blocks) == blocks
    assert model.neck.in_channels == widths
    assert [c.in_channels for c in model.head.box_convs] == widths
    assert not (cfg.model.head.use_implicit or cfg.model.neck.use_ghost or
                cfg.model.backbone.use_fgcspp or cfg.model.backbone.sca_cfg)


def test_demo_config_trains_the_subset_for_its_epochs(tmp_path):
    from lrfg_mmpose.apis import write_demo_config
    config, ann = write_demo_config(tmp_path, 5, 120)
    cfg = Config.fromfile(str(config))
    assert len(json.loads(ann.read_text())['images']) == 5
    assert cfg.train_dataloader.dataset.ann_file == str(ann.resolve())
    assert cfg.train_dataloader.batch_size == 5
    assert cfg.train_cfg.max_epochs == 120
    assert cfg.train_cfg.val_interval > 120
    assert cfg.param_scheduler[-1].end == 120
    assert cfg.model.head.loss_weights.kpt_l1 == 0.1  # inherited from the mini config
    assert cfg.randomness.seed == 0
    assert 'RandomFlip' not in [t.type for t in cfg.train_dataloader.dataset.pipeline]


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
    from lrfg_mmpose.apis.benchmark_models import build_model, optimizer, real_batch
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
    paper = [CONFIGS / 'lrfg_yolopose_coco.py', CONFIGS / 'lrfg_yolopose_2xb32-300e_coco-960.py',
             *sorted((CONFIGS / 'ablation').glob('*.py')),
             *sorted((CONFIGS / 'yolopose').glob('*.py'))]
    assert len(paper) == 12
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
