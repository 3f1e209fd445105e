"""Speed of tiled inference against the whole frame, per frame size, in one interleaved run.

    python tools/tile_benchmark.py work_dirs/export/demo.onnx --threads 2
    python tools/tile_benchmark.py model.xml --sizes 1280x960 3840x2160 --overlap 0.3

An exported model (its sidecar beside it) on an embedded image resized to each size: the median
ms of one call on the whole frame and of ``--tiles`` (tiles of the model's input plus the whole
frame, :class:`lrfg_mmpose.deploy.TiledPredictor`), and their ratio.
"""
import argparse
import platform
from pathlib import Path

import cv2

from lrfg_mmpose.cli import positive_int, unit_float
from lrfg_mmpose.deploy import Predictor
from lrfg_mmpose.deploy.tiles import tile_speed

ROOT = Path(__file__).resolve().parents[1]


def size(text: str):
    try:
        w, h = (int(v) for v in text.lower().split('x'))
    except ValueError:
        raise argparse.ArgumentTypeError(f'{text!r}: give WxH, e.g. 1920x1080') from None
    return w, h


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('model', help='an exported .onnx or .xml (tools/export.py)')
    parser.add_argument('--sizes', type=size, nargs='+',
                        default=[(640, 480), (1280, 960), (1920, 1080), (3840, 2160)])
    parser.add_argument('--overlap', type=unit_float, default=0.25)
    parser.add_argument('--threads', type=positive_int, default=None)
    parser.add_argument('--repeats', type=positive_int, default=5)
    parser.add_argument('--image', help='default: the first embedded val image')
    args = parser.parse_args()
    embedded = sorted((ROOT / 'data' / 'coco-mini' / 'val2017').glob('*.jpg'))
    args.image = args.image or str(embedded[0])
    image = cv2.imread(args.image)
    if image is None:
        raise SystemExit(f'error: {args.image}: not an image OpenCV reads')
    predictor = Predictor(args.model, threads=args.threads, score_thr=0.3)
    rows = tile_speed(predictor, image, args.sizes, args.repeats, args.overlap)
    print(f'{platform.processor() or platform.machine()}, {args.threads or "default"} threads, '
          f'tiles of {predictor.input_size[0]}x{predictor.input_size[1]}, overlap '
          f'{args.overlap}, median of {args.repeats}, interleaved')
    print('| frame | tiles + whole | whole frame (ms) | tiled (ms) | x |')
    print('|---|---|---|---|---|')
    for r in rows:
        w, h = r['size']
        print(f"| {w} x {h} | {r['tiles']} + 1 | {r['whole_ms']:.0f} | {r['tiled_ms']:.0f} | "
              f"{r['tiled_ms'] / r['whole_ms']:.1f} |")


if __name__ == '__main__':
    main()
