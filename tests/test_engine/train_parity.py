"""Runner set-ups shared by the training-parity and distributed tests: the reference's fixed
batches (``tests/data/yolopose-reference-train/train_steps.npz``) as MMPose samples, and an
MMEngine Runner with the paper config's recipe around the converted reference model."""
import copy
import tempfile
from pathlib import Path

import numpy as np
import torch
from mmengine.config import Config
from mmengine.dataset import DefaultSampler, pseudo_collate
from mmengine.hooks import Hook
from mmengine.structures import InstanceData
from mmpose.structures import PoseDataSample
from torch.utils.data import DataLoader

from lrfg_mmpose.convert import convert_yolopose_checkpoint, swap_stem_blocks

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
    """An MMEngine Runner with the paper config's optimizer wrapper, schedule hook, EMA and
    model wrapper (DDP with ``broadcast_buffers=True``), loading the converted reference
    checkpoint, on ``samples`` in order; the model in ``dtype`` (its data preprocessor then
    gives inputs of that type too)."""
    from mmengine.runner import Runner

    from lrfg_mmpose.utils import build_pose_model
    ckpt, cfg = converted_reference(Path(tempfile.mkdtemp(dir=work_dir)), lr_scale)
    if cfg_changes:
        cfg_changes(cfg)
    model = build_pose_model(cfg.model).to(dtype)
    pre = model.data_preprocessor  # integer mean/std in the config: inputs in dtype too
    pre.mean, pre.std = pre.mean.to(dtype), pre.std.to(dtype)
    # in order; in a distributed run each process takes every world_size-th sample
    loader = DataLoader(samples, batch_size=batch_size, collate_fn=pseudo_collate,
                        sampler=DefaultSampler(samples, shuffle=False))
    ema = [h for h in cfg.custom_hooks if h['type'].endswith('EMAHook')]
    default_hooks = copy.deepcopy(cfg.default_hooks)
    # replaced, not merged (ConfigDict.update merges nested dicts)
    default_hooks['checkpoint'] = dict(type='CheckpointHook', interval=10**6)
    default_hooks['logger'] = dict(type='LoggerHook', interval=10**6)
    return Runner(
        model=model, work_dir=str(work_dir), train_dataloader=loader,
        train_cfg=dict(by_epoch=True, max_epochs=max_epochs), optim_wrapper=cfg.optim_wrapper,
        param_scheduler=None, default_hooks=default_hooks,
        custom_hooks=ema + [dict(type='NaNGuardHook')] + list(hooks), load_from=str(ckpt),
        default_scope='mmpose', launcher=launcher,
        env_cfg=dict(dist_cfg=dict(backend='gloo')), log_level='WARNING',
        cfg=dict(custom_imports=cfg.custom_imports, model_wrapper_cfg=cfg.model_wrapper_cfg))


def flat_probe(value: torch.Tensor) -> np.ndarray:
    """The fixture's 256 probe values of a tensor: flat positions round(linspace(0, n-1, 256))."""
    flat = value.detach().double().flatten()
    n = flat.numel()
    idx = np.unique(np.round(np.linspace(0, n - 1, min(n, 256))).astype(np.int64))
    return flat[torch.from_numpy(idx)].numpy()


def reference_order(name: str, value: torch.Tensor) -> torch.Tensor:
    """Our tensor in the reference's element order (the stem's pixel blocks swapped back)."""
    return swap_stem_blocks(value) if name == 'backbone.stem.conv.conv.weight' else value


def cpu_launcher_adaptations():
    """What MMEngine's ``pytorch`` launcher assumes of a GPU machine, adapted for CPU processes
    (test harness only): ``torch.cuda.set_device`` becomes a no-op and DDP gets no
    ``device_ids`` (CPU modules take none)."""
    from mmengine.model.wrappers import MMDistributedDataParallel
    torch.cuda.set_device = lambda *args, **kwargs: None
    init = MMDistributedDataParallel.__init__

    def cpu_init(self, module, *args, **kwargs):
        kwargs.pop('device_ids', None)
        init(self, module, *args, **kwargs)
    MMDistributedDataParallel.__init__ = cpu_init


def duplicated_batches(ref, per_rank: int, world_size: int) -> list:
    """The fixture's first 4 images in batches that every process sees alike: batch b of a
    rank holds images ``b * per_rank ... + per_rank``, each rank the same ones, and the
    one-process list (``world_size`` 1, batch ``per_rank * W``) holds each image W times, in
    the order MMEngine's DefaultSampler deals them out (index i goes to rank i % W)."""
    samples = reference_samples(ref)[:4]
    out = []
    for b in range(len(samples) // per_rank):
        for k in range(per_rank):
            out += [samples[b * per_rank + k]] * world_size
    return out


def ddp_worker(rank: int, world_size: int, port: int, out_dir: str, max_epochs: int,
               lr_scale: float = 1.0):
    """One process of a distributed run on the duplicated batches; rank 0 saves the weights."""
    import os
    os.environ.update(MASTER_ADDR='127.0.0.1', MASTER_PORT=str(port), RANK=str(rank),
                      LOCAL_RANK=str(rank), WORLD_SIZE=str(world_size))
    torch.set_num_threads(1)
    cpu_launcher_adaptations()
    from mmengine.dist import init_dist
    init_dist('pytorch', backend='gloo')  # before the sampler is made (it reads the world size)
    ref = dict(np.load(FIXTURE / 'train_steps.npz'))
    samples = duplicated_batches(ref, 2, world_size)
    runner = reference_runner(Path(out_dir), samples, batch_size=2, max_epochs=max_epochs,
                              launcher='pytorch', lr_scale=lr_scale,
                              hooks=[dict(type='BroadcastBuffersHook')])
    runner.train()
    model = runner.model.module
    state = {k: v.clone() for k, v in model.state_dict().items()}
    validated = buffers_validated_with(runner, model, rank, world_size)
    if rank == 0:
        torch.save(dict(state=state, iters=runner.iter, world_size=runner.world_size,
                        broadcast_buffers=runner.model.broadcast_buffers, **validated),
                   Path(out_dir) / 'ddp.pth')


def buffers_validated_with(runner, model, rank: int, world_size: int) -> dict:
    """Give rank 1 other BatchNorm statistics (its model's and its EMA's, as its own images
    would), run the hooks that start a validation epoch (the EMA swap, then
    BroadcastBuffersHook) and return the largest difference between the ranks' buffers just
    after the EMA swap and after the broadcast, i.e. in the model each rank validates."""
    import torch.distributed as dist

    from lrfg_mmpose.engine import YOLOv5EMAHook
    ema = next(h for h in runner.hooks if isinstance(h, YOLOv5EMAHook))
    if rank == 1:
        for b in [*model.buffers(), *ema.ema_model.module.buffers()]:
            if b.is_floating_point():
                b.add_(1.0)

    def spread() -> float:
        flat = torch.cat([b.double().flatten() for b in model.buffers()])
        every = [torch.zeros_like(flat) for _ in range(world_size)]
        dist.all_gather(every, flat)
        return max((e - every[0]).abs().max().item() for e in every)

    ema._swap_ema_parameters()  # what YOLOv5EMAHook.before_val_epoch does first
    swapped = spread()
    ema._swap_ema_parameters()
    runner.call_hook('before_val_epoch')  # the EMA swap, then BroadcastBuffersHook
    validated = spread()
    ema.after_val_epoch(runner)
    return dict(spread_after_swap=swapped, spread_validated=validated)
