"""End to end through MMPose: real embedded images, BottomupPoseEstimator, CocoMetric."""
import json
import tempfile
import unittest
from pathlib import Path

import pytest
import torch
from mmengine.dataset import pseudo_collate
from mmengine.optim import build_optim_wrapper
from mmengine.registry import init_default_scope
from mmpose.registry import METRICS, MODELS

from lrfg_mmpose.datasets import fixed_train_pipeline, val_pipeline
from tests.helpers import build_dataset, coco_subset, perfect_outputs_ap, tiny_cfg

SIZE = 256


class TestEndToEnd(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        init_default_scope('mmpose')
        cls.tmp = tempfile.TemporaryDirectory()
        cls.tmp_dir = Path(cls.tmp.name)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def val_dataset(self, cfg, ann_file):
        return build_dataset(cfg.val_dataloader, ann_file, 'val2017', val_pipeline((SIZE, SIZE)))

    @pytest.mark.slow  # 2 x 40 training steps
    def test_training_steps_lower_the_loss(self):
        for layout in ('reference', 'per_anchor'):  # the paper configs' and the CPU config's
            with self.subTest(channel_layout=layout):
                self._check_training_lowers_the_loss(layout)

    def _check_training_lowers_the_loss(self, layout):
        torch.manual_seed(0)
        cfg = tiny_cfg()
        cfg.model.head.channel_layout = layout
        pipeline = fixed_train_pipeline((SIZE, SIZE))
        ds = build_dataset(cfg.train_dataloader, coco_subset('train2017', 2, self.tmp_dir), 'train2017',
                           pipeline)
        batch = pseudo_collate([ds[0], ds[1]])
        model = MODELS.build(cfg.model)
        model.init_weights()
        optim = build_optim_wrapper(model, dict(optimizer=dict(type='AdamW', lr=5e-3)))
        logs = [{k: v.item() for k, v in model.train_step(batch, optim).items()} for _ in range(40)]
        first, last = logs[0], logs[-1]
        self.assertTrue(all(torch.isfinite(torch.tensor(list(log.values()))).all() for log in logs))
        self.assertLess(last['loss'], 0.8 * first['loss'])
        self.assertLess(last['loss_bbox'], 0.6 * first['loss_bbox'])
        self.assertLess(last['loss_kpt'], 0.85 * first['loss_kpt'])
        self.assertLess(last['loss_vis'], 0.6 * first['loss_vis'])

    def test_perfect_head_output_scores_ap_one_through_cocometric(self):
        """Ground truth made into raw head outputs goes through predict(), MMPose's
        input->image mapping and CocoMetric: AP must be 1."""
        cfg = tiny_cfg()
        ann = coco_subset('val2017', 3, self.tmp_dir, one_person=True)
        ds = self.val_dataset(cfg, ann)
        model = MODELS.build(cfg.model).eval()
        ap = perfect_outputs_ap(model, ds, ann, cfg)
        self.assertAlmostEqual(ap, 1.0, places=3)

    def test_predict_of_a_model_is_accepted_by_cocometric(self):
        cfg = tiny_cfg()
        ann = coco_subset('val2017', 2, self.tmp_dir)
        ds = self.val_dataset(cfg, ann)
        model = MODELS.build(cfg.model)
        model.init_weights()
        model.eval()
        metric = METRICS.build(dict(cfg.val_evaluator, ann_file=str(ann),
                                    outfile_prefix=str(self.tmp_dir / 'model')))
        metric.dataset_meta = ds.metainfo
        counts = {}  # people predicted per image
        for idx in range(len(ds)):
            with torch.no_grad():
                results = model.test_step(pseudo_collate([ds[idx]]))
            pred = results[0].pred_instances
            counts[results[0].img_id] = len(pred.keypoints)
            self.assertEqual(pred.keypoints.shape[1:], (17, 2))
            self.assertEqual(pred.keypoint_scores.shape, pred.keypoints.shape[:2])
            self.assertEqual(pred.bboxes.shape[1:], (4, ))
            metric.process([], [r.to_dict() for r in results])
        metrics = metric.evaluate(len(ds))
        # A random-weight model scores nothing (a metric that compared the ground truth with
        # itself, or ignored our predictions, would give 1 or fail).
        self.assertLess(metrics['coco/AP'], 0.05)
        # CocoMetric's results file holds every predicted person (nms_mode='none'), 17 x (x, y, v).
        results = json.loads((self.tmp_dir / 'model.keypoints.json').read_text())
        per_image = {}
        for r in results:
            self.assertEqual(len(r['keypoints']), 51)
            per_image[r['image_id']] = per_image.get(r['image_id'], 0) + 1
        self.assertEqual(per_image, counts)
        self.assertEqual(set(counts), {i['id'] for i in json.loads(ann.read_text())['images']})


if __name__ == '__main__':
    unittest.main()
