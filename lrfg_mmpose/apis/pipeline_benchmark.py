# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
"""Training-loader throughput per worker: ours, MMPose's YOLOX-Pose and the reference's.

Each entry makes one training sample at a time in this process, as one data-loader worker
does (OpenCV single-threaded, as MMEngine and the reference set it in their workers): our
paper config's whole train pipeline (Mosaic, YOLOv5RandomPerspective, HSV, flip, targets,
packing), YOLOX-Pose-s's (Mosaic, BottomupRandomAffine, MixUp, HSV, flip, filter, targets,
packing) and, given a checkout of the reference, its ``LoadImagesAndLabels.__getitem__`` with
mosaic (``load_mosaic``, HSV, flip, tensor), all on the embedded images at one size, interleaved
sample by sample (``tools/benchmark.py --pipeline``).

Workers per GPU = the GPU's training images/s / one worker's images/s, rounded up. The default
GPU speed, 91 images/s, is an estimate for YOLOv5s6-pose at 960 on a V100-class GPU: YOLOv5's
README gives 2 days for 300 COCO epochs of YOLOv5s at 640 on one V100 (118,287 x 300 / 172,800
s = 205 images/s), scaled by the pixel count (640 / 960)^2. Measure yours and pass it.
"""
import copy
import itertools
import math
import sys
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence, Tuple

from ..fileio import markdown_table
from ..structures import PAD_VALUE
from ..timing import cpu_name, interleaved_times
from .benchmark_models import EMBEDDED, ROOT, model_config

DATA = EMBEDDED
GPU_IMAGES_PER_S = 91.0
PIPELINES = ('lrfg', 'yoloxpose_s')


def resized_pipeline(pipeline: List[dict], size: int) -> List[dict]:
    """A copy of a train pipeline with every input size (``img_scale``, ``input_size``, nested
    in pre-transforms and encoders) set to ``size``."""
    def resize(node):
        if isinstance(node, dict):
            return {k: ((size, size) if k in ('img_scale', 'input_size') else resize(v))
                    for k, v in node.items()}
        if isinstance(node, (list, tuple)) and node and isinstance(node[0], dict):
            return [resize(v) for v in node]
        return node
    return [resize(copy.deepcopy(dict(t))) for t in pipeline]


def train_dataset(name: str, size: int, data_root: Path = DATA, skip: Sequence[str] = ()):
    """The training dataset of benchmark entry ``name`` on the embedded training images, its
    pipeline at ``size`` without the transforms whose type is in ``skip``."""
    from mmengine.registry import DefaultScope
    from mmpose.registry import DATASETS
    cfg = model_config(name)
    ds_cfg = copy.deepcopy(cfg.train_dataloader.dataset)
    pipeline = [t for t in resized_pipeline(ds_cfg.pipeline, size) if t['type'] not in skip]
    ds_cfg.update(data_root=str(data_root) + '/',
                  ann_file='annotations/person_keypoints_train2017.json',
                  data_prefix=dict(img='train2017/'), pipeline=pipeline)
    with DefaultScope.overwrite_default_scope('mmpose'):
        return DATASETS.build(ds_cfg)


def reference_dataset(repo: str, size: int, work_dir: Path, data_root: Path = DATA):
    """The reference's ``LoadImagesAndLabels`` (training: mosaic, hyp.scratch.yaml) on the
    embedded training images, and its ``utils.datasets`` module, given its checkout ``repo``."""
    import importlib

    import numpy as np
    import yaml

    from ..convert.yolo_keypoint_labels import write_yolo_keypoint_labels
    repo = str(Path(repo).resolve())
    if not (Path(repo) / 'utils' / 'datasets.py').is_file():
        raise FileNotFoundError(f'{repo}: not a checkout of the YOLO-Pose reference '
                                f'(TexasInstruments/edgeai-yolov5, branch yolo-pose)')
    if not hasattr(np, 'int'):
        np.int = int  # the reference uses the alias numpy 1.24 removed
    sys.path.insert(0, repo)
    module = importlib.import_module('utils.datasets')
    list_file = write_yolo_keypoint_labels(str(data_root / 'annotations' /
                                               'person_keypoints_train2017.json'),
                                           str(data_root / 'train2017'), str(work_dir),
                                           'train2017')
    hyp = yaml.safe_load((Path(repo) / 'data' / 'hyp.scratch.yaml').read_text())
    ds = module.LoadImagesAndLabels(str(list_file), img_size=size, batch_size=32, augment=True,
                                    hyp=hyp, kpt_label=True)
    return ds, module


def cycle(ds) -> Callable[[], object]:
    """One sample per call, through the dataset's indices in turn."""
    counter = itertools.count()
    return lambda: ds[next(counter) % len(ds)]


#: Transforms after the geometry (colour, flip, targets, packing), left out for the statistics.
AFTER_GEOMETRY = ('YOLOXHSVRandomAug', 'YOLOv5HSVRandomAug', 'RandomFlip', 'YOLOv5RandomFlip',
                  'GenerateTarget', 'PackPoseInputs')


def augmentation_stats(name: str, size: int = 960, samples: int = 300,
                       reference_repo: Optional[str] = None,
                       work_dir: Path = ROOT / 'work_dirs' / 'pipeline_benchmark') -> dict:
    """Over ``samples`` seeded training samples (sample i: seed i, image i mod n) of entry
    ``name`` (or ``'reference'``), after the geometry (mosaic, affine/perspective, mix-up,
    label filters) and before colour: ``grey_fraction`` (pixels equal to ``PAD_VALUE``),
    ``people_per_sample`` and ``labelled_keypoints_per_person``."""
    import random

    import numpy as np
    grey, people, kpts = [], [], []
    if name == 'reference':
        ds, module = reference_dataset(reference_repo, size, Path(work_dir))
        for i in range(samples):
            random.seed(i)
            img, labels = module.load_mosaic(ds, i % len(ds))
            grey.append((img == PAD_VALUE).all(2).mean())
            people.append(len(labels))
            kpts.extend((labels[:, 5::2] != 0).sum(1).tolist())
    else:
        ds = train_dataset(name, size, skip=AFTER_GEOMETRY)
        for i in range(samples):
            np.random.seed(i)
            out = ds[i % len(ds)]
            grey.append((out['img'] == PAD_VALUE).all(2).mean())
            people.append(len(out['bbox']))
            vis = np.asarray(out['keypoints_visible'])
            kpts.extend((vis > 0).sum(1).tolist() if len(vis) else [])
    return dict(samples=samples, size=size, grey_fraction=float(np.mean(grey)),
                people_per_sample=float(np.mean(people)),
                labelled_keypoints_per_person=float(np.mean(kpts)))


def pipeline_throughput(size: int = 960, repeats: int = 60, reference_repo: Optional[str] = None,
                        work_dir: Path = ROOT / 'work_dirs' / 'pipeline_benchmark',
                        gpu_images_per_s: float = GPU_IMAGES_PER_S,
                        names=PIPELINES) -> Dict[str, dict]:
    """``{entry: {images_per_s, ms_per_image, workers_per_gpu, vs_reference}}``, the entries
    interleaved sample by sample in one run."""
    import cv2
    import numpy as np
    cv2.setNumThreads(0)
    np.random.seed(0)
    samplers = {n: cycle(train_dataset(n, size)) for n in names}
    if reference_repo:
        samplers['reference'] = cycle(reference_dataset(reference_repo, size, Path(work_dir))[0])
    times = interleaved_times(samplers, repeats)
    rows = {}
    for name, t in times.items():
        rate = len(t) / sum(t)
        rows[name] = dict(images_per_s=rate, ms_per_image=1e3 / rate,
                          workers_per_gpu=math.ceil(gpu_images_per_s / rate))
    if 'reference' in rows:
        for row in rows.values():
            row['vs_reference'] = row['images_per_s'] / rows['reference']['images_per_s']
    return rows


def loader_report(size: int, repeats: int, reference_repo: Optional[str], work_dir: Path,
                  gpu_images_per_s: float = GPU_IMAGES_PER_S,
                  stats_samples: int = 300) -> Tuple[List[str], dict]:
    """The loader benchmark's report lines and data: samples a second of one worker per
    pipeline, and what ``stats_samples`` seeded samples hold after the geometry."""
    rows = pipeline_throughput(size, repeats, reference_repo, Path(work_dir), gpu_images_per_s)
    header = (f'Training pipeline, one worker (one process, OpenCV single-threaded), input '
              f'{size}x{size}, embedded images, {repeats} samples each interleaved, '
              f'{cpu_name()}; workers per GPU at {gpu_images_per_s:g} training images/s.')
    has_ref = 'reference' in rows
    lines = [header, '', *markdown_table(
        ['pipeline', 'ms / image', 'images/s', 'workers per GPU'] +
        (['x reference'] if has_ref else []),
        [[name, f"{r['ms_per_image']:.1f}", f"{r['images_per_s']:.1f}", r['workers_per_gpu']] +
         ([f"{r['vs_reference']:.2f}"] if has_ref else []) for name, r in rows.items()])]
    stats = {}
    if stats_samples:
        names = list(PIPELINES) + (['reference'] if has_ref else [])
        stats = {n: augmentation_stats(n, size, stats_samples, reference_repo, Path(work_dir))
                 for n in names}
        lines += ['', f'What the samples hold after the geometry (before colour and flip), '
                  f'{stats_samples} seeded samples each:', '', *markdown_table(
                      ['pipeline', 'grey padding', 'people per sample',
                       'labelled keypoints per person'],
                      [[n, f"{r['grey_fraction']:.1%}", f"{r['people_per_sample']:.2f}",
                        f"{r['labelled_keypoints_per_person']:.2f}"] for n, r in stats.items()])]
    return lines, dict(header=header, rows=rows, stats=stats)
