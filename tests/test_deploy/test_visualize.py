# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
"""draw_people: a real COCO person's box, keypoints and skeleton (val2017 image 153797, moved
onto a plain 150x240 canvas) drawn where they are, in the keypoint set's colours, nothing
elsewhere, and the same picture as the stored reference ``tests/data/draw_people.png``.

The reference was written by this file (``python tests/test_deploy/test_visualize.py --write``) and
looked at; write it again only after a deliberate change of the drawing."""
import sys
from pathlib import Path

import cv2
import numpy as np

from lrfg_mmpose.deploy import draw_people
from lrfg_mmpose.structures import keypoint_meta, pose_metainfo

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = ROOT / 'tests' / 'data' / 'draw_people.png'
# annotation 153797's keypoints (x, y, v) and box (x, y, w, h), in its image's pixels
KPTS = [398, 129, 2, 408, 126, 2, 397, 121, 2, 417, 132, 2, 0, 0, 0, 424, 166, 2, 379, 140, 2,
        421, 196, 2, 341, 145, 2, 412, 204, 2, 333, 170, 2, 392, 215, 2, 374, 203, 2, 383, 244, 2,
        379, 237, 2, 367, 302, 2, 418, 243, 2]
BOX = [322.52, 107.21, 113.52, 220.72]
OFFSET = np.array([312.0, 97.0])  # the person's top-left corner near (10, 10) of the canvas
LOW = 13  # left knee: given a score below the threshold


def scene():
    kpts = np.asarray(KPTS, dtype=np.float32).reshape(17, 3)
    scores = np.where(kpts[:, 2] > 0, 0.9, 0.0).astype(np.float32)
    scores[LOW] = 0.2
    x, y, w, h = BOX
    people = dict(bboxes=np.array([[x, y, x + w, y + h]], np.float32) - np.tile(OFFSET, 2),
                  keypoints=(kpts[None, :, :2] - OFFSET).astype(np.float32),
                  keypoint_scores=scores[None], scores=np.array([0.9], np.float32))
    canvas = np.full((240, 150, 3), 128, np.uint8)
    meta = keypoint_meta(pose_metainfo('configs/_base_/datasets/coco.py'))
    return canvas, people, meta


def test_draws_the_person_where_it_is_and_nothing_elsewhere():
    canvas, people, meta = scene()
    before = canvas.copy()
    drawn = draw_people(canvas, people, meta, kpt_thr=0.3)
    assert np.array_equal(canvas, before)  # the input is not drawn on
    changed = np.any(drawn != canvas, axis=2)
    x1, y1, x2, y2 = np.round(people['bboxes'][0]).astype(int)
    inside = np.zeros_like(changed)
    inside[y1 - 1:y2 + 2, x1 - 1:x2 + 2] = True
    assert changed[inside].mean() > 0.02 and not changed[~inside].any()
    # box edges green; every keypoint above the threshold a dot of its own colour (BGR)
    assert (drawn[y1, x1 + 5:x2 - 5] == (0, 255, 0)).all()
    kpts, scores = people['keypoints'][0], people['keypoint_scores'][0]
    for k in np.flatnonzero(scores > 0.3):
        x, y = kpts[k].astype(int)
        assert tuple(drawn[y, x]) == tuple(reversed(meta['keypoint_colors'][k])), k
    # the low-score knee: no dot and no link to it (the links of the knee start/end there)
    x, y = kpts[LOW].astype(int)
    assert (drawn[y - 1:y + 2, x - 1:x + 2] == canvas[y - 1:y + 2, x - 1:x + 2]).all()


def test_matches_the_stored_reference_picture():
    canvas, people, meta = scene()
    drawn = draw_people(canvas, people, meta, kpt_thr=0.3)
    reference = cv2.imread(str(REFERENCE))
    assert reference is not None and reference.shape == drawn.shape
    # anti-aliased edges may differ by a few levels between OpenCV builds; shapes may not
    off = np.abs(drawn.astype(int) - reference.astype(int)).max(axis=2) > 48
    assert off.mean() < 0.002, f'{off.sum()} pixels differ from {REFERENCE.name}'
    # the check sees a drawing that is not there: the bare canvas is far from the reference
    bare = np.abs(canvas.astype(int) - reference.astype(int)).max(axis=2) > 48
    assert bare.mean() > 0.02


if __name__ == '__main__' and sys.argv[1:] == ['--write']:
    canvas, people, meta = scene()
    cv2.imwrite(str(REFERENCE), draw_people(canvas, people, meta, kpt_thr=0.3))
    print(f'wrote {REFERENCE}')
