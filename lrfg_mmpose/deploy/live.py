# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
"""Live sources: a webcam (its index, ``0``), an RTSP stream or an HTTP(S) stream (MJPEG or a
video stream), through the same predictors, tracker, pictures and JSON as files.

A camera does not wait for the model. :class:`LatestFrame` reads the source in its own thread
and keeps only the newest frame: when the model is slower than the camera, the frames it could
not take are dropped (counted, shown on the picture) instead of queueing without bound, so the
output stays current. Frames keep the source's numbering, so results come in order and the
tracker sees the skipped frames as a gap. The picture video is written at the source's frame
rate, each processed picture held until the next one, so it plays at the source's timing; a live
overlay gives the processed frames a second, the latency from capture to result, and the frames
skipped. A source that stops giving frames is reopened a few times (``reconnects``), then the
run ends with one line; Ctrl-C (or ``kill``) ends it the same way. Everything done is written
as it comes (``predictions/<source>.jsonl``, flushed; the ``.json`` list at the end), as for
video files (:mod:`.media`).
"""
import json
import os
import re
import sys
import threading
import time
from pathlib import Path
from typing import Callable, Optional, Tuple

import cv2
import numpy as np

#: Inputs read as live sources besides a webcam index.
STREAM_PREFIXES = ('rtsp://', 'rtsps://', 'rtmp://', 'http://', 'https://', 'udp://', 'tcp://')


def is_live(inputs) -> bool:
    """A webcam index (``0``, ``'1'``) or a stream URL."""
    if isinstance(inputs, int):
        return True
    return isinstance(inputs, str) and (inputs.isdigit() or inputs.startswith(STREAM_PREFIXES))


def live_name(source) -> str:
    """A file name for a source: ``webcam0``, or the URL's host and path made safe."""
    if str(source).isdigit():
        return f'webcam{source}'
    rest = re.sub(r'^[a-z]+://', '', str(source)).split('?')[0]
    rest = re.sub(r'^[^@/]*@', '', rest)  # no credentials in file names
    return re.sub(r'[^A-Za-z0-9._-]+', '_', rest).strip('_') or 'stream'


def open_capture(source) -> cv2.VideoCapture:
    """OpenCV's capture of a webcam index or a stream URL."""
    return cv2.VideoCapture(int(source) if str(source).isdigit() else source)


class LatestFrame:
    """A live source read in a thread that keeps only the newest frame.

    Args:
        source: A webcam index or a stream URL.
        reconnects (int): Times the source is reopened after it stops giving frames, before the
            stream is declared ended. Defaults to 3.
        retry_s (float): Wait before each reopening. Defaults to 1.0.
        open_fn (callable): Opens the source (a ``cv2.VideoCapture``-like object with
            ``read``, ``get``, ``isOpened``, ``release``). Defaults to :func:`open_capture`.

    Raises:
        ValueError: the source cannot be opened (one line naming it).
    """

    def __init__(self, source, reconnects: int = 3, retry_s: float = 1.0,
                 open_fn: Callable = open_capture):
        self.source, self.reconnects, self.retry_s, self.open_fn = source, reconnects, retry_s, \
            open_fn
        self.capture = open_fn(source)
        if not self.capture.isOpened():
            if str(source).isdigit():
                raise ValueError(f'{source}: cannot open webcam {source} (no such camera, or it is '
                                 f'in use); the cameras here: ls /dev/video* (Linux)')
            raise ValueError(f'{source}: cannot open this live source (the stream does not '
                             f'answer, or OpenCV lacks its protocol); check the URL, e.g. with '
                             f'ffplay {source}')
        fps = float(self.capture.get(cv2.CAP_PROP_FPS) or 0)
        self.fps = fps if 0 < fps <= 240 else 25.0  # MJPEG over HTTP gives none
        self.read = 0  # frames read from the source
        self.dropped = 0  # frames replaced by a newer one before the model took them
        self.reconnected = 0
        self.ended: Optional[str] = None  # why the source stopped
        self._newest: Optional[Tuple[int, np.ndarray, float]] = None
        self._ready = threading.Condition()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name='live-source', daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while not self._stop.is_set():
            ok, frame = self.capture.read()
            if not ok or frame is None:
                if self._stop.is_set():
                    break
                if self.reconnected < self.reconnects:
                    self.reconnected += 1
                    self.capture.release()
                    time.sleep(self.retry_s)
                    self.capture = self.open_fn(self.source)
                    continue
                with self._ready:
                    self.ended = (f'{self.source}: the source stopped giving frames (reopened '
                                  f'{self.reconnected} time(s))')
                    self._ready.notify_all()
                break
            with self._ready:
                if self._newest is not None:
                    self.dropped += 1
                self._newest = (self.read, frame, time.perf_counter())
                self.read += 1
                self._ready.notify_all()

    def get(self, timeout: float = 30.0) -> Optional[Tuple[int, np.ndarray, float]]:
        """The newest frame not taken yet, ``(index, BGR image, capture time)``, waiting for
        one; None when the source has ended (or gave nothing for ``timeout`` seconds)."""
        with self._ready:
            if not self._ready.wait_for(lambda: self._newest is not None or
                                        self.ended is not None, timeout):
                self.ended = f'{self.source}: no frame for {timeout:g} s'
            item, self._newest = self._newest, None
            return item

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self.capture.release()


def _overlay(image: np.ndarray, fps: float, latency_ms: float, dropped: int) -> np.ndarray:
    text = f'{fps:.1f} FPS  latency {latency_ms:.0f} ms  skipped {dropped}'
    for color, width in (((0, 0, 0), 4), ((255, 255, 255), 1)):
        cv2.putText(image, text, (8, 24), cv2.FONT_HERSHEY_SIMPLEX, 0.6, color, width,
                    cv2.LINE_AA)
    return image


def can_show() -> bool:
    """Whether a window can be opened (a display on Linux; always elsewhere)."""
    return not sys.platform.startswith('linux') or bool(os.environ.get('DISPLAY') or
                                                        os.environ.get('WAYLAND_DISPLAY'))


def run_live(predictor, source, out: Path, kpt_thr: float, progress: bool, report,
             tracker=None, show: bool = False, reconnects: int = 3,
             open_fn: Callable = open_capture) -> None:
    """Run ``predictor`` on a live source until it ends, Ctrl-C, or ``q`` / Esc in the window
    (``show``); fill ``report`` (:class:`~lrfg_mmpose.deploy.media.MediaReport`)."""
    from tqdm import tqdm

    from .media import _lines_to_list, _tracked, _warn, instances
    from .visualize import draw_people
    if show and not can_show():
        _warn('--show: no display here (DISPLAY is not set); running without a window')
        show = False
    stream = LatestFrame(source, reconnects, open_fn=open_fn)
    name = live_name(source)
    lines_path = out / 'predictions' / f'{name}.jsonl'
    part = out / 'vis' / f'{name}.part.mp4'
    writer, size, last_drawn, last_index = None, None, None, -1
    bar = tqdm(unit='frame', disable=not progress, dynamic_ncols=True)
    started = time.perf_counter()
    try:
        with open(lines_path, 'w') as lines:
            while True:
                item = stream.get()
                if item is None:
                    break
                index, frame, captured = item
                people, track_ids = _tracked(predictor, frame, tracker, index)
                now = time.perf_counter()
                latency = 1000 * (now - captured)
                lines.write(json.dumps(dict(frame_id=index, latency_ms=round(latency, 1),
                                            instances=instances(people, track_ids))) + '\n')
                lines.flush()
                report.frames_done += 1
                fps = report.frames_done / max(now - started, 1e-9)
                drawn = _overlay(draw_people(frame, people, predictor.keypoints, kpt_thr,
                                             track_ids=track_ids), fps, latency, stream.dropped)
                if writer is None:
                    size = (frame.shape[1], frame.shape[0])
                    writer = cv2.VideoWriter(str(part), cv2.VideoWriter_fourcc(*'mp4v'),
                                             stream.fps, size)
                if (drawn.shape[1], drawn.shape[0]) != size:  # the stream changed its size
                    drawn = cv2.resize(drawn, size)
                if last_drawn is not None:  # the source's timing: each picture held until
                    for _ in range(index - last_index - 1):  # the next processed frame
                        writer.write(last_drawn)
                writer.write(drawn)
                last_drawn, last_index = drawn, index
                bar.update(1)
                bar.set_postfix(skipped=stream.dropped, refresh=False)
                if show:
                    cv2.imshow(name, drawn)
                    if cv2.waitKey(1) & 0xFF in (27, ord('q')):
                        break
    except KeyboardInterrupt:
        report.interrupted = True
    finally:
        bar.close()
        stream.close()
        report.frames_dropped = stream.dropped
        report.stream_ended = stream.ended
        if writer is not None:
            writer.release()
            part.replace(out / 'vis' / f'{name}.mp4')
        if show:
            cv2.destroyAllWindows()
    _lines_to_list(lines_path, out / 'predictions' / f'{name}.json')
