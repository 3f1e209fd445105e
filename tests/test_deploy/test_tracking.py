"""Tracking and smoothing in video (PoseTracker, OneEuroFilter) on videos made from embedded
images: two real people cut out of COCO pictures walk across a canvas and cross, one frame is
dropped, one has nobody detected, one person is half-hidden (a low score) while they cross. The
predictor gives the ground truth moved with them (plus jitter of known sigma where asked), so
that what is tested is the tracking, not the network."""
import json
from typing import List

import cv2
import numpy as np
import pytest

from lrfg_mmpose.deploy import OneEuroFilter, PoseTracker, draw_people, run_on_media, track_color
from lrfg_mmpose.structures import keypoint_meta, pose_metainfo
from tests.helpers import DATA

CANVAS = (400, 640)  # h, w
# (file, COCO box) of two people, one each, cut out with their annotated keypoints
PEOPLE = (('000000030752.jpg', (215, 63, 118, 301)), ('000000037666.jpg', (321, 63, 106, 251)))


def cut_outs():
    anns = json.loads((DATA / 'annotations' / 'person_keypoints_train2017.json').read_text())
    ids = {i['file_name']: i['id'] for i in anns['images']}
    out = []
    for name, box in PEOPLE:
        ann = next(a for a in anns['annotations'] if a['image_id'] == ids[name]
                   and [round(v) for v in a['bbox']] == list(box))
        x, y, w, h = (int(round(v)) for v in ann['bbox'])
        crop = cv2.imread(str(DATA / 'train2017' / name))[y:y + h, x:x + w]
        kpts = np.asarray(ann['keypoints'], dtype=np.float64).reshape(-1, 3)
        out.append((crop, kpts[:, :2] - (x, y), kpts[:, 2] > 0))
    return out


class Scripted:
    """A PosePredictor that returns prepared people frame after frame."""

    def __init__(self, frames: List[dict]):
        self.frames, self.calls = frames, 0
        self.keypoints = keypoint_meta(pose_metainfo('configs/_base_/datasets/coco.py'))
        self.score_thr = 0.1

    def __call__(self, image):
        people = self.frames[self.calls]
        self.calls += 1
        return people

    def predict_batch(self, images):
        return [self(i) for i in images]


def people_of(placed):
    """People dict of [(box, keypoints, score[, labelled]), ...]: keypoint scores 0.9 where
    labelled, else 0."""
    n = len(placed)
    labelled = [p[3] if len(p) > 3 else np.ones(17, bool) for p in placed]
    return dict(bboxes=np.asarray([p[0] for p in placed], dtype=np.float32).reshape(n, 4),
                scores=np.asarray([p[2] for p in placed], dtype=np.float32),
                keypoints=np.asarray([p[1] for p in placed], dtype=np.float32).reshape(n, 17, 2),
                keypoint_scores=0.9 * np.asarray(labelled, dtype=np.float32).reshape(n, 17))


def crossing_video(path, frames=40, speed=6, dropped=10, empty=25, hidden=range(30, 36)):
    """Person 0 walks right, person 1 left; they cross near frame 33 (boxes overlapping from
    frame 25 to 40). Returns the predictor
    (truth per frame, person 0 first) and per frame the truth's order of people."""
    h, w = CANVAS
    cuts = cut_outs()
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*'mp4v'), 10, (w, h))
    script, order = [], []
    steps = [t for t in range(frames + 1) if t != dropped]  # a frame dropped: motion jumps
    for i, t in enumerate(steps):
        canvas = np.full((h, w, 3), 96, np.uint8)
        placed = []
        for k, ((crop, kpts, labelled), x0, y0, v) in enumerate(zip(cuts, (60, 460), (40, 100),
                                                             (speed, -speed))):
            x, ch, cw = x0 + v * t, crop.shape[0], crop.shape[1]
            canvas[y0:y0 + ch, x:x + cw] = crop
            score = 0.3 if (k == 1 and t in hidden) else 0.9  # half-hidden while they cross
            placed.append(([x, y0, x + cw, y0 + ch], kpts + (x, y0), score, labelled))
        if t == empty:
            placed = []  # the detector finds nobody in this frame
        rng = np.random.default_rng(t)
        perm = rng.permutation(len(placed))  # detections come in any order
        script.append(people_of([placed[j] for j in perm]))
        order.append(list(perm))
        writer.write(canvas)
    writer.release()
    return Scripted(script), order


def test_ids_never_swap_through_crossing_dropped_and_empty_frames(tmp_path):
    video = tmp_path / 'crossing.mp4'
    predictor, order = crossing_video(video)
    report = run_on_media(predictor, video, tmp_path / 'out', progress=False,
                          tracker=PoseTracker(high_thr=0.5, low_thr=0.1))
    assert report.frames_done == len(order) == 40
    frames = json.loads((tmp_path / 'out' / 'predictions' / 'crossing.json').read_text())
    ids_of = {0: set(), 1: set()}
    for f, perm in zip(frames, order):
        if not perm:  # the empty frame: nobody, and nothing breaks
            assert f['instances'] == []
            continue
        assert len(f['instances']) == 2, f['frame_id']  # both tracked, the hidden one too
        truth = predictor.frames[f['frame_id']]
        for person in f['instances']:
            # which truth person this is: its box is returned unchanged
            j = int(np.argmin(np.abs(truth['bboxes'] - np.asarray(person['bbox'][0])).sum(1)))
            ids_of[perm[j]].add(person['track_id'])
    assert ids_of == {0: {1}, 1: {2}} or ids_of == {0: {2}, 1: {1}}, ids_of  # one ID each, kept
    reader = cv2.VideoCapture(str(tmp_path / 'out' / 'vis' / 'crossing.mp4'))
    assert int(reader.get(cv2.CAP_PROP_FRAME_COUNT)) == 40


def test_jitter_halved_and_lag_bounded_on_constant_motion():
    """A person walking at constant speed (1.5% of its size a frame) with keypoints jittered
    by white noise of sigma 3 px: what is left of the jitter and how far behind it is."""
    crop, kpts, _ = cut_outs()[0]
    diag = float(np.hypot(*crop.shape[:2]))
    speed, sigma = 0.015 * diag, 3.0
    rng = np.random.default_rng(0)
    for v in (0.0, speed):
        tracker = PoseTracker()
        residuals = []
        for t in range(120):
            x = 20 + v * t
            truth = kpts + (x, 40)
            noisy = truth + rng.normal(0, sigma, truth.shape)
            people = people_of([([x, 40, x + crop.shape[1], 40 + crop.shape[0]], noisy, 0.9)])
            tracked, ids = tracker.update(people, t)
            assert list(ids) == [1]
            if t >= 40:  # past the filter's start
                residuals.append(tracked['keypoints'][0] - truth)
        r = np.asarray(residuals)  # (frames, K, 2)
        lag = -r[..., 0].mean()  # behind the motion, along x
        jitter = (r - r.mean(axis=0)).std()
        assert jitter <= 0.5 * sigma, (v, jitter / sigma)
        assert lag <= 2.5 * v + 0.3, (v, lag)  # at most 2.5 frames of motion behind
        assert abs(r[..., 1].mean()) < 0.3  # and no drift across it


def test_one_euro_filter_hand_values_and_gaps():
    """At rest (no speed) the step is alpha = 1 / (1 + tau / Te), tau = 1 / (2 pi min_cutoff);
    after a gap of 3 frames Te is 3 (the new value counts more)."""
    f = OneEuroFilter(min_cutoff=0.1, beta=0.0, d_cutoff=0.1)
    assert f(np.array([0.0]), 0)[0] == 0.0
    alpha1 = 1 / (1 + 1 / (2 * np.pi * 0.1))
    assert f(np.array([10.0]), 1)[0] == pytest.approx(10 * alpha1)
    alpha3 = 1 / (1 + 1 / (2 * np.pi * 0.1) / 3)
    assert f(np.array([10.0]), 4)[0] == pytest.approx(10 * alpha1 + (10 - 10 * alpha1) * alpha3)
    with pytest.raises(ValueError, match='not after'):
        f(np.array([1.0]), 4)
    with pytest.raises(ValueError, match='min_cutoff > 0'):
        OneEuroFilter(min_cutoff=0)


def test_birth_death_and_low_scores():
    box = [100, 100, 200, 300]
    kpts = np.tile([150.0, 200.0], (17, 1))
    one = people_of([(box, kpts, 0.9)])
    low = people_of([(box, kpts, 0.3)])
    none = people_of([])
    tracker = PoseTracker(min_hits=3, max_missed=2)
    assert list(tracker.update(one, 0)[1]) == [1]  # the first frame: born confirmed
    # A new person later needs min_hits frames in a row; a one-frame blip never gets an ID.
    other = people_of([(box, kpts, 0.9), ([400, 100, 500, 300], kpts + 300, 0.9)])
    assert list(tracker.update(other, 1)[1]) == [1]
    assert list(tracker.update(one, 2)[1]) == [1]  # the blip (ID 2) died unconfirmed
    for frame in (3, 4, 5):
        ids = tracker.update(other, frame)[1]
    assert list(ids) == [1, 3]  # confirmed at its third frame
    # Low-score detections continue a track but never start one.
    assert list(tracker.update(low, 6)[1]) == [1]
    fresh = PoseTracker()
    assert list(fresh.update(low, 0)[1]) == []
    # Death after max_missed frames without the person.
    tracker.update(none, 7)
    tracker.update(none, 8)
    assert list(tracker.update(one, 9)[1]) == [1]  # missed 2: alive
    for frame in (10, 11, 12):
        tracker.update(none, frame)
    # missed 3: dead; the person comes back as a new track, confirmed after min_hits frames
    assert [list(tracker.update(one, f)[1]) for f in (13, 14, 15)] == [[], [], [4]]
    with pytest.raises(ValueError, match='low_thr <= high_thr'):
        PoseTracker(high_thr=0.2, low_thr=0.5)


def test_drawing_colours_boxes_by_track():
    meta = keypoint_meta(pose_metainfo('configs/_base_/datasets/coco.py'))
    image = np.zeros((120, 200, 3), np.uint8)
    people = people_of([([10, 30, 60, 110], np.full((17, 2), 35.0), 0.9),
                        ([110, 30, 160, 110], np.full((17, 2), 135.0), 0.9)])
    out = draw_people(image, people, meta, kpt_thr=2.0, track_ids=[1, 2])  # no keypoints
    assert tuple(out[70, 10]) == track_color(1) and tuple(out[70, 110]) == track_color(2)
    assert track_color(1) != track_color(2)
