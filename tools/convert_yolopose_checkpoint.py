"""Convert a YOLO-Pose reference checkpoint (edgeai-yolov5, branch yolo-pose) to an MMPose one.

    python tools/convert_yolopose_checkpoint.py yolov5s6_pose_960.pt work_dirs/yolopose_s6.pth
    python tools/convert_yolopose_checkpoint.py SRC.pt DST.pth --out-config DST.py \\
        --base-config configs/lrfg_yolopose_coco-mini.py
    python tools/convert_yolopose_checkpoint.py yolov5s6_person.pt checkpoints/person_det.pth

A YOLOv5 P6 **detector** checkpoint (Focus stem, SPP; a 1-class person detector or an 80-class
COCO one) becomes a ``load_from`` checkpoint holding what the reference's ``train.py --weights``
carries into a pose model: backbone, neck and (1 class) the box convs; the tool prints what
starts from scratch for ``--base-config``'s model.

Reads the file without the reference code and without running anything in it, maps the
weights onto Table 1's baseline (t1r1) in the reference channel layout, and says which
config fits. ``--out-config`` writes a complete config (the base config with the converted
architecture and the checkpoint's anchors) for ``mim test mmpose``, ``tools/infer.py`` and
``load_from``.
"""
import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('src', help='reference checkpoint (.pt)')
    parser.add_argument('dst', help='MMEngine checkpoint to write (.pth)')
    parser.add_argument('--base-config', default=str(ROOT / 'configs' / 'lrfg_yolopose_coco.py'),
                        help='config whose data, schedule and input size the converted model '
                        'takes (default: the main config, COCO at 960)')
    parser.add_argument('--out-config', help='write the complete config of the converted model')
    parser.add_argument('--metainfo', default='configs/_base_/datasets/coco.py',
                        help='dataset meta file (keypoint count); default COCO')
    args = parser.parse_args()

    from lrfg_mmpose.convert import (CheckpointFormatError, ConversionError,
                                     convert_detector_checkpoint, convert_yolopose_checkpoint,
                                     is_pose_model, load_reference_checkpoint)
    from lrfg_mmpose.convert.reference_pickle import InertModule
    try:
        ckpt = load_reference_checkpoint(args.src)
        model = next((ckpt[k] for k in ('ema', 'model') if isinstance(ckpt.get(k), InertModule)),
                     None)
        if model is not None and not is_pose_model(model, args.src):
            if args.out_config:
                sys.exit('error: --out-config is for pose checkpoints; a detector checkpoint is '
                         'for the load_from line of a config')
            return report_detector(args, convert_detector_checkpoint(
                args.src, args.dst, args.base_config, args.metainfo, ckpt=ckpt))
        res = convert_yolopose_checkpoint(args.src, args.dst, args.base_config, args.out_config,
                                          args.metainfo, ckpt=ckpt)
    except (CheckpointFormatError, ConversionError) as e:
        sys.exit(f'error: {e}')
    arch = res.architecture
    print(f'read {args.src} ("{res.source_key}"): depth {arch.deepen_factor}, width '
          f'{arch.widen_factor} ({arch.size or "not a released size"}), {arch.num_keypoints} '
          f'keypoints, stem order {arch.stem_order}')
    print(f'wrote {args.dst}: {res.num_tensors} tensors, {res.num_parameters:,} parameters '
          f'(fp32, channel_layout=reference)')
    if res.fitting_config:
        print(f'fits {res.fitting_config} (YOLO-Pose {arch.size})')
        if res.anchors_differ:
            print('the checkpoint\'s anchors differ from that config\'s; add to it:')
            print(f'  model = dict(head=dict(anchors={arch.anchors}))')
    else:
        print(f'no shipped config has depth {arch.deepen_factor} and width {arch.widen_factor}: '
              f'use --out-config, or override any config\'s model with')
        print(f'  model = {arch.model_override()}')
    if res.out_config:
        print(f'wrote {res.out_config}: mim test mmpose {res.out_config} --checkpoint {args.dst}')


def report_detector(args, res):
    arch = res.architecture
    kind = 'person detector' if arch.num_classes == 1 else f'{arch.num_classes}-class detector'
    print(f'read {args.src} ("model"): YOLOv5 P6 {kind}, depth {arch.deepen_factor}, width '
          f'{arch.widen_factor}, stem order {arch.stem_order}')
    print(f'wrote {args.dst}: {len(res.transferred)} tensors for load_from (what the reference\'s '
          f'train.py --weights loads into its pose model)')
    if res.skipped:
        print(f'not carried (no twin of the same shape in the pose model): {len(res.skipped)} '
              f'tensors, e.g. {res.skipped[0]}')
    print(f'start from scratch in {Path(args.base_config).name} ({len(res.from_scratch)} of '
          f'{res.model_tensors} tensors):')
    for name in res.from_scratch_modules():
        print(f'  {name}')
    print('train from it with, in the config (or --cfg-options load_from=...):')
    print(f"  load_from = '{args.dst}'")


if __name__ == '__main__':
    main()
