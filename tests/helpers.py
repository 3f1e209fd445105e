"""Shared test helpers: the tiny model config, embedded data subsets, a parameter counter, and
targets made into the raw head outputs that decode to them. (``tests/conftest.py`` offers the
same as pytest fixtures and registers the ``slow`` marker.)"""
import contextlib
import copy
import json
from pathlib import Path

import torch
from mmengine.config import Config

from lrfg_mmpose.datasets import write_coco_subset
from lrfg_mmpose.models.heads import CellPredictions, YOLOPoseHead, assign_level, encode_cells

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / 'data' / 'coco-mini'
MINI_CONFIG = ROOT / 'configs' / 'lrfg_yolopose_coco-mini.py'
TINY_WIDTHS = [32, 64, 96, 128]  # the full model at width 0.125: fast on 2 CPU cores


def num_params(module: torch.nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


def tiny_cfg() -> Config:
    """The CPU (mini) config with the full model at width 0.125 (SCA, FGCSPP, implicit and
    Ghost on). ``cfg.dump(path)`` gives a config file for tools and subprocesses."""
    cfg = Config.fromfile(str(MINI_CONFIG))
    cfg.model.backbone.widen_factor = 0.125
    cfg.model.neck.in_channels = TINY_WIDTHS
    cfg.model.head.in_channels = TINY_WIDTHS
    return cfg


def coco_subset(split: str, num_images: int, out_dir: Path, one_person: bool = False) -> Path:
    """COCO json of the first embedded images with a keypoint-annotated person (only one if
    asked)."""
    return write_coco_subset(DATA / 'annotations' / f'person_keypoints_{split}.json', num_images,
                             Path(out_dir) / f'{split}_{num_images}.json', 1 if one_person else None)


def build_dataset(loader_cfg, ann_file: Path, split: str, pipeline):
    """The dataset of ``loader_cfg`` on ``ann_file`` and the embedded images of ``split``."""
    from mmpose.registry import DATASETS
    ds_cfg = copy.deepcopy(loader_cfg.dataset)
    ds_cfg.update(data_root='', ann_file=str(ann_file), data_prefix=dict(img=str(DATA / split) + '/'),
                  pipeline=pipeline)
    return DATASETS.build(ds_cfg)


def perfect_outputs(head: YOLOPoseHead, boxes: torch.Tensor, kpts: torch.Tensor,
                    vis: torch.Tensor, input_hw: tuple, batch_size: int = 1, img_inds=None):
    """Raw ``(box_outs, kpt_outs)`` of ``head`` whose decoding gives exactly the given
    people (xyxy ``boxes`` (n, 4), ``kpts`` (n, K, 2), ``vis`` (n, K), input pixels) at
    every anchor/cell they are assigned to, with high scores there and low elsewhere."""
    K = head.num_keypoints
    img_inds = torch.zeros(len(boxes), dtype=torch.long) if img_inds is None else img_inds
    cxcywh = torch.cat([(boxes[:, :2] + boxes[:, 2:]) / 2, boxes[:, 2:] - boxes[:, :2]], 1)
    A, nb = head.num_anchors, head.num_box_out
    box_outs, kpt_outs = [], []
    for level, stride in enumerate(head.featmap_strides):
        h, w = input_hw[0] // stride, input_hw[1] // stride
        p = torch.full((batch_size, A, h, w, nb + 3 * K), -12.0)
        t = assign_level(img_inds, cxcywh, kpts, head.anchors[level], stride, (h, w))
        m = len(t.img_inds)
        vals = encode_cells(CellPredictions(
            boxes=t.boxes, obj_logits=torch.full((m, ), 12.0), cls_logits=torch.full((m, 1), 12.0),
            keypoints=t.keypoints, keypoint_logits=vis[t.target_inds] * 24 - 12),
            head.anchors[level][t.anchor_inds] / stride)
        p[t.img_inds, t.anchor_inds, t.grid_y, t.grid_x] = vals
        box_out, kpt_out = head.layout.split(p)  # in the head's channel layout
        box_outs.append(box_out)
        kpt_outs.append(kpt_out)
    return box_outs, kpt_outs


def gt_in_input_space(meta: dict, anns: list, num_keypoints: int = 17):
    """COCO records of one image mapped into the model's input space (the inverse of
    ``BottomupPoseEstimator.add_pred_to_datasample``): boxes (n, 4) xyxy, keypoints
    (n, K, 2) and labelled mask (n, K)."""
    center, scale, size = (torch.tensor(meta[k], dtype=torch.float32)
                           for k in ('input_center', 'input_scale', 'input_size'))

    def to_input(xy):
        return (xy - center + 0.5 * scale) * size / scale

    if not anns:
        return (torch.zeros(0, 4), torch.zeros(0, num_keypoints, 2),
                torch.zeros(0, num_keypoints))
    kpts = torch.tensor([a['keypoints'] for a in anns], dtype=torch.float32).view(len(anns), -1, 3)
    x, y, w, h = torch.tensor([a['bbox'] for a in anns], dtype=torch.float32).T
    boxes = to_input(torch.stack([x, y, x + w, y + h], 1).view(-1, 2, 2)).view(-1, 4)
    return boxes, to_input(kpts[..., :2]), (kpts[..., 2] > 0).float()


def perfect_outputs_ap(model, dataset, ann_file: Path, cfg, shapes: set = None) -> float:
    """COCO AP (CocoMetric with the config's evaluator and the dataset's meta: its sigmas) of
    ``model``'s predict() when its head outputs are the ground truth of ``ann_file`` made into
    raw outputs (:func:`perfect_outputs`), image by image through MMPose's input-to-image
    mapping. ``shapes`` collects the input shapes seen."""
    from unittest import mock

    from mmengine.dataset import pseudo_collate
    from mmpose.registry import METRICS
    metric = METRICS.build(dict(cfg.val_evaluator, ann_file=str(ann_file), outfile_prefix=None))
    metric.dataset_meta = dataset.metainfo
    coco = json.loads(Path(ann_file).read_text())
    K = model.head.num_keypoints
    for idx in range(len(dataset)):  # CocoMetric scores every image of the annotation file
        data = model.data_preprocessor(pseudo_collate([dataset[idx]]), False)
        meta = data['data_samples'][0].metainfo
        if shapes is not None:
            shapes.add(tuple(data['inputs'].shape[2:]))
        anns = [a for a in coco['annotations']
                if a['image_id'] == meta['img_id'] and a['num_keypoints'] > 0]
        boxes, kpts, vis = gt_in_input_space(meta, anns, K)
        outputs = perfect_outputs(model.head, boxes, kpts, vis, data['inputs'].shape[2:])
        with mock.patch.object(model.head, 'forward', return_value=outputs):
            preds = model.head.predict(None, data['data_samples'], cfg.model.test_cfg)
        results = model.add_pred_to_datasample(preds, None, data['data_samples'])
        metric.process([], [r.to_dict() for r in results])
    return metric.evaluate(len(dataset))['coco/AP']


def paper_cfg_on_subset(work_dir: Path, num_images: int = 4, batch_size: int = 2,
                        widen_factor: float = 0.125, max_epochs: int = 1) -> Config:
    """The paper config (recipe, 960 pipeline, hooks) at a tiny width on the first
    ``num_images`` embedded training images, without validation: for short real runs."""
    cfg = Config.fromfile(str(ROOT / 'configs' / 'lrfg_yolopose_coco.py'))
    widths = [int(c * widen_factor) for c in (256, 512, 768, 1024)]
    cfg.merge_from_dict(dict(model=dict(backbone=dict(widen_factor=widen_factor),
                                        neck=dict(in_channels=widths),
                                        head=dict(in_channels=widths))))
    ann = coco_subset('train2017', num_images, work_dir)
    cfg.train_dataloader.update(batch_size=batch_size, num_workers=0, persistent_workers=False,
                                pin_memory=False)
    cfg.train_dataloader.dataset.update(data_root='', ann_file=str(ann),
                                        data_prefix=dict(img=str(DATA / 'train2017') + '/'))
    cfg.train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs, val_interval=1000)
    cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
    cfg.test_cfg = cfg.test_dataloader = cfg.test_evaluator = None
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=1000)
    cfg.default_hooks.logger = dict(type='LoggerHook', interval=1)
    cfg.load_from = None
    cfg.work_dir = str(work_dir)
    cfg.randomness = dict(seed=0)
    # its own visualizer: MMEngine keeps one instance per name for the whole process
    cfg.visualizer.name = f'visualizer-{Path(work_dir).as_posix()}'
    return cfg


def person(K: int = 17):
    """One person: box centre (99, 101), 40 x 80, keypoints on a grid inside it."""
    box = torch.tensor([[79., 61., 119., 141.]])
    xs = torch.linspace(82, 116, K)
    ys = torch.linspace(64, 138, K)
    kpts = torch.stack([xs, ys], dim=1)[None]
    vis = torch.ones(1, K)
    vis[0, 3] = 0  # one unlabelled keypoint
    return box, kpts, vis


@contextlib.contextmanager
def torch_threads(n: int):
    """torch's intra-op threads set to ``n`` inside the block and restored to what they were
    (the parity fixtures were made single-threaded: float sums in a fixed order)."""
    before = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)
