"""Make the embedded data subset ``data/coco-mini`` from a larger COCO-layout folder.

Keeps every image with a person record (keypoint-annotated or not: crowd regions, unlabelled
people) and ``--num-empty`` images without people, with all their original annotation records
(:func:`lrfg_mmpose.datasets.write_coco_mini`). Usage::

    python tools/make_coco_mini.py SRC_ROOT data/coco-mini
"""
import argparse
from pathlib import Path

from lrfg_mmpose.datasets import write_coco_mini


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('src', type=Path, help='COCO-layout root with annotations/ and *2017/')
    parser.add_argument('dst', type=Path, help='output root')
    parser.add_argument('--num-empty', type=int, default=2, help='images without people per split')
    args = parser.parse_args()
    for split in ('train2017', 'val2017'):
        out = write_coco_mini(args.src, args.dst, split, args.num_empty)
        n_kpt = sum(a['num_keypoints'] > 0 for a in out['annotations'])
        print(f"{split}: {len(out['images'])} images, {len(out['annotations'])} persons "
              f"({n_kpt} with keypoints, {sum(a['iscrowd'] for a in out['annotations'])} crowd)")


if __name__ == '__main__':
    main()
