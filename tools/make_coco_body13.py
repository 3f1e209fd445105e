"""Make the embedded custom-keypoint example, COCO-Body13, from the embedded COCO annotations.

    python tools/make_coco_body13.py      # writes data/coco-body13/annotations/*.json

Keypoint 0, "head", is the mean of each person's labelled face points; 1-12 are COCO's body
points (configs/_base_/datasets/coco_body13.py). The images stay in data/coco-mini.
"""
import argparse
from pathlib import Path

from lrfg_mmpose.datasets import COCO_BODY13_GROUPS, write_regrouped

ROOT = Path(__file__).resolve().parents[1]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--src', default=ROOT / 'data' / 'coco-mini' / 'annotations', type=Path)
    parser.add_argument('--out', default=ROOT / 'data' / 'coco-body13' / 'annotations', type=Path)
    parser.add_argument('--metainfo', default=ROOT / 'configs' / '_base_' / 'datasets' /
                        'coco_body13.py')
    args = parser.parse_args()
    for split in ('train2017', 'val2017'):
        name = f'person_keypoints_{split}.json'
        out = write_regrouped(args.src / name, args.out / name, COCO_BODY13_GROUPS,
                              args.metainfo)
        print(f'{out} ({out.stat().st_size // 1024} KB)')


if __name__ == '__main__':
    main()
