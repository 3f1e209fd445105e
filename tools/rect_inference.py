"""Rectangular against square inference on real images: the same people, and the speed gain.

    python tools/rect_inference.py work_dirs/demo/demo_config.py work_dirs/demo/epoch_300.pth
    python tools/rect_inference.py CONFIG CKPT --images data/coco-mini/val2017 --size 640

Both modes run the same PyTorch model on every image; the people above --score-thr are matched
one to one by box IoU, keypoint differences are in original-image pixels (keypoints above
--kpt-thr in both), and the two modes are timed interleaved, image by image (median ms per
image, whole predictor: letterbox, network, decoding, NMS). 4:3 images are reported apart.
"""
import argparse
import os
from pathlib import Path

import torch

from lrfg_mmpose.apis.rect_check import rect_vs_square
from lrfg_mmpose.cli import positive_int, unit_float

ROOT = Path(__file__).resolve().parents[1]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('--images', nargs='+', default=[str(ROOT / 'data' / 'coco-mini' / d)
                                                        for d in ('train2017', 'val2017')])
    parser.add_argument('--size', type=int, help='input size (default: the config\'s)')
    parser.add_argument('--score-thr', type=unit_float, default=0.3)
    parser.add_argument('--kpt-thr', type=unit_float, default=0.3)
    parser.add_argument('--repeats', type=positive_int, default=3)
    parser.add_argument('--threads', type=positive_int, default=torch.get_num_threads())
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    paths = []
    for item in map(Path, args.images):
        paths += sorted(item.glob('*.jpg')) if item.is_dir() else [item]
    from lrfg_mmpose.fileio import read_image
    shapes = {p: read_image(p).shape[:2] for p in paths}  # names a bad file in one line
    four_three = [p for p in paths if abs(max(shapes[p]) / min(shapes[p]) - 4 / 3) < 0.02]
    size = (args.size, args.size) if args.size else None
    print(f'{os.cpu_count()} cores, {args.threads} threads; people above {args.score_thr}, '
          f'keypoints above {args.kpt_thr}')
    for name, subset in (('all images', paths), ('4:3 images', four_three)):
        if not subset:
            continue
        r = rect_vs_square(args.config, args.checkpoint, subset, size, args.score_thr,
                           args.kpt_thr, args.repeats)
        print(f'\n{name} ({r["images"]}), input {r["input_size"][0]}x{r["input_size"][1]}, rect '
              f'inputs {", ".join(f"{w}x{h}" for w, h in r["rect_sizes"])}:')
        print(f'  people: square {r["people_square"]}, rect {r["people_rect"]}, matched '
              f'{r["matched"]}')
        print(f'  keypoints of matched people: median {r["kpt_median_px"]:.3f} px, max '
              f'{r["kpt_max_px"]:.2f} px, within 1 px {r["kpt_within_1px"]:.1%}')
        print(f'  time per image: square {r["square_ms"]:.1f} ms, rect {r["rect_ms"]:.1f} ms, '
              f'square / rect {r["square_ms"] / r["rect_ms"]:.2f}')


if __name__ == '__main__':
    main()
