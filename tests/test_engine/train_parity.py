"""Runner set-ups shared by the training-parity and distributed tests: the reference's fixed
batches (``tests/data/yolopose-reference-train/train_steps.npz``) as MMPose samples, and an
MMEngine Runner with the paper config's recipe around the converted reference model."""
import copy
import tempfile
from pathlib import Path

import numpy as np
import torch
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.hooks import Hook
from mmengine.structures import InstanceData
from mmpose.structures import PoseDataSample
from torch.utils.data import DataLoader

from lrfg_mmpose.convert import convert_yolopose_checkpoint

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / 'tests' / 'data' / 'yolopose-reference-train'
POSE = ROOT / 'tests' / 'data' / 'yolopose-reference' / 'yolov5s6_kpts_w0125_ref.pt'
MAIN = ROOT / 'configs' / 'lrfg_yolopose_coco.py'
SIZE = 192


def reference_samples(ref, dtype=np.float64) -> list:
    """The fixture's 8 letterboxed images (BGR uint8, as MMPose's loader gives them) with
    their people (boxes, keypoints in input pixels, COCO v > 0)."""
    targets, samples = ref['targets'], []
    for n in range(len(ref['images_rgb'])):
        batch, index = divmod(n, 2)
        rows = np.nonzero((ref['target_batch'] == batch) & (targets[:, 0] == index))[0]
        t = targets[rows].astype(dtype)
        cx, cy, w, h = (t[:, 2:6] * SIZE).T
        kpts = t[:, 6:].reshape(-1, 17, 2) * SIZE
        sample = PoseDataSample(metainfo=dict(input_size=(SIZE, SIZE), img_id=int(n)))
        sample.gt_instance_labels = InstanceData(
            bboxes=torch.from_numpy(np.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], 1)),
            keypoints=torch.from_numpy(kpts),
            keypoints_visible=torch.from_numpy(ref['kpt_visible'][rows]))
        image = torch.from_numpy(np.ascontiguousarray(ref['images_rgb'][n][::-1]))  # BGR
        samples.append(dict(inputs=image, data_samples=sample))
    return samples


class StepRecorder(Hook):
    """Each iteration's loss terms, lr/momentum per group, and whether the optimizer stepped."""
    priority = 'LOWEST'

    def __init__(self):
        self.losses, self.lrs, self.steps = [], [], []

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        self.losses.append({k: float(v.detach()) for k, v in outputs.items()})
        groups = runner.optim_wrapper.optimizer.param_groups
        self.lrs.append([g['lr'] for g in groups] + [g['momentum'] for g in groups])
        self.steps.append(runner.optim_wrapper.should_update())


def converted_reference(work_dir: Path, lr_scale: float = 1.0):
    """The fixture pose checkpoint converted; its complete config (paper recipe, with lr0 and
    the warm-up bias lr times ``lr_scale``)."""
    ckpt, cfg_path = work_dir / 'ref.pth', work_dir / 'ref.py'
    convert_yolopose_checkpoint(POSE, ckpt, MAIN, cfg_path)
    cfg = Config.fromfile(str(cfg_path))
    cfg.optim_wrapper.optimizer.lr *= lr_scale
    cfg.default_hooks.param_scheduler.warmup_bias_lr *= lr_scale
    return ckpt, cfg


def reference_runner(work_dir: Path, samples: list, batch_size: int, max_epochs: int,
                     launcher: str = 'none', hooks=(), dtype=torch.float64,
                     lr_scale: float = 1.0, cfg_changes=None):
    """An MMEngine Runner with the paper config's optimizer wrapper, schedule hook and EMA,
    loading the converted reference checkpoint, on ``samples`` in order; the model in
    ``dtype`` (its data preprocessor then gives inputs of that type too)."""
    from mmengine.runner import Runner

    from lrfg_mmpose.utils import build_pose_model
    ckpt, cfg = converted_reference(Path(tempfile.mkdtemp(dir=work_dir)), lr_scale)
    if cfg_changes:
        cfg_changes(cfg)
    model = build_pose_model(cfg.model).to(dtype)
    pre = model.data_preprocessor  # integer mean/std in the config: inputs in dtype too
    pre.mean, pre.std = pre.mean.to(dtype), pre.std.to(dtype)
    loader = DataLoader(samples, batch_size=batch_size, shuffle=False, collate_fn=pseudo_collate)
    if launcher != 'none':
        from mmengine.dataset import DefaultSampler
        loader = DataLoader(samples, batch_size=batch_size, collate_fn=pseudo_collate,
                            sampler=DefaultSampler(samples, shuffle=False))
    ema = [h for h in cfg.custom_hooks if h['type'].endswith('EMAHook')]
    default_hooks = copy.deepcopy(cfg.default_hooks)
    default_hooks.update(checkpoint=dict(type='CheckpointHook', interval=10**6),
                         logger=dict(type='LoggerHook', interval=10**6))
    return Runner(
        model=model, work_dir=str(work_dir), train_dataloader=loader,
        train_cfg=dict(by_epoch=True, max_epochs=max_epochs), optim_wrapper=cfg.optim_wrapper,
        param_scheduler=None, default_hooks=default_hooks,
        custom_hooks=ema + [dict(type='NaNGuardHook')] + list(hooks), load_from=str(ckpt),
        default_scope='mmpose', launcher=launcher,
        env_cfg=dict(dist_cfg=dict(backend='gloo')), log_level='WARNING',
        cfg=dict(custom_imports=cfg.custom_imports))


def flat_probe(value: torch.Tensor) -> np.ndarray:
    """The fixture's 256 probe values of a tensor: flat positions round(linspace(0, n-1, 256))."""
    flat = value.detach().double().flatten()
    n = flat.numel()
    idx = np.unique(np.round(np.linspace(0, n - 1, min(n, 256))).astype(np.int64))
    return flat[torch.from_numpy(idx)].numpy()


def reference_order(name: str, value: torch.Tensor) -> torch.Tensor:
    """Our tensor in the reference's element order (the stem's pixel blocks swapped back)."""
    if name == 'backbone.stem.conv.conv.weight':
        c = value.shape[1] // 4
        value = torch.cat([value[:, :c], value[:, 2 * c:3 * c], value[:, c:2 * c],
                           value[:, 3 * c:]], 1)
    return value
