"""MMPoseInferencer with our config and a checkpoint: image, folder and video."""
import json
import shutil
import tempfile
import unittest
from pathlib import Path

import cv2
import torch
from mmengine.registry import init_default_scope
from mmpose.registry import MODELS

from lrfg_mmpose.apis import infer
from tests.helpers import DATA, tiny_cfg

IMAGES = sorted((DATA / 'val2017').glob('*.jpg'))[:3]


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

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp)

    def run_infer(self, inputs, name):
        out = infer(str(inputs), str(self.config), str(self.checkpoint), str(self.tmp / name),
                    bbox_thr=0.0, kpt_thr=0.3)
        return sorted((out / 'vis').iterdir()), sorted((out / 'predictions').iterdir())

    def check_predictions(self, path):
        people = json.loads(path.read_text())
        self.assertIsInstance(people, list)
        self.assertGreater(len(people), 0)
        self.assertEqual(len(people[0]['keypoints']), 17)
        self.assertEqual(len(people[0]['keypoint_scores']), 17)

    def test_image(self):
        vis, preds = self.run_infer(IMAGES[0], 'image')
        self.assertEqual([p.name for p in vis], [IMAGES[0].name])
        img = cv2.imread(str(vis[0]))
        self.assertEqual(img.shape[:2], cv2.imread(str(IMAGES[0])).shape[:2])
        self.check_predictions(preds[0])

    def test_folder(self):
        folder = self.tmp / 'folder'
        folder.mkdir()
        for p in IMAGES:
            shutil.copy(p, folder)
        vis, preds = self.run_infer(folder, 'folder')
        self.assertEqual(len(vis), len(IMAGES))
        self.assertEqual(len(preds), len(IMAGES))

    def test_video(self):
        video = self.tmp / 'clip.mp4'
        writer = cv2.VideoWriter(str(video), cv2.VideoWriter_fourcc(*'mp4v'), 5, (320, 240))
        for p in IMAGES:
            frame = cv2.resize(cv2.imread(str(p)), (320, 240))
            writer.write(frame)
            writer.write(frame)
        writer.release()
        vis, preds = self.run_infer(video, 'video')
        self.assertEqual([p.name for p in vis], ['clip.mp4'])
        reader = cv2.VideoCapture(str(vis[0]))
        self.assertEqual(int(reader.get(cv2.CAP_PROP_FRAME_COUNT)), 2 * len(IMAGES))
        frames = json.loads(preds[0].read_text())
        self.assertEqual(len(frames), 2 * len(IMAGES))
        self.assertEqual(frames[0]['frame_id'], 0)

    def test_missing_inputs_are_named(self):
        with self.assertRaisesRegex(FileNotFoundError, 'nope.jpg'):
            infer('nope.jpg', str(self.config), str(self.checkpoint), str(self.tmp / 'x'))
        with self.assertRaisesRegex(FileNotFoundError, 'missing.pth: checkpoint not found'):
            infer(str(IMAGES[0]), str(self.config), str(self.tmp / 'missing.pth'), str(self.tmp / 'x'))


if __name__ == '__main__':
    unittest.main()
