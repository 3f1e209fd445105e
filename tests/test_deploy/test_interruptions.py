"""The media loop under interruption and mixed input: a video stopped by Ctrl-C, by ``kill``
and by ``kill -9`` keeps every frame done (predictions written as they come, the picture video
playable after Ctrl-C and kill), and ``--track`` over frames of different sizes restarts the
tracks instead of matching people across scales. The predictor is scripted (a person at a fixed
place relative to the frame), so that what is tested is the loop."""
import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import cv2
import numpy as np

from lrfg_mmpose.deploy import PoseTracker, run_on_media
from lrfg_mmpose.structures import keypoint_meta, pose_metainfo
from tests.helpers import DATA, ROOT

IMAGES = sorted((DATA / 'val2017').glob('*.jpg'))[:3]


class OnePerson:
    """A person at the same place relative to every frame; raises KeyboardInterrupt (as Ctrl-C
    does) at call ``stop_at``."""

    def __init__(self, stop_at=None):
        self.keypoints = keypoint_meta(pose_metainfo('configs/_base_/datasets/coco.py'))
        self.score_thr, self.calls, self.stop_at = 0.1, 0, stop_at

    def __call__(self, image):
        if self.calls == self.stop_at:
            raise KeyboardInterrupt
        self.calls += 1
        h, w = image.shape[:2]
        rel = np.linspace(0.3, 0.7, 17)
        kpts = np.stack([rel * w, rel[::-1] * h], 1)[None].astype(np.float32)
        return dict(bboxes=np.asarray([[0.3 * w, 0.3 * h, 0.7 * w, 0.7 * h]], np.float32),
                    scores=np.asarray([0.9], np.float32), keypoints=kpts,
                    keypoint_scores=np.full((1, 17), 0.9, np.float32))


def make_video(path, frames):
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*'mp4v'), 10, (320, 240))
    for i in range(frames):
        writer.write(cv2.resize(cv2.imread(str(IMAGES[i % len(IMAGES)])), (320, 240)))
    writer.release()
    return path


def frames_in(video) -> int:
    reader, n = cv2.VideoCapture(str(video)), 0
    while reader.read()[0]:
        n += 1
    return n


def test_ctrl_c_keeps_every_frame_done_and_a_playable_video(tmp_path):
    video = make_video(tmp_path / 'clip.mp4', 20)
    report = run_on_media(OnePerson(stop_at=7), video, tmp_path / 'out', progress=False)
    assert report.interrupted and not report.ok and report.frames_done == 7
    assert report.summary()[0].startswith('interrupted')
    frames = json.loads((tmp_path / 'out' / 'predictions' / 'clip.json').read_text())
    assert [f['frame_id'] for f in frames] == list(range(7))
    assert len(frames[0]['instances']) == 1
    assert frames_in(tmp_path / 'out' / 'vis' / 'clip.mp4') == 7  # closed: playable
    assert not list((tmp_path / 'out').rglob('*.part.*')) and \
        not list((tmp_path / 'out').rglob('*.jsonl'))
    # a run that is not stopped writes the same format with every frame
    report = run_on_media(OnePerson(), video, tmp_path / 'full', progress=False)
    assert report.ok and not report.interrupted
    frames = json.loads((tmp_path / 'full' / 'predictions' / 'clip.json').read_text())
    assert len(frames) == 20 and frames_in(tmp_path / 'full' / 'vis' / 'clip.mp4') == 20


SLOW_RUN = textwrap.dedent('''
    import sys, time
    sys.path.insert(0, {root!r})
    from lrfg_mmpose.cli import stop_on_sigterm
    from lrfg_mmpose.deploy import run_on_media
    from tests.test_deploy.test_interruptions import OnePerson

    class Slow(OnePerson):
        def __call__(self, image):
            time.sleep(0.05)
            return super().__call__(image)

    stop_on_sigterm()
    report = run_on_media(Slow(), {video!r}, {out!r}, progress=False)
    print('interrupted' if report.interrupted else 'finished', report.frames_done, flush=True)
''')


def run_and_signal(tmp_path, sig):
    """A slow run over a 300-frame video, sent ``sig`` once it has written 5 frames."""
    video = make_video(tmp_path / 'long.mp4', 300)
    out = tmp_path / 'out'
    proc = subprocess.Popen([sys.executable, '-c', SLOW_RUN.format(
        root=str(ROOT), video=str(video), out=str(out))], cwd=ROOT, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True)
    lines = out / 'predictions' / 'long.jsonl'
    deadline = time.time() + 120
    while time.time() < deadline and proc.poll() is None:
        if lines.is_file() and lines.read_text().count('\n') >= 5:
            break
        time.sleep(0.1)
    assert proc.poll() is None, proc.communicate()[1][-2000:]
    proc.send_signal(sig)
    stdout, stderr = proc.communicate(timeout=60)
    return out, proc.returncode, stdout, stderr


def test_kill_stops_as_ctrl_c_does(tmp_path):
    out, code, stdout, stderr = run_and_signal(tmp_path, signal.SIGTERM)
    assert code == 0 and stdout.startswith('interrupted'), stderr[-2000:]
    done = int(stdout.split()[1])
    assert 5 <= done < 300
    frames = json.loads((out / 'predictions' / 'long.json').read_text())
    assert len(frames) == done and frames_in(out / 'vis' / 'long.mp4') == done


def test_kill_9_keeps_the_predictions_written_so_far(tmp_path):
    out, code, _, _ = run_and_signal(tmp_path, signal.SIGKILL)
    assert code == -signal.SIGKILL
    lines = (out / 'predictions' / 'long.jsonl').read_text().split('\n')
    frames = [json.loads(line) for line in lines[:-1]]  # whole lines (the last may be cut)
    assert len(frames) >= 5 and [f['frame_id'] for f in frames] == list(range(len(frames)))
    # the unfinished picture video is named as such, never as a finished long.mp4
    assert not (out / 'vis' / 'long.mp4').exists()


def test_track_restarts_when_the_frame_size_changes(tmp_path, capsys):
    """Frames 0-2 at 640x400, 3-5 at 320x200: the person at the same relative place. Matched
    across the change, the first smaller frame's person would be dropped (a new, unconfirmed
    track) or smoothed towards the larger frame's coordinates."""
    folder = tmp_path / 'frames'
    folder.mkdir()
    image = cv2.imread(str(IMAGES[0]))
    for i in range(6):
        size = (640, 400) if i < 3 else (320, 200)
        cv2.imwrite(str(folder / f'{i:03d}.jpg'), cv2.resize(image, size))
    predictor = OnePerson()
    report = run_on_media(predictor, folder, tmp_path / 'out', progress=False,
                          tracker=PoseTracker(high_thr=0.3, low_thr=0.1))
    assert report.track_restarts == 1 and 'tracking restarted' in capsys.readouterr().err
    assert any('tracking restarted 1 time' in line for line in report.summary())
    written = [json.loads((tmp_path / 'out' / 'predictions' / f'{i:03d}.json').read_text())
               for i in range(6)]
    assert [len(w) for w in written] == [1] * 6  # nobody dropped
    assert written[3][0]['track_id'] != written[2][0]['track_id']
    expected = predictor(cv2.resize(image, (320, 200)))['keypoints'][0]
    np.testing.assert_allclose(written[3][0]['keypoints'], expected, atol=1e-4)  # not smoothed
    assert os.path.getsize(tmp_path / 'out' / 'vis' / '003.jpg') > 0


def test_tracker_reset_keeps_ids_unique():
    tracker = PoseTracker(high_thr=0.3)
    people = OnePerson()(np.zeros((400, 640, 3), np.uint8))
    _, first = tracker.update(people, 0)
    tracker.reset()
    _, second = tracker.update(people, 1)
    assert len(first) == len(second) == 1 and second[0] > first[0]
