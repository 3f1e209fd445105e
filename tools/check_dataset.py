"""Check a COCO person-keypoint dataset (annotation format, every image) before training.

    python tools/check_dataset.py data/coco/annotations/person_keypoints_train2017.json data/coco/train2017
"""
import argparse
import sys

from lrfg_mmpose.datasets import DatasetError, check_coco_keypoints


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('ann_file')
    parser.add_argument('img_dir', nargs='?')
    parser.add_argument('--num-keypoints', type=int, default=17)
    args = parser.parse_args()
    try:
        stats = check_coco_keypoints(args.ann_file, args.img_dir, args.num_keypoints)
    except DatasetError as e:
        sys.exit(f'dataset check failed: {e}')
    print(f'{args.ann_file}: OK ' + ', '.join(f'{k.replace("_", " ")} {v}' for k, v in stats.items()))


if __name__ == '__main__':
    main()
