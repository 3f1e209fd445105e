import math
import unittest
from unittest import mock

import torch
from mmengine.structures import InstanceData
from mmpose.structures import PoseDataSample

from lrfg_mmpose.models.heads import YOLOPoseHead
from tests.helpers import num_params, perfect_outputs, person

INPUT = 256  # input size used by these tests
STRIDES = (8, 16, 32, 64)
K = 17


def make_sample(bboxes, keypoints, visible):
    sample = PoseDataSample(metainfo=dict(input_size=(INPUT, INPUT)))
    sample.gt_instance_labels = InstanceData(
        bboxes=torch.as_tensor(bboxes, dtype=torch.float32).reshape(-1, 4),
        keypoints=torch.as_tensor(keypoints, dtype=torch.float32).reshape(-1, K, 2),
        keypoints_visible=torch.as_tensor(visible, dtype=torch.float32).reshape(-1, K))
    return sample


class TestYOLOPoseHead(unittest.TestCase):

    def test_params_match_design(self):
        # box convs 23,112 + keypoint branches 2,751,332; implicit adds 1,280 + 4 x 18.
        for layout in ('reference', 'per_anchor'):
            self.assertEqual(num_params(YOLOPoseHead(use_implicit=False, channel_layout=layout)),
                             2774444)
            self.assertEqual(num_params(YOLOPoseHead(use_implicit=True, channel_layout=layout)),
                             2774444 + 1352)

    def test_layout_is_saved_checked_on_load_and_kept_by_ema(self):
        from mmpose.engine.hooks.ema_hook import ExpMomentumEMA
        ref = YOLOPoseHead(in_channels=(8, 16, 24, 32), channel_layout='reference')
        per_anchor = YOLOPoseHead(in_channels=(8, 16, 24, 32), channel_layout='per_anchor')
        self.assertEqual(ref.state_dict()['channel_layout_code'].item(), 0)
        self.assertEqual(per_anchor.state_dict()['channel_layout_code'].item(), 1)
        with self.assertRaisesRegex(ValueError, "trained with channel_layout='per_anchor'"):
            ref.load_state_dict(per_anchor.state_dict())
        ref.load_state_dict(YOLOPoseHead(in_channels=(8, 16, 24, 32)).state_dict())
        # MMEngine's EMA (update_buffers=True, as the paper config) runs over every state entry.
        ema = ExpMomentumEMA(per_anchor, momentum=0.5, update_buffers=True)
        for _ in range(3):
            ema.update_parameters(per_anchor)
        self.assertEqual(ema.module.channel_layout_code.item(), 1)

    def test_prior_biases_where_each_layout_puts_them(self):
        torch.manual_seed(0)
        for layout in ('reference', 'per_anchor'):
            head = YOLOPoseHead(in_channels=(8, 16, 24, 32), channel_layout=layout)
            head.init_weights()
            for level, stride in enumerate(STRIDES):
                box_conv, kpt_conv = head.box_convs[level], head.kpt_convs[level][-1]
                bound = 1 / math.sqrt(box_conv.in_channels)
                obj_prior = math.log(8 / (640 / stride)**2)
                cls_prior = math.log(0.6 / 0.01)
                fields = head.layout.join(box_conv.bias.view(1, -1, 1, 1),
                                           kpt_conv.bias.view(1, -1, 1, 1))[0, :, 0, 0]
                if layout == 'reference':
                    # Box-conv biases read as (3, 6): the priors land on channels 4/10/16
                    # (obj) and 5/11/17 (cls), i.e. anchor 0's obj and cls and keypoint
                    # fields 10, 11, 16, 17 of anchor 0; all else keeps PyTorch's default
                    # U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
                    rest = torch.ones(18, dtype=torch.bool)
                    rest[[4, 5, 10, 11, 16, 17]] = False
                    b = box_conv.bias.detach()
                    self.assertTrue(((b[[4, 10, 16]] - obj_prior).abs() <= bound).all())
                    self.assertTrue(((b[[5, 11, 17]] - cls_prior).abs() <= bound).all())
                    self.assertTrue((b[rest].abs() <= bound).all() and (b[rest] != 0).all())
                    self.assertTrue((fields[1:, 4].abs() <= bound).all())  # anchors 1, 2: no prior
                    kb = kpt_conv.bias.detach()
                    self.assertTrue((kb.abs() <= 1 / math.sqrt(kpt_conv.in_channels)).all())
                    self.assertTrue((kb != 0).all())
                else:
                    torch.testing.assert_close(fields[:, 4], torch.full((3, ), obj_prior))
                    torch.testing.assert_close(fields[:, 5], torch.full((3, ), cls_prior))
                    self.assertEqual(fields[:, :4].abs().sum().item(), 0)
                    self.assertEqual(fields[:, 6:].abs().sum().item(), 0)

    def test_forward_shapes(self):
        head = YOLOPoseHead(in_channels=(8, 16, 24, 32))
        feats = [torch.randn(2, c, INPUT // s, INPUT // s) for c, s in zip((8, 16, 24, 32), STRIDES)]
        box_outs, kpt_outs = head(feats)
        for b, k, s in zip(box_outs, kpt_outs, STRIDES):
            self.assertEqual(b.shape, (2, 3 * 6, INPUT // s, INPUT // s))
            self.assertEqual(k.shape, (2, 3 * 51, INPUT // s, INPUT // s))

    def test_objectness_and_visibility_losses_come_from_the_config(self):
        """loss_obj and loss_vis are registry dicts (YOLOPoseBCELoss by default; MMPose's BCELoss
        fits too): a weight of 0 in the config zeroes its term and leaves the others as they
        were."""
        torch.manual_seed(0)
        feats = [torch.randn(1, c, INPUT // s, INPUT // s) for c, s in zip((8, 16, 24, 32), STRIDES)]
        samples = [make_sample(*person())]
        default = YOLOPoseHead(in_channels=(8, 16, 24, 32))
        self.assertEqual(type(default.loss_obj).__name__, 'YOLOPoseBCELoss')
        base = default.loss(feats, samples)
        self.assertGreater(base['loss_obj'].item(), 0)
        self.assertGreater(base['loss_vis'].item(), 0)
        off = dict(type='YOLOPoseBCELoss', loss_weight=0.0)
        head = YOLOPoseHead(in_channels=(8, 16, 24, 32), loss_obj=off, loss_vis=off)
        head.load_state_dict(default.state_dict())
        losses = head.loss(feats, samples)
        self.assertEqual((losses['loss_obj'].item(), losses['loss_vis'].item()), (0.0, 0.0))
        torch.testing.assert_close(losses['loss_kpt'], base['loss_kpt'])
        torch.testing.assert_close(losses['loss_bbox'], base['loss_bbox'])

    def test_kpt_l1_loss_is_opt_in(self):
        torch.manual_seed(0)
        feats = [torch.randn(1, c, INPUT // s, INPUT // s) for c, s in zip((8, 16, 24, 32), STRIDES)]
        samples = [make_sample(*person())]
        paper = YOLOPoseHead(in_channels=(8, 16, 24, 32))
        self.assertNotIn('loss_kpt_l1', paper.loss(feats, samples))
        weights = dict(paper.loss_weights, kpt_l1=0.1)
        head = YOLOPoseHead(in_channels=(8, 16, 24, 32), loss_weights=weights)
        head.load_state_dict(paper.state_dict())
        losses = head.loss(feats, samples)
        self.assertGreater(losses['loss_kpt_l1'].item(), 0)
        torch.testing.assert_close(losses['loss_kpt'], paper.loss(feats, samples)['loss_kpt'])

    def test_perfect_prediction_decodes_to_person_and_zero_loss(self):
        for layout in ('reference', 'per_anchor'):
            with self.subTest(layout=layout):
                self._check_perfect_prediction(layout)

    def _check_perfect_prediction(self, layout):
        head = YOLOPoseHead(in_channels=(8, 16, 24, 32), channel_layout=layout)
        box, kpts, vis = person()
        outputs = perfect_outputs(head, box, kpts, vis, (INPUT, INPUT))
        sample = make_sample(box, kpts, vis)
        with mock.patch.object(head, 'forward', return_value=outputs):
            preds = head.predict(None, [sample], dict(score_thr=0.5, nms_thr=0.65))
            losses = head.loss(None, [sample])
        self.assertEqual(len(preds), 1)
        pred = preds[0]
        self.assertEqual(len(pred.bboxes), 1)
        torch.testing.assert_close(torch.from_numpy(pred.bboxes), box, atol=1e-3, rtol=0)
        torch.testing.assert_close(torch.from_numpy(pred.keypoints), kpts, atol=1e-3, rtol=0)
        self.assertEqual(pred.keypoints.shape, (1, K, 2))
        self.assertEqual(pred.keypoint_scores.shape, (1, K))
        self.assertLess(pred.keypoint_scores[0, 3], 1e-4)  # the unlabelled keypoint
        self.assertGreater(pred.bbox_scores[0], 0.99)
        self.assertLess(losses['loss_bbox'].item(), 1e-5)
        self.assertLess(losses['loss_kpt'].item(), 1e-6)
        self.assertEqual(set(losses), {'loss_bbox', 'loss_obj', 'loss_kpt', 'loss_vis'})

    def test_loss_gradients_and_empty_images(self):
        torch.manual_seed(0)
        head = YOLOPoseHead(in_channels=(8, 16, 24, 32))
        head.init_weights()
        feats = [torch.randn(2, c, INPUT // s, INPUT // s) for c, s in zip((8, 16, 24, 32), STRIDES)]
        box, kpts, vis = person()
        samples = [make_sample(box, kpts, vis), make_sample(torch.zeros(0, 4), torch.zeros(0, K, 2),
                                                            torch.zeros(0, K))]
        losses = head.loss(feats, samples)
        total = sum(losses.values())
        self.assertTrue(torch.isfinite(total))
        total.backward()
        for name, p in head.named_parameters():
            self.assertIsNotNone(p.grad, name)
            self.assertTrue(torch.isfinite(p.grad).all(), name)
        # A batch without any person: only objectness, no NaN.
        empty = [make_sample(torch.zeros(0, 4), torch.zeros(0, K, 2), torch.zeros(0, K))]
        losses = head.loss([f[:1] for f in feats], empty)
        self.assertGreater(losses['loss_obj'].item(), 0)
        self.assertEqual(losses['loss_bbox'].item(), 0)
        self.assertTrue(all(torch.isfinite(v) for v in losses.values()))

    def test_switch_to_deploy_folds_implicit(self):
        torch.manual_seed(0)
        head = YOLOPoseHead(in_channels=(8, 16, 24, 32), use_implicit=True).eval()
        for m in list(head.implicit_a) + list(head.implicit_m):
            m.implicit.data.normal_(0.5, 0.3)
        feats = [torch.randn(1, c, INPUT // s, INPUT // s) for c, s in zip((8, 16, 24, 32), STRIDES)]
        with torch.no_grad():
            before = head(feats)
            head.switch_to_deploy(None)
            after = head(feats)
        self.assertFalse(hasattr(head, 'implicit_a'))
        for b, a in zip(before[0] + before[1], after[0] + after[1]):
            torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-5)


if __name__ == '__main__':
    unittest.main()
