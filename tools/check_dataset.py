"""Check a COCO keypoint dataset (annotation format and records, every image file) before training.

    python tools/check_dataset.py data/coco/annotations/person_keypoints_train2017.json data/coco/train2017
    python tools/check_dataset.py my/annotations/train.json my/images --metainfo configs/_base_/datasets/my_kpts.py

Exit status 0 when nothing is wrong, 1 when something is (each problem on its own line: the
same problems CheckedCocoDataset filters, skips or stops on when training starts).
"""
import argparse
import sys

from lrfg_mmpose.cli import positive_int
from lrfg_mmpose.datasets import DatasetError, check_coco_keypoints


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('ann_file')
    parser.add_argument('img_dir', nargs='?')
    parser.add_argument('--metainfo', help='dataset meta file (keypoint count); default COCO\'s')
    parser.add_argument('--num-keypoints', type=positive_int, help='instead of --metainfo')
    parser.add_argument('--cache', help='image-check cache file (default: none)')
    args = parser.parse_args()
    num_keypoints = args.num_keypoints or 17
    if args.metainfo:
        from lrfg_mmpose.structures import pose_metainfo
        try:
            num_keypoints = pose_metainfo(args.metainfo)['num_keypoints']
        except Exception as e:  # MMPose's parser raises several kinds
            sys.exit(f'error: {args.metainfo}: not a keypoint meta file MMPose can read '
                     f'({type(e).__name__}: {e})')
    try:
        check = check_coco_keypoints(args.ann_file, args.img_dir, num_keypoints,
                                     cache_file=args.cache)
    except DatasetError as e:
        sys.exit(f'dataset check failed: {e}')
    print(f'{args.ann_file}: ' + ', '.join(f'{k.replace("_", " ")} {v}'
                                           for k, v in check.stats.items()))
    for line in check.lines():
        print(f'  {line}')
    if not check.ok:
        sys.exit(f'{len(check.lines())} kinds of problem or bad images found (training with '
                 f'CheckedCocoDataset filters or skips them, or stops with bad_*=\'stop\')')
    print('OK')


if __name__ == '__main__':
    main()
