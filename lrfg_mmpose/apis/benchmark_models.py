# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
"""The models the benchmarks, the ablation and the GPU check compare: ours (the paper's config
and Table 1's rows) and MMPose's bundled YOLOX-Pose and RTMO by name, built with random weights
(nothing is downloaded), with a fixed batch of real images and the multiply-add counter."""
import os.path as osp
from pathlib import Path

import torch

from ..fileio import repo_root
from ..utils import build_pose_model, load_config
from .table1 import TABLE1

ROOT = repo_root()
ABLATION = [row.config for row in TABLE1]  # the paper's Table 1, in row order
MODEL_CONFIGS = {
    'lrfg': str(ROOT / 'configs' / 'lrfg_yolopose_coco.py'),
    **{row.name: str(row.config) for row in TABLE1},
    'yoloxpose_tiny': 'mmpose::body_2d_keypoint/yoloxpose/coco/yoloxpose_tiny_4xb64-300e_coco-416.py',
    'yoloxpose_s': 'mmpose::body_2d_keypoint/yoloxpose/coco/yoloxpose_s_8xb32-300e_coco-640.py',
    'rtmo_s': 'mmpose::body_2d_keypoint/rtmo/coco/rtmo-s_8xb32-600e_coco-640x640.py',
}
EMBEDDED = ROOT / 'data' / 'coco-mini'  # the real COCO images in the checkout


def model_config(name: str):
    """The config of a benchmark entry: a name of :data:`MODEL_CONFIGS` or a config file (any
    keypoint set)."""
    if name not in MODEL_CONFIGS and not Path(name).is_file():
        raise ValueError(f'{name!r}: not a benchmark model ({", ".join(MODEL_CONFIGS)}) nor a '
                         f'config file')
    return load_config(MODEL_CONFIGS.get(name, name))


def build_model(name: str, device: str = 'cpu', deploy: bool = False) -> torch.nn.Module:
    """The model of a benchmark entry with random weights (nothing is downloaded); in deploy
    mode with MMPose's ``switch_to_deploy`` (implicit layers folded) and BN fused."""
    cfg = model_config(name)
    cfg.model.data_preprocessor.pop('batch_augments', None)
    cfg.model.backbone.pop('init_cfg', None)
    model = build_pose_model(cfg.model)
    model.init_weights()
    model.to(device)
    if deploy:
        from mmcv.cnn import fuse_conv_bn
        model.eval()
        model.switch_to_deploy()  # MMPose's: calls every submodule's switch_to_deploy
        model = fuse_conv_bn(model)
    return model


def real_batch(size: int, batch_size: int, name: str = 'lrfg') -> dict:
    """A fixed batch of real images with their people, letterboxed to ``size``: from the
    training set of the entry's config where its files are here (an embedded custom keypoint
    set), else from the embedded COCO images (COCO models; full COCO is not here)."""
    from mmengine.dataset import pseudo_collate
    from mmengine.registry import DefaultScope
    from mmpose.registry import DATASETS

    from ..datasets import fixed_train_pipeline
    dataset = model_config(name).train_dataloader.dataset
    if not osp.isfile(osp.join(dataset.get('data_root') or '', dataset.ann_file)):
        dataset = dict(type='CocoDataset', data_root=str(EMBEDDED),
                       data_mode='bottomup', ann_file='annotations/person_keypoints_train2017.json',
                       data_prefix=dict(img='train2017/'))
    with DefaultScope.overwrite_default_scope('mmpose'):
        ds = DATASETS.build(dict(dataset, pipeline=fixed_train_pipeline((size, size))))
        return pseudo_collate([ds[i] for i in range(batch_size)])


def optimizer(model):
    """Plain SGD: what a train step is timed with."""
    from mmengine.optim import build_optim_wrapper
    return build_optim_wrapper(model, dict(optimizer=dict(type='SGD', lr=1e-4, momentum=0.9)))


def gmacs(model, size: int, device: str = 'cpu') -> float:
    """Multiply-adds of one forward pass (MMEngine's counter, which calls them FLOPs)."""
    from mmengine.analysis import get_model_complexity_info
    x = torch.randn(1, 3, size, size, device=device)
    info = get_model_complexity_info(model, inputs=(x, None), show_table=False, show_arch=False)
    return info['flops'] / 1e9
