"""Export a trained LRFG-YoloPose (or YOLO-Pose) checkpoint to ONNX or OpenVINO IR.

    python tools/export.py configs/lrfg_yolopose_coco-mini.py work_dirs/demo/epoch_300.pth \\
        --format onnx --input-size 320 --out work_dirs/export/demo.onnx
    python tools/export.py CONFIG CKPT --format openvino --dynamic-batch --dynamic-size --out m.xml
    python tools/export.py CONFIG CKPT --no-nms --out candidates.onnx
    python tools/export.py CONFIG CKPT --format openvino --int8 --calib-images DIR --out m.xml
    python tools/export.py CONFIG CKPT --format openvino --int8 --calib-images DIR \
        --val-images VAL --val-ann VAL.json --int8-max-drop 0.02 --out m.xml

The model is switched to deploy mode (implicit layers folded, BN fused). With NMS (default) the
graph outputs num_dets (B,), boxes (B, 300, 4) x1 y1 x2 y2, scores (B, 300) and keypoints
(B, 300, K, 3) in input pixels; without, candidates (B, N, 5 + 3K). Input: images (B, 3, H, W)
float32 RGB in [0, 1], letterboxed (docs/deploy.md). A JSON sidecar lands next to the model.
With --int8 the export prints what INT8 cost against the float model on images it did not
calibrate on (people found again, keypoint error in OKS units, OKS AP against the float model,
COCO AP with --val-ann) and writes it into the sidecar (``quantization``).
"""
import argparse
import sys
from pathlib import Path

from lrfg_mmpose.cli import positive_int, unit_float


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('--format', choices=['onnx', 'openvino'], default='onnx')
    parser.add_argument('--out', help='model file (.onnx or .xml); default work_dirs/export/'
                        '<checkpoint name>.<onnx|xml>')
    parser.add_argument('--input-size', type=int, nargs='+', default=None,
                        help='W [H], multiples of 64; default: the config\'s input size')
    parser.add_argument('--batch-size', type=positive_int, default=1)
    parser.add_argument('--dynamic-batch', action='store_true', help='any batch size at run time')
    parser.add_argument('--dynamic-size', action='store_true',
                        help='any input size (multiple of 64) at run time')
    parser.add_argument('--nms', action=argparse.BooleanOptionalAction, default=True,
                        help='NMS in the graph (ONNX NonMaxSuppression, --max-det per image)')
    parser.add_argument('--max-det', type=positive_int, default=300)
    parser.add_argument('--score-thr', type=unit_float, default=None,
                        help='candidates scoring at most this are dropped in the graph; default '
                        'the config\'s test_cfg (0.001, for evaluation); raise it (e.g. 0.25) '
                        'for deployment')
    parser.add_argument('--nms-thr', type=unit_float, default=None, help='default the config\'s')
    parser.add_argument('--fp16', action='store_true', help='OpenVINO: compress weights to FP16')
    parser.add_argument('--int8', action='store_true', help='OpenVINO: quantise the network to '
                        'INT8 (NNCF post-training quantisation on --calib-images; decoding and '
                        'NMS stay float)')
    parser.add_argument('--calib-images', help='with --int8: a folder of images like the ones '
                        'the model will see (a few hundred is plenty)')
    parser.add_argument('--calib-limit', type=positive_int, default=300,
                        help='with --int8: at most this many calibration images')
    parser.add_argument('--int8-preset', choices=['mixed', 'performance'], default='mixed',
                        help='with --int8: NNCF preset (mixed: asymmetric activations, for SiLU)')
    parser.add_argument('--val-images', help='with --int8: images to measure what INT8 costs on '
                        '(default: every fifth calibration image, then not calibrated on)')
    parser.add_argument('--val-ann', help='with --int8: COCO keypoint annotations of those '
                        'images (matched by file name): the report adds both models\' COCO AP')
    parser.add_argument('--int8-max-drop', type=float, default=None, metavar='X',
                        help='with --int8: accuracy control, keep the most sensitive layers float '
                        'until the drop is at most X (COCO AP with --val-ann, else 1 - OKS AP '
                        'against the float model), e.g. 0.02')
    parser.add_argument('--verbose', action='store_true',
                        help='show MMEngine\'s logs and the tracer\'s warnings too')
    args = parser.parse_args()

    from lrfg_mmpose.export import export, sidecar_path
    from lrfg_mmpose.utils import framework_logs, load_config
    size = args.input_size or list(load_config(args.config).codec.input_size)
    size = (size[0], size[-1])
    if args.int8 and not args.calib_images:
        sys.exit('error: --int8 needs --calib-images DIR (images to calibrate the INT8 ranges on)')
    out = args.out or f'work_dirs/export/{Path(args.checkpoint).stem}.' + \
        ('onnx' if args.format == 'onnx' else 'xml')
    try:
        with framework_logs(args.verbose):
            path = export(args.config, args.checkpoint, out, args.format, size, args.batch_size,
                          args.dynamic_batch, args.dynamic_size, args.nms, args.max_det,
                          args.nms_thr, args.score_thr, fp16=args.fp16,
                          int8_calib_images=args.calib_images if args.int8 else None,
                          int8_preset=args.int8_preset, int8_limit=args.calib_limit,
                          int8_val_images=args.val_images, int8_val_ann=args.val_ann,
                          int8_max_drop=args.int8_max_drop)
    except (ValueError, FileNotFoundError) as e:
        sys.exit(f'error: {e}')
    print(f'wrote {path} and {sidecar_path(path)} (input {size[0]}x{size[1]}, '
          f'{"NMS in the graph" if args.nms else "candidates, no NMS"}'
          f'{", INT8 network" if args.int8 else ""})')


if __name__ == '__main__':
    main()
