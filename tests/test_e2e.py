"""End to end through MMPose: real embedded images, BottomupPoseEstimator, CocoMetric."""
import copy
import json
import tempfile
import unittest
from unittest import mock
from pathlib import Path

import torch
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.optim import build_optim_wrapper
from mmengine.registry import init_default_scope
from mmpose.registry import DATASETS, METRICS, MODELS

from lrfg_mmpose.datasets import fixed_train_pipeline, val_pipeline, write_coco_subset
from tests.helpers import gt_in_input_space, perfect_outputs

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / 'data' / 'coco-mini'
SIZE = 256


def tiny_cfg():
    """The mini config with a narrow full model (SCA + FGCSPP + implicit/Ghost on)."""
    cfg = Config.fromfile(str(ROOT / 'configs' / 'lrfg_yolopose_coco-mini.py'))
    widths = [32, 64, 96, 128]
    cfg.model.backbone.widen_factor = 0.125
    cfg.model.neck.in_channels = widths
    cfg.model.head.in_channels = widths
    return cfg


def subset(split: str, num_images: int, out_dir: Path, one_person: bool = False) -> Path:
    """COCO json of the first images with a keypoint-annotated person (only one if asked)."""
    return write_coco_subset(DATA / 'annotations' / f'person_keypoints_{split}.json', num_images,
                             out_dir / f'{split}_{num_images}.json', 1 if one_person else None)


def dataset(cfg_loader, ann_file: Path, img_dir: str, pipeline):
    ds_cfg = copy.deepcopy(cfg_loader.dataset)
    ds_cfg.update(data_root='', ann_file=str(ann_file), data_prefix=dict(img=str(DATA / img_dir) + '/'),
                  pipeline=pipeline)
    return DATASETS.build(ds_cfg)


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
        return dataset(cfg.val_dataloader, ann_file, 'val2017', val_pipeline((SIZE, SIZE)))

    def test_training_steps_lower_the_loss(self):
        for layout in ('reference', 'per_anchor'):  # the paper configs' and the CPU config's
            with self.subTest(channel_layout=layout):
                self._check_training_lowers_the_loss(layout)

    def _check_training_lowers_the_loss(self, layout):
        torch.manual_seed(0)
        cfg = tiny_cfg()
        cfg.model.head.channel_layout = layout
        pipeline = fixed_train_pipeline((SIZE, SIZE))
        ds = dataset(cfg.train_dataloader, subset('train2017', 2, self.tmp_dir), 'train2017', pipeline)
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
        ann = subset('val2017', 3, self.tmp_dir, one_person=True)
        ds = self.val_dataset(cfg, ann)
        model = MODELS.build(cfg.model).eval()
        metric = METRICS.build(dict(cfg.val_evaluator, ann_file=str(ann),
                                    outfile_prefix=str(self.tmp_dir / 'perfect')))
        metric.dataset_meta = ds.metainfo
        coco = json.loads(ann.read_text())
        for idx in range(len(ds)):
            data = model.data_preprocessor(pseudo_collate([ds[idx]]), False)
            sample = data['data_samples'][0]
            meta = sample.metainfo
            anns = [a for a in coco['annotations']
                    if a['image_id'] == meta['img_id'] and a['num_keypoints'] > 0]
            boxes, kpts, vis = gt_in_input_space(meta, anns)
            outputs = perfect_outputs(model.head, boxes, kpts, vis, data['inputs'].shape[2:])
            with mock.patch.object(model.head, 'forward', return_value=outputs):
                preds = model.head.predict(None, data['data_samples'], cfg.model.test_cfg)
            results = model.add_pred_to_datasample(preds, None, data['data_samples'])
            metric.process([], [r.to_dict() for r in results])
        ap = metric.evaluate(len(ds))['coco/AP']
        self.assertAlmostEqual(ap, 1.0, places=3)

    def test_predict_of_a_model_is_accepted_by_cocometric(self):
        cfg = tiny_cfg()
        ann = subset('val2017', 2, self.tmp_dir)
        ds = self.val_dataset(cfg, ann)
        model = MODELS.build(cfg.model)
        model.init_weights()
        model.eval()
        metric = METRICS.build(dict(cfg.val_evaluator, ann_file=str(ann),
                                    outfile_prefix=str(self.tmp_dir / 'model')))
        metric.dataset_meta = ds.metainfo
        for idx in range(len(ds)):
            with torch.no_grad():
                results = model.test_step(pseudo_collate([ds[idx]]))
            pred = results[0].pred_instances
            self.assertEqual(pred.keypoints.shape[1:], (17, 2))
            self.assertEqual(pred.keypoint_scores.shape, pred.keypoints.shape[:2])
            self.assertEqual(pred.bboxes.shape[1:], (4, ))
            metric.process([], [r.to_dict() for r in results])
        metrics = metric.evaluate(len(ds))
        self.assertIn('coco/AP', metrics)
        self.assertGreaterEqual(metrics['coco/AP'], 0.0)
        self.assertLessEqual(metrics['coco/AP'], 1.0)


if __name__ == '__main__':
    unittest.main()
