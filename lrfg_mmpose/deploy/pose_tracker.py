# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
"""Stable person IDs across video frames and keypoints smoothed per person: ByteTrack's
association (Zhang et al., "ByteTrack: Multi-Object Tracking by Associating Every Detection Box",
ECCV 2022, Sec. 3: high-score detections first, then the low-score ones for the tracks still
unmatched) on box IoU, with each track's box moved by its own speed before matching, and one
:class:`~.one_euro.OneEuroFilter` per track for its keypoints.

A track is born from a high-score detection and confirmed after ``min_hits`` frames in a row
(on a video's first frame at once, as ByteTrack does: there is nothing to confirm against); an
unconfirmed track missed once is dropped (a one-frame false positive never gets an ID). A
confirmed track lives on through up to ``max_missed`` frames without its person (occlusion, a
frame without any detection, a frame the video could not give): its filter and speed are kept,
and the person gets the same ID back. Only confirmed tracks matched in a frame are returned.

Matching is an optimal assignment on ``1 - IoU`` (SciPy's ``linear_sum_assignment``, the
Hungarian method; numpy-only SciPy keeps the runtime torch-free), a pair kept only at IoU of at
least ``match_iou`` (``low_match_iou`` for the low-score round). Numpy and SciPy only.
"""
from dataclasses import dataclass, field
from typing import List, Optional, Tuple

import numpy as np

from ..structures import PEOPLE_KEYS, People, box_iou, match
from .one_euro import OneEuroFilter


@dataclass
class Track:
    """One person followed over frames."""
    track_id: int
    box: np.ndarray  # (4,) the last matched box
    frame: int  # the last matched frame
    smoother: Optional[OneEuroFilter]
    velocity: np.ndarray = field(default_factory=lambda: np.zeros(4))  # box change per frame
    hits: int = 1  # frames matched in a row since birth
    confirmed: bool = False

    def predicted_box(self, frame: int) -> np.ndarray:
        return self.box + self.velocity * (frame - self.frame)


class PoseTracker:
    """Gives each person of a video a stable ID and smooths its keypoints.

    Args:
        high_thr: Detections scoring at least this are matched first and can start tracks.
            Defaults to 0.5.
        low_thr: Detections scoring at least this (and under ``high_thr``) only continue
            confirmed tracks; lower ones are ignored. The predictor must return them: give it a
            ``score_thr`` at or under this. Defaults to 0.1.
        match_iou: Least IoU of a track's moved box and a high-score detection. Defaults to 0.3.
        low_match_iou: The same for low-score detections (stricter: they are less sure).
            Defaults to 0.5.
        min_hits: Frames in a row a track needs to be confirmed (birth). Defaults to 2.
        max_missed: Frames a confirmed track survives without its person (death after).
            Defaults to 30.
        smooth: Smooth keypoints (:class:`OneEuroFilter`; keyword arguments, or True for its
            defaults) or not (False). Defaults to True.
    """

    def __init__(self, high_thr: float = 0.5, low_thr: float = 0.1, match_iou: float = 0.3,
                 low_match_iou: float = 0.5, min_hits: int = 2, max_missed: int = 30,
                 smooth=True):
        if not 0 <= low_thr <= high_thr:
            raise ValueError(f'PoseTracker needs 0 <= low_thr <= high_thr; got {low_thr}, '
                             f'{high_thr}')
        if min_hits < 1 or max_missed < 0:
            raise ValueError(f'PoseTracker needs min_hits >= 1 and max_missed >= 0; got '
                             f'{min_hits}, {max_missed}')
        self.high_thr, self.low_thr = high_thr, low_thr
        self.match_iou, self.low_match_iou = match_iou, low_match_iou
        self.min_hits, self.max_missed = min_hits, max_missed
        self.smooth = dict(smooth) if isinstance(smooth, dict) else ({} if smooth else None)
        OneEuroFilter(**(self.smooth or {}))  # bad filter options fail here, not mid-video
        self.tracks: List[Track] = []
        self.next_id = 1
        self.first_frame: Optional[int] = None

    def reset(self) -> None:
        """Forget every track (a new sequence, or frames of another size): the next frame is
        a first frame again; new IDs continue after the last one given."""
        self.tracks = []
        self.first_frame = None

    def update(self, people: People, frame: int) -> Tuple[People, np.ndarray]:
        """Associate one frame's people with the tracks.

        Args:
            people: The frame's people (:data:`~lrfg_mmpose.structures.People`).
            frame: The frame number (increasing; a gap is frames without any people).

        Returns:
            The tracked people (confirmed tracks matched in this frame, keypoints smoothed) and
            their ``track_ids`` (int array, same order).
        """
        if self.first_frame is None:
            self.first_frame = frame
        scores = np.asarray(people['scores'], dtype=np.float64)
        boxes = np.asarray(people['bboxes'], dtype=np.float64).reshape(-1, 4)
        high = np.flatnonzero(scores >= self.high_thr)
        low = np.flatnonzero((scores >= self.low_thr) & (scores < self.high_thr))

        # Round 1: every track against the high-score detections.
        pairs = self._associate(self.tracks, high, boxes, frame, self.match_iou)
        matched_tracks = {id(t) for t, _ in pairs}
        # Round 2: confirmed tracks left over against the low-score detections.
        rest = [t for t in self.tracks if id(t) not in matched_tracks and t.confirmed]
        pairs += self._associate(rest, low, boxes, frame, self.low_match_iou)
        matched_tracks = {id(t) for t, _ in pairs}
        used = {d for _, d in pairs}

        out = []  # (detection index, track, smoothed keypoints)
        for track, d in pairs:
            dt = frame - track.frame
            step = (boxes[d] - track.box) / dt
            track.velocity = step if track.hits == 1 else 0.5 * track.velocity + 0.5 * step
            track.box, track.frame = boxes[d].copy(), frame
            track.hits += 1
            track.confirmed = track.confirmed or track.hits >= self.min_hits
            out.append((d, track, self._smoothed(track, people, d, frame)))
        # Deaths: unconfirmed tracks missed once, confirmed ones missed too long.
        self.tracks = [t for t in self.tracks if id(t) in matched_tracks or (
            t.confirmed and frame - t.frame <= self.max_missed)]
        # Births from the high-score detections nothing took.
        for d in high:
            if d in used:
                continue
            track = Track(self.next_id, boxes[d].copy(), frame,
                          OneEuroFilter(**self.smooth) if self.smooth is not None else None)
            self.next_id += 1
            track.confirmed = self.min_hits <= 1 or frame == self.first_frame
            self.tracks.append(track)
            out.append((d, track, self._smoothed(track, people, d, frame)))

        out = sorted((o for o in out if o[1].confirmed), key=lambda o: o[0])
        idx = np.asarray([d for d, _, _ in out], dtype=np.int64)
        tracked = {k: np.asarray(people[k])[idx] for k in PEOPLE_KEYS}
        if len(out):
            tracked['keypoints'] = np.stack([k for _, _, k in out]).astype(
                np.asarray(people['keypoints']).dtype)
        return tracked, np.asarray([t.track_id for _, t, _ in out], dtype=np.int64)

    @staticmethod
    def _associate(tracks: List[Track], dets: np.ndarray, boxes: np.ndarray, frame: int,
                   min_iou: float) -> List[Tuple[Track, int]]:
        if not len(tracks) or not len(dets):
            return []
        predicted = np.stack([t.predicted_box(frame) for t in tracks])
        return [(tracks[r], int(dets[c]))
                for r, c in match(box_iou(predicted, boxes[dets]), min_iou)]

    @staticmethod
    def _smoothed(track: Track, people: People, d: int, frame: int) -> np.ndarray:
        kpts = np.asarray(people['keypoints'][d], dtype=np.float64)
        if track.smoother is None:
            return kpts
        x1, y1, x2, y2 = track.box
        return track.smoother(kpts, frame, scale=float(np.hypot(x2 - x1, y2 - y1)))
