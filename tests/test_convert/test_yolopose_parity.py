"""Parity with the YOLO-Pose reference (edgeai-yolov5, branch yolo-pose) on its own fixture.

``tests/data/yolopose-reference`` (see its README) holds a width-0.125 checkpoint in the
reference's released format and the reference's raw outputs, decoded outputs, NMS results,
targets and loss terms on two real images at 192. The checkpoint goes through our converter;
our model must then reproduce every array. Tolerances are docs/reference.md's; the README measures
float32 noise (float64 weights, fused Conv+BN) well below them, while a wrong channel layout,
stem order or decoding gives differences of tens to thousands of pixels (the negative controls
below show the tests see them).
"""
import tempfile
import unittest
from pathlib import Path
from unittest import mock

import numpy as np
import torch
from mmengine.config import Config
from mmengine.runner.checkpoint import load_checkpoint
from mmengine.structures import InstanceData
from mmpose.registry import MODELS
from mmpose.structures import PoseDataSample
from mmpose.utils import register_all_modules
from scipy.optimize import linear_sum_assignment

from lrfg_mmpose.convert import convert_yolopose_checkpoint
from lrfg_mmpose.convert.yolopose_checkpoint import ReferenceArchitecture, to_mmpose_state_dict
from lrfg_mmpose.structures import box_iou
from lrfg_mmpose.models.heads import PerAnchorLayout, collect_targets

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / 'tests' / 'data' / 'yolopose-reference'
SIZE = 192
# The reference's loss terms (ComputeLoss, each times its hyp gain as train.py scales it) and
# ours (YOLOPoseHead.loss, each times its gain from loss_gains() and the batch size):
#   lbox  (1 - CIoU, gain hyp_box)                  -> loss_bbox (gain from loss_weights.bbox)
#   lobj  (objectness BCE, level balance, hyp_obj)  -> loss_obj  (loss_weights.obj)
#   lkpt  (OKS keypoint loss, hyp_kpt)              -> loss_kpt  (loss_weights.kpt)
#   lkptv (keypoint-confidence BCE, gain hyp_cls)   -> loss_vis  (loss_weights.vis)
#   lcls  (class BCE; 0 with one class)             -> not computed (one class)
LOSS_NAMES = dict(loss_bbox=('loss_lbox', 'hyp_box'), loss_obj=('loss_lobj', 'hyp_obj'),
                  loss_kpt=('loss_lkpt', 'hyp_kpt'), loss_vis=('loss_lkptv', 'hyp_cls'))

def xywh_to_xyxy(b):
    return np.concatenate([b[..., :2] - b[..., 2:4] / 2, b[..., :2] + b[..., 2:4] / 2], -1)


def convert_and_build(tmp: Path, base_config=ROOT / 'configs' / 'lrfg_yolopose_coco.py'):
    """Convert the fixture checkpoint, build the config it writes, load the weights."""
    ckpt, cfg_path = tmp / 'ref.pth', tmp / 'ref_config.py'
    result = convert_yolopose_checkpoint(FIXTURE / 'yolov5s6_kpts_w0125_ref.pt', ckpt,
                                         base_config, cfg_path)
    register_all_modules()
    model = MODELS.build(Config.fromfile(str(cfg_path)).model)
    load_checkpoint(model, str(ckpt), map_location='cpu', strict=True)
    return result, model.eval(), ckpt


class TestReferenceParity(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.result, cls.model, cls.ckpt = convert_and_build(Path(cls.tmp.name))
        cls.ref = dict(np.load(FIXTURE / 'reference_outputs.npz'))
        with torch.no_grad():
            cls.feats = cls.model.extract_feat(torch.from_numpy(cls.ref['images']))
            cls.outputs = cls.model.head(cls.feats)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def fields(self, model=None, outputs=None):
        model, outputs = model or self.model, outputs or self.outputs
        return [model.head.layout.join(b, k).numpy() for b, k in zip(*outputs)]

    def test_converter_reads_the_architecture(self):
        arch = self.result.architecture
        self.assertEqual(self.result.source_key, 'model')  # the fixture's 'ema' is None
        self.assertEqual((arch.widen_factor, arch.deepen_factor), (0.125, 0.33))
        self.assertEqual(arch.in_channels, [32, 64, 96, 128])
        self.assertEqual(arch.stem_order, 'contract')
        self.assertIsNone(arch.size)  # no released model is this narrow
        self.assertEqual(self.result.num_parameters, 1010588)  # the README's count
        np.testing.assert_array_equal(np.array(arch.anchors, np.float32), self.ref['anchors_px'])
        self.assertTrue(self.result.anchors_differ)  # the yaml's anchors x 1.1
        torch.testing.assert_close(self.model.head.anchors, torch.from_numpy(self.ref['anchors_px']))

    def test_raw_outputs_every_level(self):
        for level, ours in enumerate(self.fields()):
            ref = self.ref[f'raw_p{level + 3}']
            self.assertEqual(ours.shape, ref.shape)
            self.assertLess(np.abs(ours - ref).max(), 1e-3, f'P{level + 3}')

    def test_decoded_boxes_keypoints_scores(self):
        with torch.no_grad():
            ours = self.model.head.decoder.decode(*self.outputs, self.model.head.anchors).numpy()  # (B, N, 5 + 3K) xyxy, score, kpts
        ref = self.ref['decoded']  # (B, N, 57) cx, cy, w, h, obj, cls, kpts
        self.assertEqual(ours.shape[:2], ref.shape[:2])
        self.assertLess(np.abs(ours[..., :4] - xywh_to_xyxy(ref[..., :4])).max(), 0.5)
        self.assertLess(np.abs(ours[..., 4] - ref[..., 4] * ref[..., 5]).max(), 1e-4)
        kpt_ours, kpt_ref = ours[..., 5:].reshape(2, -1, 17, 3), ref[..., 6:].reshape(2, -1, 17, 3)
        self.assertLess(np.abs(kpt_ours[..., :2] - kpt_ref[..., :2]).max(), 0.1)
        self.assertLess(np.abs(kpt_ours[..., 2] - kpt_ref[..., 2]).max(), 1e-4)

    def test_predict_returns_the_reference_nms_detections(self):
        samples = [PoseDataSample(metainfo=dict(input_size=(SIZE, SIZE))) for _ in range(2)]
        test_cfg = dict(score_thr=0.001, nms_thr=0.65, max_per_img=300)
        with torch.no_grad():
            preds = self.model.head.predict(self.feats, samples, test_cfg)
        for i, pred in enumerate(preds):
            ref = self.ref[f'nms_{i}']  # x1 y1 x2 y2, conf, cls, 17 x (x, y, conf)
            self.assertEqual(len(pred.bboxes), len(ref))
            ref_boxes = np.clip(ref[:, :4], 0, SIZE)  # we clip to the input, the reference not
            iou = box_iou(ref_boxes, pred.bboxes)
            rows, cols = linear_sum_assignment(-iou)
            self.assertGreater(iou[rows, cols].min(), 0.99)
            self.assertLess(np.abs(pred.bboxes[cols] - ref_boxes[rows]).max(), 0.5)
            self.assertLess(np.abs(pred.bbox_scores[cols] - ref[rows, 4]).max(), 1e-4)
            ref_kpts = ref[rows, 6:].reshape(-1, 17, 3)
            self.assertLess(np.abs(pred.keypoints[cols] - ref_kpts[..., :2]).max(), 0.1)
            self.assertLess(np.abs(pred.keypoint_scores[cols] - ref_kpts[..., 2]).max(), 1e-4)

    def ground_truth(self):
        samples = []
        for i in range(2):
            sel = self.ref['gt_img_inds'] == i
            sample = PoseDataSample(metainfo=dict(input_size=(SIZE, SIZE)))
            sample.gt_instance_labels = InstanceData(
                bboxes=torch.from_numpy(self.ref['gt_bboxes_xyxy'][sel]),
                keypoints=torch.from_numpy(self.ref['gt_keypoints'][sel]),
                keypoints_visible=torch.from_numpy(self.ref['gt_keypoints_visible'][sel]))
            samples.append(sample)
        return samples

    def test_assignment_positives_per_level(self):
        head = self.model.head
        img_inds, boxes, kpts, _ = collect_targets(self.ground_truth(), head.num_keypoints, 'cpu')
        counts = [len(head.assigner(img_inds, boxes, kpts, head.anchors[level], stride,
                                    (SIZE // stride, SIZE // stride)).img_inds)
                  for level, stride in enumerate(head.featmap_strides)]
        self.assertEqual(counts, self.ref['n_pos_per_level'].astype(int).tolist())

    def test_loss_gains_are_the_references_scaled_hyper_parameters(self):
        """hyp.scratch.yaml's gains scaled by train.py for 4 levels, 1 class, input 192."""
        gains = self.model.head.loss_gains((SIZE, SIZE))
        for ours, (_, hyp) in LOSS_NAMES.items():
            self.assertAlmostEqual(gains[ours[len('loss_'):]], float(self.ref[hyp]), places=7)

    def test_loss_terms_equal_the_reference(self):
        head = self.model.head
        raw = [torch.from_numpy(self.ref[f'raw_p{level}']) for level in (3, 4, 5, 6)]
        outputs = tuple(zip(*[head.layout.split(p) for p in raw]))
        with mock.patch.object(head, 'forward', return_value=outputs):
            losses = head.loss(None, self.ground_truth())  # the paper config's loss_weights
        batch = 2  # ours are summed over images, the reference's terms per image
        for ours, (ref_name, _) in LOSS_NAMES.items():
            ref = float(self.ref[ref_name])
            self.assertAlmostEqual(losses[ours].item() / batch, ref, delta=1e-5 * ref, msg=ours)
        self.assertEqual(float(self.ref['loss_lcls']), 0.0)
        total = sum(v.item() for v in losses.values())
        self.assertAlmostEqual(total, float(self.ref['loss_total']),
                               delta=1e-5 * float(self.ref['loss_total']))

    def test_negative_controls_the_checks_see_layout_and_stem_errors(self):
        """The same weights read in the other layout, or with mmdet's stem order, are far
        outside the tolerances above."""
        ref = self.ref['raw_p3']
        head = self.model.head
        per_anchor = PerAnchorLayout(head.num_anchors, head.num_box_out, head.num_keypoints)
        per_anchor = per_anchor.join(self.outputs[0][0], self.outputs[1][0]).numpy()
        self.assertGreater(np.abs(per_anchor - ref).max(), 1.0)

        arch = ReferenceArchitecture(**{**self.result.architecture.__dict__, 'stem_order': 'focus'})
        from lrfg_mmpose.convert import load_reference_checkpoint
        tensors = load_reference_checkpoint(FIXTURE / 'yolov5s6_kpts_w0125_ref.pt')['model'].tensors()
        wrong_stem = to_mmpose_state_dict(tensors, arch)
        model = MODELS.build(Config.fromfile(str(self.result.out_config)).model).eval()
        model.load_state_dict(wrong_stem)
        with torch.no_grad():
            outputs = model.head(model.extract_feat(torch.from_numpy(self.ref['images'])))
        self.assertGreater(np.abs(self.fields(model, outputs)[0] - ref).max(), 1e-2)


if __name__ == '__main__':
    unittest.main()
