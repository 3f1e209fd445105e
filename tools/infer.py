"""Pose estimation on an image, a folder of images or a video with MMPose's inferencer.

Saves pictures (or a video) with the predicted skeletons and one JSON of predictions per
image/frame (MMPose's format: keypoints, keypoint_scores, bbox, bbox_score per person)::

    python tools/infer.py demo.jpg --checkpoint work_dirs/demo/epoch_50.pth
    python tools/infer.py images/ --config configs/lrfg_yolopose_coco.py --checkpoint best.pth
    python tools/infer.py clip.mp4 --checkpoint best.pth --out-dir work_dirs/infer_clip

The same works from MMPose's own demo: ``python <mmpose>/demo/inferencer_demo.py INPUT
--pose2d CONFIG --pose2d-weights CHECKPOINT --vis-out-dir DIR --pred-out-dir DIR``.
"""
import argparse
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def infer(inputs: str, config: str, checkpoint: str, out_dir: str, device: str = 'cpu',
          bbox_thr: float = 0.3, kpt_thr: float = 0.3) -> Path:
    import lrfg_mmpose  # noqa: F401  (registers the modules before the config is built)
    from mmpose.apis import MMPoseInferencer
    if not Path(inputs).exists():
        raise FileNotFoundError(f'{inputs}: no such image, folder or video')
    if checkpoint and not Path(checkpoint).is_file():
        raise FileNotFoundError(f'{checkpoint}: checkpoint not found (train one with `make demo` '
                                f'or `mim train mmpose {config}`)')
    inferencer = MMPoseInferencer(pose2d=config, pose2d_weights=checkpoint, device=device,
                                  show_progress=False)
    out = Path(out_dir)
    for _ in inferencer(inputs, vis_out_dir=str(out / 'vis'), pred_out_dir=str(out / 'predictions'),
                        bbox_thr=bbox_thr, kpt_thr=kpt_thr, draw_bbox=True):
        pass
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('inputs', help='image, folder of images, or video')
    parser.add_argument('--config', default=str(ROOT / 'configs' / 'lrfg_yolopose_coco-mini.py'))
    parser.add_argument('--checkpoint', required=True)
    parser.add_argument('--out-dir', default='work_dirs/infer')
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--bbox-thr', type=float, default=0.3, help='minimum person score')
    parser.add_argument('--kpt-thr', type=float, default=0.3, help='minimum keypoint score drawn')
    args = parser.parse_args()
    out = infer(args.inputs, args.config, args.checkpoint, args.out_dir, args.device,
                args.bbox_thr, args.kpt_thr)
    print(f'pictures: {out / "vis"}\npredictions (JSON): {out / "predictions"}')


if __name__ == '__main__':
    main()
