"""Live sources on loopback: an MJPEG stream of real JPEG frames (embedded images) served by a
local HTTP server, read through OpenCV as a camera stream is, with a predictor slower than the
stream. Frames are dropped rather than queued, results stay in order, the picture video keeps
the source's timing, and a stream that stops ends the run with one line and everything written
kept."""
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import cv2
import numpy as np
import pytest

from lrfg_mmpose.deploy import run_on_media
from lrfg_mmpose.deploy.live import LatestFrame, is_live, live_name
from tests.helpers import DATA
from tests.test_deploy.test_interruptions import OnePerson, frames_in

FPS = 30


@pytest.fixture
def mjpeg_stream():
    """``start(frames)`` -> the URL of a stream of ``frames`` JPEGs at 30 a second; the server
    answers the first connection only (a camera that goes away: reopening fails)."""
    jpegs = [cv2.imencode('.jpg', cv2.resize(cv2.imread(str(p)), (320, 240)))[1].tobytes()
             for p in sorted((DATA / 'val2017').glob('*.jpg'))[:3]]
    servers = []

    def start(frames: int) -> str:
        served = []

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                if served:
                    self.send_error(404)
                    return
                served.append(1)
                self.send_response(200)
                self.send_header('Content-Type', 'multipart/x-mixed-replace; boundary=frame')
                self.end_headers()
                for i in range(frames):
                    jpeg = jpegs[i % len(jpegs)]
                    self.wfile.write(b'--frame\r\nContent-Type: image/jpeg\r\nContent-Length: '
                                     + str(len(jpeg)).encode() + b'\r\n\r\n' + jpeg + b'\r\n')
                    time.sleep(1 / FPS)

        server = ThreadingHTTPServer(('127.0.0.1', 0), Handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f'http://127.0.0.1:{server.server_address[1]}/stream.mjpg'

    yield start
    for server in servers:
        server.shutdown()


class Slow(OnePerson):
    """A model that takes 0.1 s a frame: a third of a 30 fps stream."""

    def __call__(self, image):
        time.sleep(0.1)
        return super().__call__(image)


def test_a_slow_model_drops_frames_stays_in_order_and_the_stream_end_is_one_line(
        mjpeg_stream, tmp_path):
    url = mjpeg_stream(60)  # 2 s of stream
    report = run_on_media(Slow(), url, tmp_path, progress=False, reconnects=1)
    frames = json.loads((tmp_path / 'predictions' / f'{live_name(url)}.json').read_text())
    ids = [f['frame_id'] for f in frames]
    print(f'\n{len(ids)} frames processed, {report.frames_dropped} skipped of 60 served')
    assert report.frames_done == len(ids) >= 5
    assert report.frames_dropped >= 20  # about two thirds of the stream
    assert len(ids) + report.frames_dropped <= 60
    assert ids == sorted(ids) and len(set(ids)) == len(ids)  # in order, once each
    assert all(len(f['instances']) == 1 and f['latency_ms'] >= 100 for f in frames)
    # the picture video plays at the source's timing: one picture a source frame
    assert frames_in(tmp_path / 'vis' / f'{live_name(url)}.mp4') == ids[-1] - ids[0] + 1
    # the server refused the reconnection: the run ended by itself, with one line
    assert report.stream_ended.endswith('the source stopped giving frames (reopened 1 time(s))')
    ended = [line for line in report.summary() if line.startswith('stream ended')]
    assert len(ended) == 1 and not list(tmp_path.rglob('*.jsonl'))


class FakeCapture:
    """A camera that gives a numbered frame at once on every read, ``frames`` of them."""

    def __init__(self, frames):
        self.left = frames

    def isOpened(self):
        return True

    def get(self, prop):
        return 0

    def read(self):
        if self.left <= 0:
            return False, None
        self.left -= 1
        time.sleep(0.001)
        return True, np.full((4, 4, 3), self.left % 255, np.uint8)

    def release(self):
        pass


def test_only_the_newest_frame_waits():
    stream = LatestFrame(0, reconnects=0, open_fn=lambda source: FakeCapture(300))
    taken = []
    while (item := stream.get(timeout=5)) is not None:
        taken.append(item[0])
        time.sleep(0.02)  # a consumer 20 x slower than the camera
    stream.close()
    assert stream.read == 300 and stream.fps == 25.0
    assert len(taken) + stream.dropped == 300  # each frame either taken or dropped, none queued
    assert taken == sorted(taken) and stream.dropped > 200
    assert stream.ended == '0: the source stopped giving frames (reopened 0 time(s))'


def test_source_names():
    assert is_live('0') and is_live(1) and is_live('rtsp://cam/stream') and \
        is_live('https://host/x.mjpg') and not is_live('clip.mp4') and not is_live('images/')
    assert live_name('0') == 'webcam0'
    assert live_name('rtsp://user:secret@10.0.0.2:554/live/ch1?tcp') == '10.0.0.2_554_live_ch1'
    closed = type('Closed', (FakeCapture, ), {'isOpened': lambda self: False})
    with pytest.raises(ValueError, match='rtsp://127.0.0.1:1/none: cannot open this live source'):
        LatestFrame('rtsp://127.0.0.1:1/none', open_fn=lambda source: closed(0))
