"""Time the image-file check that CheckedCocoDataset runs when training starts.

    python tools/time_image_check.py --images 1000 --workers 2

Prints seconds per 1,000 images without a cache (every file decoded: JPEG at 1/8 scale), with
the cache (the next start), against a whole decode with cv2.imread, and the estimate for COCO
train2017 (118,287 images).
"""
import argparse
import os
import tempfile

from lrfg_mmpose.apis.image_check_timing import image_check_timing
from lrfg_mmpose.timing import cpu_name
from lrfg_mmpose.cli import positive_int

COCO_TRAIN = 118287


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--images', type=positive_int, default=1000)
    parser.add_argument('--workers', type=positive_int, default=os.cpu_count())
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        t = image_check_timing(args.images, tmp, args.workers)
    per_k = {k: t[k] / t['images'] * 1000 for k in ('cold_s', 'cached_s', 'full_decode_s')}
    print(f'{cpu_name()}, {os.cpu_count()} cores, '
          f'{t["workers"]} thread(s), {t["images"]} copies of the embedded COCO images '
          f'(mean {t["mean_bytes"] / 1024:.0f} KB)')
    print(f'first start (decoded): {per_k["cold_s"]:.2f} s per 1,000 images; COCO train2017 '
          f'{per_k["cold_s"] * COCO_TRAIN / 1000 / 60:.1f} min')
    print(f'next start (cache):    {per_k["cached_s"]:.3f} s per 1,000 images; COCO train2017 '
          f'{per_k["cached_s"] * COCO_TRAIN / 1000:.1f} s')
    print(f'whole decode (cv2.imread), for comparison: {per_k["full_decode_s"]:.2f} s per 1,000 '
          f'images ({per_k["full_decode_s"] / per_k["cold_s"]:.2f}x the check)')


if __name__ == '__main__':
    main()
