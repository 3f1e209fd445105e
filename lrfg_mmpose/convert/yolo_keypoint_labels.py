# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
"""COCO keypoint JSON to the YOLO-Pose reference's label files and image list.

The reference (edgeai-yolov5, branch yolo-pose) reads, per image, ``labels/<split>/<stem>.txt``
with one row a person: class, box centre x, y, width, height, then K x (x, y, v), all
normalised by the image size (5 + 3K columns; 56 for COCO), and a list file of image paths.
This writes them the way such files are made from COCO: crowd annotations and boxes with width
or height <= 0 skipped, every other person kept (those without labelled keypoints too), and an
image listed when one of its people has a labelled keypoint, the set
``CheckedCocoDataset(image_set='keypoints')`` uses. Used to run the reference's loader beside
ours (``tools/benchmark.py --pipeline --reference-repo``).
"""
import json
import os
import shutil
from pathlib import Path

import numpy as np


def write_yolo_keypoint_labels(ann_file: str, img_dir: str, out_dir: str, split: str) -> Path:
    """Write ``out_dir/images/<split>/`` (links to the images), ``out_dir/labels/<split>/``
    and ``out_dir/<split>.txt``; return the list file."""
    coco = json.loads(Path(ann_file).read_text())
    images = {im['id']: im for im in coco['images']}
    rows = {}
    for ann in coco['annotations']:
        im = images.get(ann.get('image_id'))
        x, y, w, h = ann['bbox']
        if im is None or ann.get('iscrowd') or w <= 0 or h <= 0:
            continue
        size = np.array([im['width'], im['height']], dtype=np.float64)
        kpts = np.asarray(ann['keypoints'], dtype=np.float64).reshape(-1, 3)
        kpts[:, :2] /= size
        box = np.array([x + w / 2, y + h / 2, w, h]) / np.tile(size, 2)
        rows.setdefault(im['file_name'], []).append(np.concatenate([[0.], box, kpts.ravel()]))
    out = Path(out_dir)
    img_out, lbl_out = out / 'images' / split, out / 'labels' / split
    img_out.mkdir(parents=True, exist_ok=True)
    lbl_out.mkdir(parents=True, exist_ok=True)
    listed = []
    for name, people in sorted(rows.items()):
        people = np.stack(people)
        if not (people[:, 7::3] > 0).any():  # no labelled keypoint (v is every third field)
            continue
        link = img_out / name
        if not link.exists():
            try:
                link.symlink_to(os.path.abspath(Path(img_dir) / name))
            except OSError:
                shutil.copy(Path(img_dir) / name, link)
        np.savetxt(lbl_out / (Path(name).stem + '.txt'), people, fmt='%.6f')
        listed.append(f'./images/{split}/{name}')
    list_file = out / f'{split}.txt'
    list_file.write_text(''.join(f'{p}\n' for p in listed))
    for cache in out.glob('*.cache'):  # the reference's label cache of an older list
        cache.unlink()
    return list_file
