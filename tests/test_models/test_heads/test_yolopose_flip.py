"""Flip test of YOLOPoseHead: un-flipping hand-checked, the two views merged as documented, and
the whole path through MMPose's BottomupPoseEstimator mirror-symmetric."""
import unittest
from unittest import mock

import numpy as np
import torch
from mmengine.registry import init_default_scope
from mmpose.registry import MODELS
from mmpose.structures import PoseDataSample

from lrfg_mmpose.models.heads import YOLOPoseHead
from lrfg_mmpose.models.heads.yolopose_flip import mirror_boxes, mirror_keypoints
from tests.helpers import perfect_outputs, tiny_cfg

H, W = 192, 256  # not square, so that a flip about the height would show
K = 17
CHANNELS = (8, 16, 24, 32)


def feats(batch=1):
    return [torch.zeros(batch, c, H // s, W // s) for c, s in zip(CHANNELS, (8, 16, 32, 64))]


def one_person(dx=0.0):
    box = torch.tensor([[60. + dx, 40., 120. + dx, 170.]])
    kpts = torch.stack([torch.linspace(65, 115, K) + dx, torch.linspace(45, 165, K)], 1)[None]
    return box, kpts, torch.ones(1, K)


COCO_FLIP = [0, 2, 1, 4, 3, 6, 5, 8, 7, 10, 9, 12, 11, 14, 13, 16, 15]  # left <-> right


def mirrored(box, kpts):
    """What the network sees of this person in the mirrored input (written out here, apart from
    the code under test): x -> W - x, left and right keypoints traded."""
    fbox = torch.stack([W - box[:, 2], box[:, 1], W - box[:, 0], box[:, 3]], 1)
    fkpts = kpts[:, COCO_FLIP].clone()
    fkpts[..., 0] = W - fkpts[..., 0]
    return fbox, fkpts


class TestFlipTest(unittest.TestCase):

    def setUp(self):
        self.head = YOLOPoseHead(in_channels=CHANNELS).eval()
        self.samples = [PoseDataSample(metainfo=dict(input_size=(W, H)))]

    def test_mirror_hand_computed(self):
        torch.testing.assert_close(mirror_boxes(torch.tensor([[10., 20., 30., 40.]]), 100),
                                   torch.tensor([[70., 20., 90., 40.]]))
        # three keypoints: nose (0) stays, left (1) and right (2) trade places
        kpts = torch.tensor([[[50., 5., .9], [20., 6., .8], [70., 7., .7]]])
        torch.testing.assert_close(mirror_keypoints(kpts, 100, [0, 2, 1]),
                                   torch.tensor([[[50., 5., .9], [30., 7., .7], [80., 6., .8]]]))
        self.assertEqual(self.head.flip_indices, COCO_FLIP)  # from the meta file

    def predict(self, orig, flip, **cfg):
        outs = [perfect_outputs(self.head, *orig, (H, W)),
                perfect_outputs(self.head, *flip, (H, W))]
        with mock.patch.object(self.head, 'forward', side_effect=outs):
            return self.head.predict([feats(), feats()], self.samples,
                                     dict(flip_test=True, score_thr=0.5, **cfg))[0]

    def test_two_views_of_one_person_are_averaged(self):
        """The mirrored view sees the person 4 px to the right once un-flipped: the average is
        2 px to the right, keypoints in the original order."""
        box, kpts, vis = one_person()
        fbox, fkpts = mirrored(*one_person(dx=4.0)[:2])
        people = self.predict((box, kpts, vis), (fbox, fkpts, vis))
        self.assertEqual(len(people.scores), 1)
        want_box, want_kpts, _ = one_person(dx=2.0)
        np.testing.assert_allclose(people.bboxes, want_box.numpy(), atol=1e-3)
        np.testing.assert_allclose(people.keypoints, want_kpts.numpy(), atol=1e-3)
        self.assertTrue((people.keypoint_scores > 0.99).all())

    def test_nms_merge_keeps_one_view(self):
        box, kpts, vis = one_person()
        fbox, fkpts = mirrored(*one_person(dx=4.0)[:2])
        people = self.predict((box, kpts, vis), (fbox, fkpts, vis), flip_merge='nms')
        self.assertEqual(len(people.scores), 1)
        dx = people.keypoints[0, :, 0] - kpts[0, :, 0].numpy()
        self.assertTrue(np.allclose(dx, 0, atol=1e-3) or np.allclose(dx, 4, atol=1e-3), dx)

    def test_person_seen_in_one_view_only_is_kept_as_seen(self):
        box, kpts, vis = one_person()
        none = (torch.zeros(0, 4), torch.zeros(0, K, 2), torch.zeros(0, K))
        for orig, flip in (((box, kpts, vis), none),
                           (none, (*mirrored(box, kpts), vis))):
            people = self.predict(orig, flip)
            self.assertEqual(len(people.scores), 1)
            np.testing.assert_allclose(people.keypoints, kpts.numpy(), atol=1e-3)

    def test_bad_inputs_are_refused_in_one_line(self):
        with self.assertRaisesRegex(ValueError, r'\[feats, feats_flip\]'):
            self.head.predict(feats(), self.samples, dict(flip_test=True))
        with self.assertRaisesRegex(ValueError, 'flip_merge'):
            self.head.predict([feats(), feats()], self.samples,
                              dict(flip_test=True, flip_merge='mean'))


class TestFlipTestThroughMMPose(unittest.TestCase):

    def test_bottomup_estimator_flip_test_is_mirror_symmetric(self):
        """MMPose's BottomupPoseEstimator with test_cfg.flip_test=True: an image and its mirror
        give mirrored people (the same two views, swapped), for both merges."""
        init_default_scope('mmpose')
        torch.manual_seed(0)
        cfg = tiny_cfg()
        model = MODELS.build(cfg.model).eval()
        image = torch.randn(1, 3, H, W)  # as the data preprocessor gives it
        meta = dict(input_size=(W, H), input_center=np.array([W / 2, H / 2]),
                    input_scale=np.array([W, H], dtype=np.float32))
        for merge in ('average', 'nms'):
            model.test_cfg = dict(cfg.model.test_cfg, flip_test=True, flip_merge=merge,
                                  score_thr=0.005, max_per_img=20)
            with torch.no_grad():
                a, b = (model.predict(x, [PoseDataSample(metainfo=meta)])[0].pred_instances
                        for x in (image, image.flip(-1)))
            self.assertGreater(len(a.scores), 0)
            self.assertEqual(len(a.scores), len(b.scores))
            np.testing.assert_allclose(a.bbox_scores, b.bbox_scores, rtol=1e-4)
            np.testing.assert_allclose(
                a.keypoints, mirror_keypoints(torch.as_tensor(np.concatenate(
                    [b.keypoints, b.keypoint_scores[..., None]], -1)), W,
                    model.head.flip_indices)[..., :2].numpy(), atol=1e-2)


if __name__ == '__main__':
    unittest.main()
