"""Bad input gets a clear error naming the file; unusual but valid COCO trains and evaluates."""
import copy
import json
import shutil
import tempfile
import unittest
from pathlib import Path
from unittest import mock

import numpy as np
import torch
from mmengine.dataset import pseudo_collate
from mmengine.registry import init_default_scope
from mmpose.registry import DATASETS, METRICS, MODELS, TRANSFORMS

from lrfg_mmpose.datasets import DatasetError, check_coco_keypoints
from tests.helpers import DATA, gt_in_input_space, perfect_outputs, tiny_cfg

SIZE = 256
CROWD_IMG, NO_KPT_IMG, EMPTY_IMG = 433998, 125870, 54718


def unusual_coco(out: Path) -> Path:
    """Real records: image 433998 with one keypoint person, one person without keypoints and
    a crowd region; image 125870 whose only person has no keypoints; image 54718 with no
    person at all."""
    coco = json.loads((DATA / 'annotations' / 'person_keypoints_train2017.json').read_text())
    anns = [a for a in coco['annotations'] if a['image_id'] == CROWD_IMG]
    keep = [next(a for a in anns if a['num_keypoints'] == 16),
            next(a for a in anns if a['num_keypoints'] == 0 and not a['iscrowd']),
            next(a for a in anns if a['iscrowd'])]
    keep += [a for a in coco['annotations'] if a['image_id'] == NO_KPT_IMG]
    images = [i for i in coco['images'] if i['id'] in (CROWD_IMG, NO_KPT_IMG, EMPTY_IMG)]
    path = out / 'unusual.json'
    path.write_text(json.dumps(dict(coco, images=images, annotations=keep)))
    return path


class TestBadInput(unittest.TestCase):

    def setUp(self):
        self.tmp = Path(tempfile.mkdtemp())
        self.addCleanup(shutil.rmtree, self.tmp)
        self.ann = unusual_coco(self.tmp)
        self.img_dir = self.tmp / 'images'
        self.img_dir.mkdir()
        for img in json.loads(self.ann.read_text())['images']:
            shutil.copy(DATA / 'train2017' / img['file_name'], self.img_dir)

    def test_valid_unusual_coco_passes_the_check(self):
        check = check_coco_keypoints(self.ann, self.img_dir)
        self.assertEqual(check.stats, dict(images=3, people=4, with_keypoints=1,
                                           without_keypoints=3, crowd=1, images_without_people=1))
        self.assertTrue(check.ok)
        self.assertEqual(check.lines(), [])

    def test_missing_and_corrupt_images_are_named_together(self):
        (self.img_dir / '000000054718.jpg').unlink()
        (self.img_dir / '000000125870.jpg').write_bytes(b'not a jpeg at all')
        check = check_coco_keypoints(self.ann, self.img_dir)
        self.assertFalse(check.ok)
        self.assertEqual(sorted(Path(p).name for p in check.bad_images),
                         ['000000054718.jpg', '000000125870.jpg'])
        lines = '\n'.join(check.lines())
        self.assertRegex(lines, r'000000054718.jpg: missing \(no such file\)')
        self.assertRegex(lines, r"000000125870.jpg: not an image \(the file begins with b'not a jp")
        # MMPose's own loader names the file too, but stops at the first.
        load = TRANSFORMS.build(dict(type='LoadImage'))
        with self.assertRaisesRegex(Exception, '000000054718.jpg'):
            load(dict(img_path=str(self.img_dir / '000000054718.jpg')))

    def test_annotation_files_that_are_not_coco_keypoints(self):
        bad = self.tmp / 'bad.json'
        coco = json.loads(self.ann.read_text())
        instances = copy.deepcopy(coco)
        instances['categories'][0].pop('keypoints')
        short = copy.deepcopy(coco)
        short['annotations'][0]['keypoints'] = short['annotations'][0]['keypoints'][:30]
        cases = [('{"images": [', 'not valid JSON'), ('[1, 2]', 'top level is a list'),
                 ('{"images": []}', 'missing COCO keys'),
                 (json.dumps(instances), 'instances_'),
                 (json.dumps(short), '30 keypoint values, but the dataset\'s metainfo has 17')]
        for text, message in cases:
            with self.subTest(message=message):
                bad.write_text(text)
                with self.assertRaisesRegex(DatasetError, f'bad.json: .*{message}'):
                    check_coco_keypoints(bad)
        with self.assertRaisesRegex(DatasetError, 'nope.json: annotation file not found'):
            check_coco_keypoints(self.tmp / 'nope.json')

    def test_bad_records_are_counted_not_fatal(self):
        coco = json.loads(self.ann.read_text())
        coco['annotations'][0]['image_id'] = 1
        coco['annotations'][1]['bbox'][2] = 0
        bad = self.tmp / 'records.json'
        bad.write_text(json.dumps(coco))
        check = check_coco_keypoints(bad)
        self.assertEqual(dict(check.annotations.counts), dict(no_image=1, empty_box=1))
        self.assertEqual(check.stats['people'], len(coco['annotations']) - 2)


class TestUnusualCocoTrainsAndEvaluates(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        init_default_scope('mmpose')
        cls.tmp = Path(tempfile.mkdtemp())
        cls.ann = unusual_coco(cls.tmp)
        cls.cfg = tiny_cfg()

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp)

    def build(self, loader, test_mode):
        ds_cfg = copy.deepcopy(loader.dataset)
        pipeline = copy.deepcopy(ds_cfg.pipeline)
        for t in pipeline:
            if 'input_size' in t:
                t['input_size'] = (SIZE, SIZE)
        ds_cfg.update(data_root='', ann_file=str(self.ann), pipeline=pipeline, test_mode=test_mode,
                      data_prefix=dict(img=str(DATA / 'train2017') + '/'))
        return DATASETS.build(ds_cfg)

    def test_training(self):
        loader = copy.deepcopy(self.cfg.train_dataloader)
        loader.dataset.image_set = 'all'  # MMPose's: every annotated image
        ds = self.build(loader, test_mode=False)
        ids = [ds.get_data_info(i)['img_id'] for i in range(len(ds))]
        self.assertEqual(sorted(ids), sorted([CROWD_IMG, NO_KPT_IMG]))  # no-person image: skipped
        crowd = ds.pipeline(ds.get_data_info(ids.index(CROWD_IMG)))
        # With MMPose's FilterAnnotations(by_kpt) (the CPU config, as MMPose's YOLOX-Pose) only
        # the keypoint person is a target: the crowd region and the unlabelled person are dropped.
        self.assertEqual(len(crowd['data_samples'].gt_instance_labels.bboxes), 1)
        # An image whose people all lack keypoints trains as background (keep_empty=False).
        no_kpt = ds.pipeline(ds.get_data_info(ids.index(NO_KPT_IMG)))
        self.assertEqual(len(no_kpt['data_samples'].gt_instance_labels.bboxes), 0)
        model = MODELS.build(self.cfg.model)
        model.init_weights()
        losses = model.loss(*model.data_preprocessor(pseudo_collate([crowd, no_kpt]), True).values())
        self.assertTrue(all(torch.isfinite(v) for v in losses.values()))
        self.assertGreater(losses['loss_kpt'].item(), 0)

        # The reference's set ('keypoints', the configs' default) leaves out the image without a
        # keypoint person and drops crowd annotations; without the by_kpt filter (the paper
        # configs) the person without keypoints stays a box and objectness target, with no
        # keypoint loss, as in the reference.
        ds = self.build(self.cfg.train_dataloader, test_mode=False)
        self.assertEqual([ds.get_data_info(i)['img_id'] for i in range(len(ds))], [CROWD_IMG])
        transforms = [t for t in ds.pipeline.transforms if type(t).__name__ != 'FilterAnnotations']
        names = [type(t).__name__ for t in transforms]
        before, after = transforms[:names.index('GenerateTarget')], \
            transforms[names.index('GenerateTarget'):]

        def run(ts, sample):
            for t in ts:
                sample = t(sample)
            return sample

        def people(sample, keep):
            sample = copy.deepcopy(sample)
            for key in ('bbox', 'bbox_score', 'keypoints', 'keypoints_visible', 'area'):
                sample[key] = sample[key][keep]
            sample['category_id'] = [c for c, k in zip(sample['category_id'], keep) if k]
            return run(after, sample)

        sample = run(before, ds.get_data_info(0))
        labelled = sample['keypoints_visible'].reshape(len(sample['bbox']), -1).sum(1) > 0
        self.assertEqual(labelled.tolist().count(False), 1)  # crowd gone, the unlabelled kept
        self.assertEqual(len(people(sample, np.ones_like(labelled))['data_samples']
                             .gt_instance_labels.bboxes), 2)
        batch = [people(sample, ~labelled)]
        torch.manual_seed(0)
        losses = model.loss(*model.data_preprocessor(pseudo_collate(batch), True).values())
        self.assertGreater(losses['loss_bbox'].item(), 0)
        self.assertEqual(losses['loss_kpt'].item(), 0)
        batch = [people(sample, np.zeros_like(labelled))]
        no_people = model.loss(*model.data_preprocessor(pseudo_collate(batch), True).values())
        self.assertEqual(no_people['loss_bbox'].item(), 0)
        self.assertNotAlmostEqual(losses['loss_obj'].item(), no_people['loss_obj'].item(), places=4)

    def test_evaluation(self):
        """Perfect predictions for the one keypoint person give AP 1 (crowd and people without
        keypoints are ignored). MMPose's protocol (image_set='all') scores every image, so a
        confident detection on the no-person image lowers AP; the reference's ('keypoints')
        scores only the image with a keypoint person, so that image is never seen."""
        for image_set, num_images in (('all', 3), ('keypoints', 1)):
            loader = copy.deepcopy(self.cfg.val_dataloader)
            loader.dataset.image_set = image_set
            ds = self.build(loader, test_mode=True)
            self.assertEqual(len(ds), num_images)
            aps = [self.ap_of(ds, false_positive) for false_positive in (False, True)]
            self.assertAlmostEqual(aps[0], 1.0, places=3)
            if image_set == 'all':
                self.assertLess(aps[1], 0.9)
            else:
                self.assertAlmostEqual(aps[1], 1.0, places=3)

    def ap_of(self, ds, false_positive):
        model = MODELS.build(self.cfg.model).eval()
        coco = json.loads(self.ann.read_text())
        metric = METRICS.build(dict(self.cfg.val_evaluator, ann_file=str(self.ann),
                                    outfile_prefix=str(self.tmp / f'fp{false_positive}')))
        metric.dataset_meta = ds.metainfo
        for idx in range(len(ds)):
            data = model.data_preprocessor(pseudo_collate([ds[idx]]), False)
            meta = data['data_samples'][0].metainfo
            anns = [a for a in coco['annotations']
                    if a['image_id'] == meta['img_id'] and a['num_keypoints'] > 0]
            if meta['img_id'] == EMPTY_IMG and false_positive:
                # the other image's person, pasted as a detection where nobody is
                anns = [a for a in coco['annotations'] if a['num_keypoints'] > 0]
            boxes, kpts, vis = gt_in_input_space(meta, anns)
            outputs = perfect_outputs(model.head, boxes, kpts, vis, data['inputs'].shape[2:])
            with mock.patch.object(model.head, 'forward', return_value=outputs):
                preds = model.head.predict(None, data['data_samples'], self.cfg.model.test_cfg)
            results = model.add_pred_to_datasample(preds, None, data['data_samples'])
            metric.process([], [r.to_dict() for r in results])
        return metric.evaluate(len(ds))['coco/AP']


if __name__ == '__main__':
    unittest.main()
