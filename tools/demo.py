"""`make demo`: train LRFG-YoloPose on the embedded real COCO images, evaluate, draw skeletons.

0. checks the embedded data (``tools/check_dataset.py``);
1. trains the full model with MMPose's own ``tools/train.py`` (what ``mim train mmpose`` runs)
   on ``data/coco-mini`` train2017 with ``configs/lrfg_yolopose_coco-mini.py``;
2. evaluates COCO OKS AP (MMPose's CocoMetric) on the val images (never seen in training)
   and on the training images (how well the model fits what it saw);
3. draws predicted skeletons with MMPose's inferencer and visualiser.

Usage: ``python tools/demo.py [--work-dir DIR]`` (epochs etc. come from the config).
Everything lands in the work dir; the last lines printed say where.
"""
import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / 'configs' / 'lrfg_yolopose_coco-mini.py'
DATA = ROOT / 'data' / 'coco-mini'


def mmpose_tool(name: str) -> str:
    import mmpose
    return str(Path(mmpose.__file__).parent / '.mim' / 'tools' / name)


def train(work_dir: Path) -> Path:
    cmd = [sys.executable, mmpose_tool('train.py'), str(CONFIG), '--work-dir', str(work_dir)]
    print('[demo] training:', ' '.join(cmd), flush=True)
    subprocess.run(cmd, check=True, cwd=ROOT)
    last = (work_dir / 'last_checkpoint').read_text().strip()
    return Path(last)


def evaluate(work_dir: Path, checkpoint: Path, split: str) -> dict:
    """COCO OKS AP of ``checkpoint`` on one split of the embedded data."""
    from mmengine.config import Config
    from mmengine.runner import Runner
    cfg = Config.fromfile(str(CONFIG))
    ann = f'annotations/person_keypoints_{split}.json'
    cfg.test_dataloader.dataset.update(ann_file=ann, data_prefix=dict(img=f'{split}/'))
    cfg.test_evaluator.ann_file = cfg.data_root + ann
    cfg.test_evaluator.outfile_prefix = str(work_dir / f'predictions_{split}')
    cfg.work_dir = str(work_dir / f'test_{split}')
    cfg.load_from = str(checkpoint)
    return Runner.from_cfg(cfg).test()


def draw(checkpoint: Path, out_dir: Path, images: list) -> None:
    from mmpose.apis import MMPoseInferencer
    inferencer = MMPoseInferencer(pose2d=str(CONFIG), pose2d_weights=str(checkpoint), device='cpu',
                                  show_progress=False)
    for path in images:
        # bbox_thr filters people by score; kpt_thr hides unconfident keypoints.
        for _ in inferencer(str(path), vis_out_dir=str(out_dir), pred_out_dir=str(out_dir),
                            bbox_thr=0.3, kpt_thr=0.3, draw_bbox=True):
            pass


def people_images(split: str, count: int) -> list:
    coco = json.loads((DATA / 'annotations' / f'person_keypoints_{split}.json').read_text())
    counts = {}
    for a in coco['annotations']:
        counts[a['image_id']] = counts.get(a['image_id'], 0) + (a['num_keypoints'] > 0)
    # a few people per picture keeps the drawings readable
    images = [i for i in sorted(coco['images'], key=lambda i: i['id'])
              if 1 <= counts.get(i['id'], 0) <= 3]
    return [DATA / split / i['file_name'] for i in images[:count]]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--work-dir', type=Path, default=ROOT / 'work_dirs' / 'demo')
    args = parser.parse_args()
    os.chdir(ROOT)
    start = time.time()
    from lrfg_mmpose.datasets import check_coco_keypoints
    for split in ('train2017', 'val2017'):
        stats = check_coco_keypoints(DATA / 'annotations' / f'person_keypoints_{split}.json',
                                     DATA / split)
        print(f'[demo] {split}: ' + ', '.join(f'{k.replace("_", " ")} {v}' for k, v in stats.items()))
    checkpoint = train(args.work_dir)
    metrics = {split: evaluate(args.work_dir, checkpoint, split) for split in ('val2017', 'train2017')}
    (args.work_dir / 'metrics.json').write_text(json.dumps(metrics, indent=2))
    vis_dir = args.work_dir / 'vis'
    draw(checkpoint, vis_dir, people_images('val2017', 3) + people_images('train2017', 3))
    minutes = (time.time() - start) / 60
    print(f'\n[demo] done in {minutes:.1f} min (training on {DATA / "train2017"}, {CONFIG.name})')
    for split, m in metrics.items():
        print(f'[demo] COCO OKS AP on {split}: AP {m["coco/AP"]:.3f}  AP50 {m["coco/AP .5"]:.3f}  '
              f'AR {m["coco/AR"]:.3f}')
    print('[demo] (val images are unseen; 38 training images cannot teach a model that generalises)')
    print(f'[demo] checkpoint: {checkpoint}')
    print(f'[demo] training log: {sorted(args.work_dir.glob("2*/2*.log"))[-1]}')
    print(f'[demo] metrics: {args.work_dir / "metrics.json"}')
    print(f'[demo] pictures of predicted skeletons: {vis_dir}')


if __name__ == '__main__':
    main()
