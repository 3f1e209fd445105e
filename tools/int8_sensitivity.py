"""Where INT8 loses accuracy, part by part: each part of the network kept float, and quantised
alone, measured against the float model on held-out images (and COCO AP with annotations).

    python tools/int8_sensitivity.py work_dirs/demo/demo_config.py work_dirs/demo/epoch_300.pth \\
        --calib-images data/coco-mini/train2017 --val-images data/coco-mini/train2017 \\
        --val-ann work_dirs/demo/train_subset.json --out work_dirs/int8_sensitivity.md

Parts: lrfg_mmpose.export.int8_sensitivity.PARTS. Each row is one NNCF quantisation (seconds to a
minute each at 640 on 2 cores).
"""
import argparse
import sys
import tempfile
from pathlib import Path

from lrfg_mmpose.cli import positive_int


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('--calib-images', required=True)
    parser.add_argument('--val-images', help='default: every fifth calibration image, held out')
    parser.add_argument('--val-ann', help='COCO keypoint annotations of the validation images')
    parser.add_argument('--input-size', type=int, nargs='+', default=None)
    parser.add_argument('--calib-limit', type=positive_int, default=300)
    parser.add_argument('--int8-preset', choices=['mixed', 'performance'], default='mixed')
    parser.add_argument('--out', help='write the table (markdown) here too')
    args = parser.parse_args()

    import openvino as ov

    from lrfg_mmpose.deploy import Predictor
    from lrfg_mmpose.export import export
    from lrfg_mmpose.export.int8_sensitivity import sensitivity, table
    from lrfg_mmpose.utils import load_config
    size = args.input_size or list(load_config(args.config).codec.input_size)
    size = (size[0], size[-1])
    try:
        with tempfile.TemporaryDirectory() as tmp:
            path = export(args.config, args.checkpoint, Path(tmp) / 'float.xml', 'openvino', size)
            rows = sensitivity(ov.Core().read_model(str(path)), Predictor(path, 'openvino'),
                               args.calib_images, size, args.val_images, args.val_ann,
                               args.calib_limit, args.int8_preset)
    except (ValueError, FileNotFoundError) as e:
        sys.exit(f'error: {e}')
    lines = table(rows)
    print('\n'.join(lines))
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text('\n'.join(lines) + '\n')
        print(f'wrote {args.out}')


if __name__ == '__main__':
    main()
