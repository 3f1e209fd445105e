# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
"""An image, a list or folder of images, or a video through any
:class:`~lrfg_mmpose.structures.PosePredictor` (an exported model's :class:`Predictor`, or
PyTorch's :class:`lrfg_mmpose.deploy.TorchPredictor`): pictures with
skeletons and JSON of predictions in MMPose's inferencer format (one file per image; one per
video, a list of ``{frame_id, instances}``).

Nothing done is lost to an interruption. A video's predictions are written as they come, one
JSON line per frame (``predictions/<video>.jsonl``, flushed), and its picture video goes to
``vis/<video>.part.<suffix>``; when the run ends, normally or by Ctrl-C (or SIGTERM, which the
tool turns into the same), the video is closed and renamed to ``vis/<video>.<suffix>`` and the
lines become ``predictions/<video>.json``. After a kill that runs no code (``kill -9``, power
loss) the ``.jsonl`` holds every frame done and the ``.part`` video lacks its index (an MP4 is
indexed when closed). Memory does not grow with the video's length.

One bad file never costs the others: an image that is missing, empty, not an image or truncated
(:func:`lrfg_mmpose.fileio.read_image`), or whose prediction fails, is skipped with one warning
line naming it and the cause, and the :class:`MediaReport` lists it; unreadable video frames
are counted and skipped. A single bad image given alone raises
:class:`~lrfg_mmpose.fileio.BadImageError` (one line). Folders and videos show a progress bar.
"""
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence

import cv2
import numpy as np
from tqdm import tqdm

from ..fileio import IMAGE_SUFFIXES, BadImageError, image_paths, read_image
from ..structures import People, PosePredictor
from .live import is_live, run_live
from .visualize import draw_people

VIDEO_SUFFIXES = {'.mp4', '.avi', '.mov', '.mkv', '.webm'}
# Reads failing in a row that end a video (OpenCV fails at once at the end, and a damaged frame
# fails once while the next one reads).
END_OF_VIDEO_FAILURES = 30


@dataclass
class MediaReport:
    """What a run did: images written, images skipped with their causes, video frames."""
    out_dir: Path
    done: List[str] = field(default_factory=list)
    skipped: Dict[str, str] = field(default_factory=dict)
    frames_done: int = 0
    frames_skipped: int = 0
    frames_missing: int = 0  # announced by the video's header but never read
    ignored: List[str] = field(default_factory=list)  # files of a folder without image suffixes
    interrupted: bool = False  # stopped by Ctrl-C / SIGTERM; what was done is written
    track_restarts: int = 0  # tracks restarted because the frame size changed
    frames_dropped: int = 0  # live: frames a newer one replaced before the model took them
    stream_ended: Optional[str] = None  # live: why the source stopped

    @property
    def ok(self) -> bool:
        return not (self.skipped or self.frames_skipped or self.frames_missing or
                    self.interrupted)

    def summary(self) -> List[str]:
        """The run's summary, a line each."""
        lines = []
        if self.interrupted:
            lines.append('interrupted: everything done before the stop is written (below)')
        if self.track_restarts:
            lines.append(f'tracking restarted {self.track_restarts} time(s): the frame size '
                         f'changed (IDs are not carried across sizes; frames of one sequence '
                         f'should share a size)')
        if self.done or self.skipped:
            lines.append(f'images: {len(self.done)} done, {len(self.skipped)} skipped')
            lines += [f'  skipped {path}: {cause}' for path, cause in self.skipped.items()]
        if self.ignored:
            suffixes = sorted({Path(p).suffix or '(none)' for p in self.ignored})
            lines.append(f'{len(self.ignored)} other files of the folder not read (suffixes '
                         f'{", ".join(suffixes)}; images are {", ".join(sorted(IMAGE_SUFFIXES))})')
        if self.stream_ended:
            lines.append(f'stream ended: {self.stream_ended}; everything done is written')
        if self.frames_dropped:
            lines.append(f'live: {self.frames_dropped} frames skipped to stay current (the model '
                         f'was slower than the source)')
        if self.frames_done or self.frames_skipped or self.frames_missing:
            line = f'video frames: {self.frames_done} done, {self.frames_skipped} unreadable ' \
                   f'skipped'
            if self.frames_missing and not self.interrupted:
                line += f', {self.frames_missing} announced by the file but not found (is it ' \
                        f'truncated?)'
            lines.append(line)
        return lines


def instances(people: People, track_ids: Optional[Sequence[int]] = None) -> List[dict]:
    """People as MMPose's inferencer writes them (``split_instances``), with their
    ``track_id`` when tracked."""
    out = [dict(keypoints=people['keypoints'][i].tolist(),
                keypoint_scores=people['keypoint_scores'][i].tolist(),
                bbox=[people['bboxes'][i].tolist()], bbox_score=float(people['scores'][i]))
           for i in range(len(people['scores']))]
    if track_ids is not None:
        for person, track_id in zip(out, track_ids):
            person['track_id'] = int(track_id)
    return out


def _tracked(predictor: PosePredictor, image: np.ndarray, tracker, frame: int):
    """The image's people and their track IDs (None without a tracker)."""
    people = predictor(image)
    if tracker is None:
        return people, None
    return tracker.update(people, frame)


def _warn(message: str) -> None:
    tqdm.write(f'warning: {message}', file=sys.stderr)  # above the progress bar


@dataclass
class Media:
    """What to run on, opened once (:func:`open_media`): a ``video``, a ``live`` source (webcam
    index or stream URL, :mod:`.live`), or image ``paths``; a single image is already decoded
    in ``image``, so it is read once only."""
    paths: List[Path] = field(default_factory=list)
    video: Optional[Path] = None
    live: Optional[str] = None
    image: Optional[np.ndarray] = None
    ignored: List[str] = field(default_factory=list)  # files of a folder without image suffixes


def open_media(inputs) -> Media:
    """Open ``inputs`` (an image, a folder or list of images, a video) and fail early, before a
    model is loaded, where the whole run would fail: ``inputs`` missing, a single image that
    cannot be used (:class:`BadImageError`), a video OpenCV cannot open (ValueError). Folders
    and lists are checked file by file as they run."""
    if isinstance(inputs, Media):
        return inputs
    if is_live(inputs) and not Path(str(inputs)).exists():  # a folder named 0 stays a folder
        return Media(live=str(inputs))  # opened by the media loop, read in its own thread
    if not isinstance(inputs, (str, Path)):
        return Media(paths=image_paths(inputs))
    path = Path(inputs)
    if not path.exists():
        raise FileNotFoundError(f'{inputs}: no such image, folder or video')
    if path.suffix.lower() in VIDEO_SUFFIXES:
        _open_video(path).release()
        return Media(video=path)
    if path.is_dir():
        ignored = sorted(str(p) for p in path.iterdir() if p.is_file() and
                         not p.name.startswith('.') and p.suffix.lower() not in IMAGE_SUFFIXES)
        return Media(paths=image_paths(path), ignored=ignored)
    return Media(paths=[path], image=read_image(path))


def _open_video(video: Path) -> cv2.VideoCapture:
    reader = cv2.VideoCapture(str(video))
    if not reader.isOpened():
        raise ValueError(f'{video}: OpenCV cannot open this video (not a video, damaged, or a '
                         f'codec this OpenCV build lacks); convert it, e.g. ffmpeg -i '
                         f'{video.name} -c:v libx264 out.mp4')
    return reader


def run_on_media(predictor: PosePredictor, inputs, out_dir, kpt_thr: float = 0.3,
                 progress: bool = True, tracker=None, show: bool = False,
                 reconnects: int = 3) -> MediaReport:
    """Pictures (or a video) to ``out_dir/vis``, predictions to ``out_dir/predictions``.

    Args:
        predictor: Any :class:`~lrfg_mmpose.structures.PosePredictor` (BGR image -> people in
            original-image pixels); its ``score_thr`` is the only person filter, its
            ``keypoints`` (names, skeleton, colours) are drawn.
        inputs: An image, a folder of images, a list of images, a video, a live source (a
            webcam index such as ``0``, an ``rtsp://`` or ``http(s)://`` stream), or the
            :class:`Media` that :func:`open_media` opened from one of them.
        out_dir: Where to write.
        kpt_thr: Minimum keypoint score drawn. Defaults to 0.3.
        progress: Show a progress bar for folders, lists and videos. Defaults to True.
        tracker: A :class:`~lrfg_mmpose.deploy.PoseTracker` (or anything with its
            ``update(people, frame)``): video frames, or the images of a folder or list in their
            order, are one sequence; people get a ``track_id`` (JSON, and a colour and label
            each in the pictures) and smoothed keypoints, and only tracked people are written.
            Defaults to None (each image on its own).
        show: Live sources: show the pictures in a window where a display exists. Defaults
            to False.
        reconnects: Live sources: times a source that stops is reopened. Defaults to 3.

    Raises:
        FileNotFoundError: ``inputs`` does not exist.
        BadImageError: a single image that cannot be used.
        ValueError: a video that cannot be opened.
    """
    media = open_media(inputs)
    out = Path(out_dir)
    report = MediaReport(out, ignored=media.ignored)
    (out / 'vis').mkdir(parents=True, exist_ok=True)
    (out / 'predictions').mkdir(parents=True, exist_ok=True)
    if media.video is not None:
        _run_video(predictor, media.video, out, kpt_thr, progress, report, tracker)
        return report
    if media.live is not None:
        run_live(predictor, media.live, out, kpt_thr, progress, report, tracker, show,
                 reconnects)
        return report
    alone = media.image is not None
    bar = tqdm(media.paths, unit='img', disable=not progress or alone, dynamic_ncols=True)
    try:
        _run_images(predictor, media, out, kpt_thr, report, tracker, bar)
    except KeyboardInterrupt:
        report.interrupted = True
    finally:
        bar.close()
    return report


def _run_images(predictor: PosePredictor, media: Media, out: Path, kpt_thr: float,
                report: MediaReport, tracker, paths) -> None:
    alone = media.image is not None
    size = None
    for frame, path in enumerate(paths):
        try:
            image = media.image if alone else read_image(path)
            if tracker is not None and size is not None and image.shape[:2] != size:
                _restart_tracking(tracker, report, path, size, image.shape[:2])
            size = image.shape[:2]
            people, track_ids = _tracked(predictor, image, tracker, frame)
        except BadImageError as e:
            _skip(report, path, e.cause)
            continue
        except Exception as e:  # one file's failure must not cost the others
            if alone:
                raise
            _skip(report, path, f'prediction failed ({type(e).__name__}: {e})')
            continue
        cv2.imwrite(str(out / 'vis' / path.name), draw_people(
            image, people, predictor.keypoints, kpt_thr, track_ids=track_ids))
        (out / 'predictions' / f'{path.stem}.json').write_text(
            json.dumps(instances(people, track_ids), indent=1))
        report.done.append(str(path))


def _restart_tracking(tracker, report: MediaReport, path: Path, old, new) -> None:
    """A frame of another size: its people are not the previous frame's at another scale, so
    the tracks (and their smoothing) start again; new IDs follow the old ones."""
    tracker.reset()
    if not report.track_restarts:
        _warn(f'{path}: {new[1]}x{new[0]}, the frames before were {old[1]}x{old[0]}; tracking '
              f'restarted (IDs are not carried across frame sizes)')
    report.track_restarts += 1


def _skip(report: MediaReport, path: Path, cause: str) -> None:
    report.skipped[str(path)] = cause
    _warn(f'skipped {path}: {cause}')


def _run_video(predictor: PosePredictor, video: Path, out: Path, kpt_thr: float,
               progress: bool, report: MediaReport, tracker=None) -> None:
    reader = _open_video(video)
    fps = reader.get(cv2.CAP_PROP_FPS) or 25
    announced = int(reader.get(cv2.CAP_PROP_FRAME_COUNT) or 0)
    lines_path = out / 'predictions' / f'{video.stem}.jsonl'
    part = out / 'vis' / f'{video.stem}.part{video.suffix}'  # OpenCV picks the container by suffix
    writer: Optional[cv2.VideoWriter] = None
    failures, frame_id = 0, 0
    bar = tqdm(total=announced or None, unit='frame', disable=not progress, dynamic_ncols=True)
    try:
        with open(lines_path, 'w') as lines:
            while failures < END_OF_VIDEO_FAILURES:
                ok, frame = reader.read()
                if not ok or frame is None:
                    failures += 1
                    continue
                if failures:  # frames that failed before this one were damaged, not the end
                    report.frames_skipped += failures
                    _warn(f'{video}: {failures} unreadable frame(s) before frame '
                          f'{frame_id + failures} skipped')
                    frame_id += failures
                    bar.update(failures)
                    failures = 0
                people, track_ids = _tracked(predictor, frame, tracker, frame_id)
                lines.write(json.dumps(dict(frame_id=frame_id,
                                            instances=instances(people, track_ids))) + '\n')
                lines.flush()
                if writer is None:
                    writer = cv2.VideoWriter(str(part), cv2.VideoWriter_fourcc(*'mp4v'), fps,
                                             (frame.shape[1], frame.shape[0]))
                writer.write(draw_people(frame, people, predictor.keypoints, kpt_thr,
                                         track_ids=track_ids))
                report.frames_done += 1
                frame_id += 1
                bar.update(1)
    except KeyboardInterrupt:
        report.interrupted = True
    finally:
        bar.close()
        reader.release()
        if writer is not None:
            writer.release()  # the MP4 index written: playable
            part.replace(out / 'vis' / video.name)
    report.frames_missing = max(0, announced - report.frames_done - report.frames_skipped)
    _lines_to_list(lines_path, out / 'predictions' / f'{video.stem}.json')


def _lines_to_list(lines_path: Path, json_path: Path) -> None:
    """A JSON-lines file as one JSON list (MMPose's video format), streamed line by line; the
    lines file removed after."""
    with open(lines_path) as src, open(json_path, 'w') as dst:
        dst.write('[')
        for i, line in enumerate(src):
            dst.write((',\n' if i else '\n') + line.rstrip('\n'))
        dst.write('\n]\n')
    lines_path.unlink()
