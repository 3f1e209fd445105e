"""Pose estimation on an image, a folder of images or a video with MMPose's inferencer.

Saves pictures (or a video) with the predicted skeletons and one JSON of predictions per
image/frame (MMPose's format: keypoints, keypoint_scores, bbox, bbox_score per person)::

    python tools/infer.py demo.jpg --checkpoint work_dirs/demo/epoch_300.pth
    python tools/infer.py images/ --config configs/lrfg_yolopose_coco.py --checkpoint best.pth
    python tools/infer.py clip.mp4 --checkpoint best.pth --out-dir work_dirs/infer_clip

The same works from MMPose's own demo: ``python <mmpose>/demo/inferencer_demo.py INPUT
--pose2d CONFIG --pose2d-weights CHECKPOINT --vis-out-dir DIR --pred-out-dir DIR``.
"""
import argparse
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


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
    from lrfg_mmpose.apis import infer
    out = infer(args.inputs, args.config, args.checkpoint, args.out_dir, args.device,
                args.bbox_thr, args.kpt_thr)
    print(f'pictures: {out / "vis"}\npredictions (JSON): {out / "predictions"}')


if __name__ == '__main__':
    main()
