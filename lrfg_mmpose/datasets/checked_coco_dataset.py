# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
"""MMPose's ``CocoDataset`` that checks its annotations and image files once, when it is built.

A corrupt image stops a long MMPose run at the iteration that first loads it, hours in; a NaN in
an annotation gives a NaN loss. Here both are found before the first iteration: every annotation
goes through :func:`~lrfg_mmpose.datasets.annotation_check.mend_annotation` (counted and named in
the log, or one error listing them all), and every image file is decoded once in parallel
(:func:`lrfg_mmpose.fileio.check_images`; results cached by path, size and modification time, so
the next start reads the cache instead), then skipped with a warning that names it, or the
dataset stops with the full list. Because this happens while the dataset is built, the sampler,
the epoch length and the schedulers all see the data that is really used.
"""
import hashlib
import logging
import os
import time
from pathlib import Path
from typing import List, Optional, Union

from mmengine.dist import broadcast_object_list, get_dist_info
from mmengine.logging import print_log
from mmpose.datasets.datasets.body import CocoDataset
from mmpose.registry import DATASETS

from ..fileio import check_images
from .annotation_check import AnnotationReport, DatasetError, mend_annotation
from .image_set import IMAGE_SETS, select_image_set

BAD_IMAGE_MODES = ('skip', 'stop', 'off')
BAD_ANNOTATION_MODES = ('filter', 'stop')


def default_cache_dir() -> Path:
    """``$LRFG_CACHE_DIR/image-check``, by default ``~/.cache/lrfg-mmpose/image-check``."""
    root = os.environ.get('LRFG_CACHE_DIR') or os.path.join('~', '.cache', 'lrfg-mmpose')
    return Path(root).expanduser() / 'image-check'


@DATASETS.register_module()
class CheckedCocoDataset(CocoDataset):
    """``CocoDataset`` (any keypoint set: give ``metainfo``) with data checks at build time.

    Args:
        bad_images (str): What to do with an image file that is missing, empty, not an image,
            truncated, corrupt or of another size than its annotation says: ``'skip'`` it
            (listed in the log; in a test set its people then count as missed, so AP is lower,
            never higher), ``'stop'`` with the full list, or ``'off'`` (no image check).
            Defaults to 'skip'.
        bad_annotations (str): ``'filter'`` what
            :data:`~lrfg_mmpose.datasets.annotation_check.PROBLEMS` lists (counted and named in
            the log) or ``'stop'`` with the full list. Defaults to 'filter'.
        image_check_cache (str | bool, optional): Folder of the image-check cache; False: no
            cache. Defaults to ``$LRFG_CACHE_DIR/image-check`` (``~/.cache/lrfg-mmpose``).
        image_check_workers (int, optional): Decoding threads. Defaults to the CPU count.
        image_set (str): ``'keypoints'``: the YOLO-Pose reference's images (those with a
            non-crowd person with labelled keypoints; crowd annotations dropped), for training
            and for its evaluation protocol; ``'all'``: MMPose's (every annotated image for
            training, all images for evaluation). See :mod:`~lrfg_mmpose.datasets.image_set`.
            Defaults to 'all'.
        **kwargs: ``CocoDataset``'s arguments.

    Attributes:
        annotation_report (AnnotationReport): What the annotation check found.
        skipped_images (dict): ``{path: cause}`` of the images left out.
        image_sizes (dict): ``{img_path: (w, h)}`` from the annotation file (the anchor check
            uses them).
    """

    def __init__(self, *args, bad_images: str = 'skip', bad_annotations: str = 'filter',
                 image_check_cache: Union[str, bool, None] = None,
                 image_check_workers: Optional[int] = None, image_set: str = 'all', **kwargs):
        if bad_images not in BAD_IMAGE_MODES:
            raise ValueError(f'bad_images={bad_images!r}: use one of {BAD_IMAGE_MODES}')
        if bad_annotations not in BAD_ANNOTATION_MODES:
            raise ValueError(f'bad_annotations={bad_annotations!r}: use one of '
                             f'{BAD_ANNOTATION_MODES}')
        if image_set not in IMAGE_SETS:
            raise ValueError(f'image_set={image_set!r}: use one of {IMAGE_SETS}')
        # Set before CocoDataset.__init__, which builds the data list (full_init).
        self.bad_images = bad_images
        self.bad_annotations = bad_annotations
        self.image_check_cache = image_check_cache
        self.image_check_workers = image_check_workers
        self.image_set = image_set
        self.annotation_report: Optional[AnnotationReport] = None
        self.skipped_images: dict = {}
        self.image_sizes: dict = {}
        super().__init__(*args, **kwargs)

    def _load_annotations(self):
        self.annotation_report = AnnotationReport(self.ann_file)
        instance_list, image_list = super()._load_annotations()  # calls parse_data_info
        for ann in self.coco.anns.values():
            if ann.get('image_id') not in self.coco.imgs:
                self.annotation_report.add('no_image', ann.get('id', '?'))
        self.image_sizes = {img['img_path']: (img['width'], img['height']) for img in image_list}
        report = self.annotation_report
        if report and self.bad_annotations == 'stop':
            raise DatasetError(f'{report.message(max_ids=None)}. Mend the file, or set '
                               f'bad_annotations=\'filter\' in the dataset config')
        if report:
            print_log(f'annotation check: {report.message()}', logger='current',
                      level=logging.WARNING)
        return instance_list, image_list

    def parse_data_info(self, raw_data_info: dict) -> Optional[dict]:
        img = raw_data_info['raw_img_info']
        ann = mend_annotation(raw_data_info['raw_ann_info'], (img['width'], img['height']),
                              self._metainfo['num_keypoints'], self.annotation_report,
                              self.ann_file)
        if ann is None:
            return None
        return super().parse_data_info(dict(raw_data_info, raw_ann_info=ann))

    def load_data_list(self) -> List[dict]:
        data_list, summary = select_image_set(super().load_data_list(), self.image_set)
        if not self.test_mode:
            # Only evaluation reads the verbatim annotations, and the reference's labels hold
            # no masks: a training sample would copy them (four times a mosaic) for nothing.
            unused = ('raw_ann_info', ) + (('segmentation', 'invalid_segs') if self.image_set == 'keypoints'
                                           else ())
            for info in data_list:
                for key in unused:
                    info.pop(key, None)
        use = 'evaluation protocol' if self.test_mode else 'training set'
        print_log(f'{use} of {self.ann_file}: {summary}', logger='current')
        if self.bad_images == 'off' or self.bbox_file:
            return data_list
        paths = sorted({d['img_path'] for d in data_list})
        bad = self._check_image_files(paths)
        if not bad:
            return data_list
        listing = '\n'.join(f'  {path}: {cause}' for path, cause in bad.items())
        if self.bad_images == 'stop':
            raise DatasetError(
                f'{len(bad)} of the {len(paths)} images of {self.ann_file} cannot be used '
                f'(replace them, drop their records, or set bad_images=\'skip\' in the dataset '
                f'config):\n{listing}')
        effect = ('their people count as missed in the evaluation' if self.test_mode
                  else 'training goes on without them')
        print_log(f'image check: skipping {len(bad)} of the {len(paths)} images of '
                  f'{self.ann_file} ({effect}):\n{listing}', logger='current',
                  level=logging.WARNING)
        self.skipped_images = bad
        return [d for d in data_list if d['img_path'] not in bad]

    def _cache_file(self) -> Optional[Path]:
        if self.image_check_cache is False:
            return None
        folder = Path(self.image_check_cache) if isinstance(self.image_check_cache, str) \
            else default_cache_dir()
        key = hashlib.sha1(os.path.abspath(self.data_prefix['img']).encode()).hexdigest()[:16]
        return folder / f'{key}.json'

    def _check_image_files(self, paths: List[str]) -> dict:
        """``{path: cause}`` of the bad files, checked on rank 0 and shared with the others."""
        rank, world_size = get_dist_info()
        result = [None]
        if rank == 0:
            cache_file = self._cache_file()
            t0 = time.perf_counter()

            every = max(1000, -(-len(paths) // 10000) * 1000)  # about ten lines for any size

            def progress(done):
                if done % every == 0:
                    print_log(f'image check: {done} of up to {len(paths)} images decoded',
                              logger='current')

            checked = check_images(paths, self.image_sizes, cache_file, self.image_check_workers,
                                   progress)
            cached = f', {len(paths) - checked.decoded} from the cache {cache_file}' \
                if cache_file else ''
            print_log(f'image check: {len(paths)} images of {self.ann_file} in '
                      f'{time.perf_counter() - t0:.1f} s ({checked.decoded} decoded{cached})',
                      logger='current')
            result = [checked.bad]
        if world_size > 1:
            broadcast_object_list(result, src=0)
        return result[0]
