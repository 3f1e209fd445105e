"""What `load_from CHECKPOINT` loads into each LRFG-YoloPose variant (fine-tuning from YOLO-Pose).

    python tools/partial_load_report.py work_dirs/yolopose_s6.pth            # the 8 Table 1 rows
    python tools/partial_load_report.py DST.pth configs/lrfg_yolopose_coco.py

For each config: tensors and parameters that MMEngine's non-strict loading takes from the
checkpoint (same name and shape) and the modules that start from their initialisation. For
a checkpoint written by tools/convert_yolopose_checkpoint.py, the configs are built at the
checkpoint's width, depth and anchors (from its meta) with their own switches.
"""
import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('checkpoint')
    parser.add_argument('configs', nargs='*',
                        default=sorted(str(p) for p in (ROOT / 'configs' / 'ablation').glob('*.py')))
    args = parser.parse_args()

    from lrfg_mmpose.convert import variant_load_reports
    from lrfg_mmpose.utils import CheckpointError
    try:
        reports = variant_load_reports(args.checkpoint, args.configs)
    except CheckpointError as e:
        sys.exit(f'error: {e}')
    print('| config | tensors loaded | parameters loaded | from scratch |')
    print('|---|---|---|---|')
    for config, rep in reports:
        print(f'| {Path(config).stem} | {rep.loaded_tensors} / {rep.total_tensors} | '
              f'{rep.loaded_parameters:,} / {rep.total_parameters:,} '
              f'({100 * rep.loaded_parameters / rep.total_parameters:.1f} %) | '
              f'{", ".join(rep.from_scratch) or "-"} |')


if __name__ == '__main__':
    main()
