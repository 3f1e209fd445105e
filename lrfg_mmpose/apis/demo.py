# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
"""`make demo`: train on a few embedded real images, evaluate COCO OKS AP, draw skeletons."""
import json
import subprocess
import sys
from pathlib import Path
from typing import List, Optional, Tuple

from mmengine.config import Config

from ..datasets import fixed_train_pipeline, images_with_people, write_coco_subset
from ..fileio import repo_root
from ..utils import mmpose_tool
from .inference import infer



def embedded_data() -> Path:
    """The checkout's embedded COCO images (``data/coco-mini``)."""
    return repo_root() / 'data' / 'coco-mini'


def write_demo_config(work_dir: Path, num_images: int, epochs: int,
                      base_config: Optional[Path] = None) -> Tuple[Path, Path]:
    """The CPU config trained on the first ``num_images`` training images (0: all) for
    ``epochs`` epochs: whole images without flips (the over-fit regime: with flips 300 epochs
    gave AP 0.64-0.97 on the trained images, depending on the seed), batch of up to 8, seed 0,
    evaluation only after training. Written complete to ``work_dir/demo_config.py``."""
    work_dir = Path(work_dir)
    base_config = base_config or repo_root() / 'configs' / 'lrfg_yolopose_coco-mini.py'
    src = embedded_data() / 'annotations' / 'person_keypoints_train2017.json'
    ann_file = write_coco_subset(src, num_images, work_dir / 'train_subset.json') \
        if num_images > 0 else src
    num_images = len(json.loads(ann_file.read_text())['images'])
    cfg = Config.fromfile(str(base_config))
    warmup = max(1, epochs // 20)
    base_lr = cfg.base_lr
    cfg.merge_from_dict(dict(
        max_epochs=epochs,
        train_cfg=dict(max_epochs=epochs, val_interval=epochs + 1),  # the demo evaluates after
        default_hooks=dict(checkpoint=dict(interval=epochs, max_keep_ckpts=1)),
        train_dataloader=dict(batch_size=min(8, num_images), dataset=dict(
            ann_file=str(ann_file.resolve()), pipeline=fixed_train_pipeline(cfg.input_size))),
        randomness=dict(seed=0)))
    cfg.param_scheduler = [
        dict(type='LinearLR', start_factor=0.01, by_epoch=True, begin=0, end=warmup,
             convert_to_iter_based=True),
        dict(type='CosineAnnealingLR', eta_min=base_lr * 0.02, by_epoch=True, begin=warmup,
             end=epochs, T_max=epochs - warmup, convert_to_iter_based=True),
    ]
    config = work_dir / 'demo_config.py'
    cfg.dump(str(config))
    return config, ann_file


def train(config: Path, work_dir: Path) -> Path:
    """MMPose's own tools/train.py (what ``mim train mmpose`` runs); the last checkpoint."""
    cmd = [sys.executable, mmpose_tool('train.py'), str(config), '--work-dir', str(work_dir)]
    print('[demo] training:', ' '.join(cmd), flush=True)
    subprocess.run(cmd, check=True, cwd=repo_root())
    return Path((work_dir / 'last_checkpoint').read_text().strip())


def evaluate(config: Path, work_dir: Path, checkpoint: Path, name: str, ann_file: Path,
             img_dir: Path) -> dict:
    """COCO OKS AP of ``checkpoint`` on the images of ``ann_file``."""
    from mmengine.runner import Runner
    cfg = Config.fromfile(str(config))
    cfg.test_dataloader.dataset.update(data_root='', ann_file=str(ann_file),
                                       data_prefix=dict(img=str(img_dir) + '/'))
    cfg.test_evaluator.ann_file = str(ann_file)
    cfg.test_evaluator.outfile_prefix = str(work_dir / f'predictions_{name}')
    cfg.work_dir = str(work_dir / f'test_{name}')
    cfg.load_from = str(checkpoint)
    return Runner.from_cfg(cfg).test()


def pictures_to_draw(ann_file: Path, img_dir: Path, count: int) -> List[Path]:
    """The first ``count`` images with 1 to 3 people (a few people keep drawings readable)."""
    coco = json.loads(Path(ann_file).read_text())
    return [img_dir / i['file_name'] for i in images_with_people(coco, 1, 3)[:count]]


def run_demo(work_dir: Path, num_train_images: int = 8, epochs: int = 300) -> dict:
    """Check the data, train, evaluate on the trained and the val images, draw. Returns the
    metrics and paths."""
    from ..datasets import check_coco_keypoints
    data = embedded_data()
    for split in ('train2017', 'val2017'):
        check = check_coco_keypoints(data / 'annotations' / f'person_keypoints_{split}.json',
                                     data / split)
        print(f'[demo] {split}: ' + ', '.join(f'{k.replace("_", " ")} {v}'
                                              for k, v in check.stats.items()))
        for line in check.lines():
            print(f'[demo]   {line}')
    work_dir = Path(work_dir).resolve()
    work_dir.mkdir(parents=True, exist_ok=True)
    config, train_ann = write_demo_config(work_dir, num_train_images, epochs)
    checkpoint = train(config, work_dir)
    val_ann = data / 'annotations' / 'person_keypoints_val2017.json'
    sets = dict(trained=(train_ann, data / 'train2017'), val2017=(val_ann, data / 'val2017'))
    metrics = {name: evaluate(config, work_dir, checkpoint, name, ann, img_dir)
               for name, (ann, img_dir) in sets.items()}
    (work_dir / 'metrics.json').write_text(json.dumps(metrics, indent=2))
    drawn = infer(pictures_to_draw(train_ann, data / 'train2017', 4) +
                  pictures_to_draw(val_ann, data / 'val2017', 2), str(config), str(checkpoint),
                  str(work_dir), progress=False)
    from ..analysis import latest_scalars, plot_run_curves
    curves = plot_run_curves(latest_scalars(work_dir), work_dir / 'vis' / 'curves.png',
                             final={n: m['coco/AP'] for n, m in metrics.items()})
    return dict(config=config, train_ann=train_ann, checkpoint=checkpoint, metrics=metrics,
                vis_dir=drawn.out_dir / 'vis', curves=curves)
