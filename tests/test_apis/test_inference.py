"""PyTorch inference with our config and a checkpoint: image, folder and video; bad files in a
folder are skipped and named, a single bad input or a wrong checkpoint is one line, unreadable
video frames are counted; tools/infer.py's exit status and summary."""
import json
import runpy
import shutil
import tempfile
import unittest
from pathlib import Path
from unittest import mock

import cv2
import numpy as np
import pytest
import torch
from mmengine.registry import init_default_scope
from mmpose.registry import MODELS
from PIL import Image

from lrfg_mmpose.apis import infer
from lrfg_mmpose.deploy import TorchPredictor
from lrfg_mmpose.utils import CheckpointError
from lrfg_mmpose.deploy import run_on_media
from lrfg_mmpose.fileio import BadImageError
from lrfg_mmpose.utils import build_pose_model
from tests.helpers import DATA, ROOT, tiny_cfg

IMAGES = sorted((DATA / 'val2017').glob('*.jpg'))[:3]


def folder_with_a_truncated_jpeg(root: Path, count: int = 9) -> Path:
    """``count`` real images, the middle one truncated."""
    folder = root / 'folder9'
    folder.mkdir()
    paths = sorted((DATA / 'val2017').glob('*.jpg'))[:count]
    for p in paths:
        shutil.copy(p, folder)
    middle = folder / paths[count // 2].name
    middle.write_bytes(middle.read_bytes()[:20000])
    return folder


def mjpeg_video(path: Path, corrupt_frame=None, truncate_after=None) -> Path:
    """Six frames of real images as Motion-JPEG (each frame its own JPEG, so one can be
    damaged alone). (A file cut inside a frame still gives that frame: FFmpeg's MJPEG decoder
    fills the rest.)"""
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*'MJPG'), 5, (320, 240))
    for p in sorted((DATA / 'val2017').glob('*.jpg'))[:6]:
        writer.write(cv2.resize(cv2.imread(str(p)), (320, 240)))
    writer.release()
    data = bytearray(path.read_bytes())
    starts = [i for i in range(len(data) - 3) if data[i:i + 3] == b'\xff\xd8\xff']
    assert len(starts) == 6
    if corrupt_frame is not None:
        a, b = starts[corrupt_frame], starts[corrupt_frame + 1]
        data[a + 3:b - 8] = bytes(b - 8 - a - 3)
    if truncate_after is not None:  # the file ends where that frame would start
        data = data[:starts[truncate_after]]
    path.write_bytes(bytes(data))
    return path


class TestInference(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        init_default_scope('mmpose')
        cls.tmp = Path(tempfile.mkdtemp())
        cls.config = cls.tmp / 'tiny.py'
        cfg = tiny_cfg()
        cfg.dump(str(cls.config))
        torch.manual_seed(0)
        model = MODELS.build(cfg.model)
        model.init_weights()
        cls.checkpoint = cls.tmp / 'tiny.pth'
        torch.save({'state_dict': model.state_dict(), 'meta': {}}, cls.checkpoint)
        cls.predictor = TorchPredictor(cls.config, cls.checkpoint)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp)

    def run_media(self, inputs, name, **kwargs):
        report = run_on_media(self.predictor, inputs, self.tmp / name, progress=False, **kwargs)
        out = report.out_dir
        return report, sorted((out / 'vis').iterdir()), sorted((out / 'predictions').iterdir())

    def check_predictions(self, path):
        people = json.loads(path.read_text())
        self.assertIsInstance(people, list)
        self.assertGreater(len(people), 0)
        self.assertEqual(len(people[0]['keypoints']), 17)
        self.assertEqual(len(people[0]['keypoint_scores']), 17)

    def test_image(self):
        report = infer(str(IMAGES[0]), str(self.config), str(self.checkpoint),
                       str(self.tmp / 'image'), score_thr=0.0, progress=False)
        vis = sorted((report.out_dir / 'vis').iterdir())
        self.assertEqual([p.name for p in vis], [IMAGES[0].name])
        img = cv2.imread(str(vis[0]))
        self.assertEqual(img.shape[:2], cv2.imread(str(IMAGES[0])).shape[:2])
        self.check_predictions(report.out_dir / 'predictions' / f'{IMAGES[0].stem}.json')
        self.assertTrue(report.ok)

    def test_predictions_equal_mmpose_inference(self):
        """The predictor is MMPose's bottom-up inference on the same model."""
        from mmpose.apis import inference_bottomup
        expected = inference_bottomup(self.predictor.model, str(IMAGES[1]))[0].pred_instances
        people = self.predictor(cv2.imread(str(IMAGES[1])))
        np.testing.assert_allclose(people['keypoints'], expected.keypoints, atol=1e-4)
        np.testing.assert_allclose(people['scores'], expected.bbox_scores, atol=1e-6)

    def test_folder_with_a_truncated_jpeg_processes_the_others(self):
        folder = folder_with_a_truncated_jpeg(self.tmp)
        (folder / 'notes.txt').write_text('not an image, and not named like one')
        report, vis, preds = self.run_media(folder, 'folder')
        bad = sorted(folder.glob('*.jpg'))[4]
        self.assertEqual(list(report.skipped), [str(bad)])
        self.assertRegex(report.skipped[str(bad)], r'^truncated JPEG \(20000 bytes')
        self.assertEqual(len(report.done), 8)
        self.assertEqual(len(vis), 8)
        self.assertEqual(len(preds), 8)
        self.assertNotIn(bad.name, [p.name for p in vis])
        self.assertFalse(report.ok)
        self.assertEqual(report.summary(), [
            'images: 8 done, 1 skipped', f'  skipped {bad}: {report.skipped[str(bad)]}',
            '1 other files of the folder not read (suffixes .txt; images are .bmp, .jpeg, .jpg, '
            '.png, .tif, .tiff, .webp)'])

    def test_single_bad_inputs_raise_one_line(self):
        cases = {'truncated.jpg': (IMAGES[0].read_bytes()[:5000], 'truncated JPEG'),
                 'text.jpg': (b'this is text\n', 'not an image'),
                 'zero.jpg': (b'', r'empty file \(0 bytes\)')}
        for name, (content, cause) in cases.items():
            path = self.tmp / name
            path.write_bytes(content)
            with self.subTest(name), self.assertRaisesRegex(BadImageError,
                                                            f'^{path}: {cause}'):
                self.run_media(path, f'{name}_out')

    def test_odd_images_work(self):
        rgb = cv2.imread(str(IMAGES[0]))[..., ::-1]
        folder = self.tmp / 'odd'
        folder.mkdir()
        Image.fromarray(rgb).convert('L').save(folder / 'gray.jpg')
        Image.fromarray(rgb).convert('RGBA').save(folder / 'rgba.png')
        Image.fromarray(rgb).convert('CMYK').save(folder / 'cmyk.jpg')
        Image.new('RGB', (1, 1)).save(folder / 'one.png')
        Image.new('RGB', (20, 1200), (90, 90, 90)).save(folder / 'thin.jpg')
        report, vis, preds = self.run_media(folder, 'odd')
        self.assertEqual(report.skipped, {})
        self.assertEqual(len(vis), 5)
        self.assertEqual(cv2.imread(str(folder / 'thin.jpg')).shape,
                         cv2.imread(str(self.tmp / 'odd' / 'vis' / 'thin.jpg')).shape)

    def test_video(self):
        video = self.tmp / 'clip.mp4'
        writer = cv2.VideoWriter(str(video), cv2.VideoWriter_fourcc(*'mp4v'), 5, (320, 240))
        for p in IMAGES:
            frame = cv2.resize(cv2.imread(str(p)), (320, 240))
            writer.write(frame)
            writer.write(frame)
        writer.release()
        report, vis, preds = self.run_media(video, 'video')
        self.assertEqual([p.name for p in vis], ['clip.mp4'])
        reader = cv2.VideoCapture(str(vis[0]))
        self.assertEqual(int(reader.get(cv2.CAP_PROP_FRAME_COUNT)), 2 * len(IMAGES))
        frames = json.loads(preds[0].read_text())
        self.assertEqual([f['frame_id'] for f in frames], list(range(2 * len(IMAGES))))
        self.assertEqual((report.frames_done, report.frames_skipped), (6, 0))
        self.assertTrue(report.ok)

    def test_video_bad_frames_are_counted_and_skipped(self):
        video = mjpeg_video(self.tmp / 'bad_frame.avi', corrupt_frame=2)
        report, _, preds = self.run_media(video, 'bad_frame')
        self.assertEqual((report.frames_done, report.frames_skipped, report.frames_missing),
                         (5, 1, 0))
        frames = json.loads(preds[0].read_text())
        self.assertEqual([f['frame_id'] for f in frames], [0, 1, 3, 4, 5])
        self.assertFalse(report.ok)
        truncated = mjpeg_video(self.tmp / 'truncated.avi', truncate_after=4)
        report, _, _ = self.run_media(truncated, 'truncated')
        self.assertEqual((report.frames_done, report.frames_missing), (4, 2))
        self.assertIn('announced by the file but not found', report.summary()[-1])

    def test_video_that_cannot_be_opened(self):
        video = self.tmp / 'not_a_video.mp4'
        video.write_text('hello')
        with self.assertRaisesRegex(ValueError, f'^{video}: OpenCV cannot open this video'):
            self.run_media(video, 'nv')

    def test_progress_bar_shows_images_per_second(self):
        with mock.patch('sys.stderr') as stderr:
            run_on_media(self.predictor, [str(p) for p in IMAGES], self.tmp / 'progress')
        written = ''.join(str(c.args[0]) for c in stderr.write.call_args_list)
        self.assertIn('3/3', written)
        self.assertIn('img/s', written)

    def test_missing_inputs_and_wrong_checkpoints_are_named(self):
        with self.assertRaisesRegex(FileNotFoundError, 'nope.jpg'):
            infer('nope.jpg', str(self.config), str(self.checkpoint), str(self.tmp / 'x'))
        with self.assertRaisesRegex(CheckpointError, 'missing.pth: checkpoint not found'):
            infer(str(IMAGES[0]), str(self.config), str(self.tmp / 'missing.pth'),
                  str(self.tmp / 'x'))
        junk = self.tmp / 'junk.pth'
        junk.write_bytes(b'not a checkpoint')
        with self.assertRaisesRegex(CheckpointError, 'junk.pth: not a PyTorch checkpoint'):
            TorchPredictor(self.config, junk)
        other = tiny_cfg()
        other.model.head.use_implicit = False
        model = MODELS.build(other.model)
        wrong = self.tmp / 'other.pth'
        torch.save({'state_dict': model.state_dict()}, wrong)
        with self.assertRaisesRegex(CheckpointError, r'other.pth does not fit .*tiny.py: 8 '
                                                     r'missing weights \(e.g. head.implicit_a'):
            TorchPredictor(self.config, wrong)


@pytest.fixture(scope='module')
def infer_main():
    return runpy.run_path(str(ROOT / 'tools' / 'infer.py'))['main']


def run_tool(infer_main, argv, capsys):
    with mock.patch('sys.argv', ['infer.py', *map(str, argv)]):
        try:
            infer_main()
            code = 0
        except SystemExit as e:
            code = e.code
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_tool_exit_status_and_summary(infer_main, tmp_path, capsys):
    cfg = tiny_cfg()
    cfg.dump(str(tmp_path / 'tiny.py'))
    torch.manual_seed(0)
    model = build_pose_model(cfg.model)
    model.init_weights()
    torch.save({'state_dict': model.state_dict()}, tmp_path / 'tiny.pth')
    common = ['--config', tmp_path / 'tiny.py', '--checkpoint', tmp_path / 'tiny.pth',
              '--no-progress', '--score-thr', '0.001']
    folder = folder_with_a_truncated_jpeg(tmp_path)
    code, out, err = run_tool(infer_main, [folder, *common, '--out-dir', tmp_path / 'o'], capsys)
    bad = sorted(folder.iterdir())[4]
    assert code == 1
    assert 'images: 8 done, 1 skipped' in out.splitlines()
    assert f'warning: skipped {bad}: truncated JPEG' in err
    assert len(list((tmp_path / 'o' / 'vis').iterdir())) == 8
    code, out, err = run_tool(infer_main, [IMAGES[0], *common, '--out-dir', tmp_path / 'g'], capsys)
    assert code == 0 and 'images: 1 done, 0 skipped' in out.splitlines()
    empty = tmp_path / 'zero.jpg'
    empty.write_bytes(b'')
    code, out, err = run_tool(infer_main, [empty, *common], capsys)
    assert code == f'error: {empty}: empty file (0 bytes)' and out == ''
