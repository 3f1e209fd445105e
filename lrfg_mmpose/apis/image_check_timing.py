# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
"""What checking a dataset's images costs (``tools/time_image_check.py``): a cold check, a cached
one and a full decode of the same files."""
import shutil
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Dict

import cv2

from ..fileio import check_images
from .benchmark_models import EMBEDDED


def image_check_timing(num_images: int, work_dir: Path, workers: int) -> Dict[str, float]:
    """Seconds to check ``num_images`` files (copies of the embedded COCO images) with
    :func:`lrfg_mmpose.fileio.check_images`: without a cache (every file decoded), with the
    cache written by that run (stat only), and, for comparison, decoding every file whole with
    ``cv2.imread``. The copies are fresh, so they are read from the page cache: a dataset on
    a cold disk adds its read time (COCO train2017: 19 GB)."""
    sources = sorted(EMBEDDED.glob('*2017/*.jpg'))
    folder = Path(work_dir) / 'images'
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    paths = []
    for i in range(num_images):
        paths.append(folder / f'{i:06d}.jpg')
        shutil.copyfile(sources[i % len(sources)], paths[-1])
    cache = Path(work_dir) / 'cache.json'
    cache.unlink(missing_ok=True)
    t0 = time.perf_counter()
    cold = check_images(paths, cache_file=cache, workers=workers)
    t1 = time.perf_counter()
    warm = check_images(paths, cache_file=cache, workers=workers)
    t2 = time.perf_counter()
    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(lambda p: cv2.imread(str(p)), paths))
    t3 = time.perf_counter()
    assert cold.decoded == num_images and warm.decoded == 0 and not cold.bad
    shutil.rmtree(folder)
    return dict(images=num_images, workers=workers, cold_s=t1 - t0, cached_s=t2 - t1,
                full_decode_s=t3 - t2, mean_bytes=sum(p.stat().st_size for p in sources) /
                len(sources))
