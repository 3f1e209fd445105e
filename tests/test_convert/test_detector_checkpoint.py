"""Initialising a pose model from a YOLOv5 P6 detector as the reference's train.py does.

``tests/data/yolopose-reference-train`` holds two detector checkpoints made with the reference
code (``models/hub/yolov5s6.yaml`` at width 0.125: a 1-class person detector and an 80-class
one, saved and stripped as train.py does), the list of pose-model tensors the reference's
``intersect_dicts`` loading takes from each, and the person detector's own box-conv outputs on
a fixture image (README there).
"""
import json
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.hooks import Hook
from mmengine.runner.checkpoint import load_checkpoint

from lrfg_mmpose.convert import (ConversionError, convert_detector_checkpoint,
                                 convert_yolopose_checkpoint, load_reference_checkpoint,
                                 reference_key_to_ours, swap_stem_blocks)
from lrfg_mmpose.utils import build_pose_model
from tests.helpers import paper_cfg_on_subset

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / 'tests' / 'data' / 'yolopose-reference-train'
PERSON = FIXTURE / 'yolov5s6_person_w0125_ref.pt'
COCO80 = FIXTURE / 'yolov5s6_coco80_w0125_ref.pt'
POSE = ROOT / 'tests' / 'data' / 'yolopose-reference' / 'yolov5s6_kpts_w0125_ref.pt'
MAIN = ROOT / 'configs' / 'lrfg_yolopose_coco.py'
BASELINE = ROOT / 'configs' / 'ablation' / 'lrfg_yolopose_t1r1-baseline_coco-960.py'
TRANSFER = json.loads((FIXTURE / 'detector_transfer.json').read_text())


def model_at(config, result):
    cfg = Config.fromfile(str(config))
    cfg.merge_from_dict(dict(model=result.architecture.size_override()))
    return build_pose_model(cfg.model)


class TestDetectorCheckpoint(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.dir = Path(cls.tmp.name)
        cls.person = convert_detector_checkpoint(PERSON, cls.dir / 'person.pth', BASELINE)
        cls.coco80 = convert_detector_checkpoint(COCO80, cls.dir / 'coco80.pth', BASELINE)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def check_selection(self, src, result, dst):
        ref = TRANSFER[src.name]['transferred']
        expected = {reference_key_to_ours(k) for k in ref}
        self.assertEqual(set(result.transferred), expected)
        written = torch.load(dst, weights_only=True)['state_dict']
        self.assertEqual(set(written), expected)
        # every tensor the detector's "model" holds, as fp32, the stem blocks reordered
        tensors = load_reference_checkpoint(src)['model'].tensors()
        for key in ref:
            ours, theirs = written[reference_key_to_ours(key)], tensors[key]
            if key == 'model.0.conv.conv.weight':
                theirs = swap_stem_blocks(theirs)
            self.assertEqual(ours.dtype, torch.float32 if theirs.is_floating_point()
                             else theirs.dtype, key)
            self.assertTrue(torch.equal(ours, theirs.to(ours.dtype)), key)
        return written

    def test_person_detector_transfers_what_train_py_transfers(self):
        written = self.check_selection(PERSON, self.person, self.dir / 'person.pth')
        self.assertEqual(len(written), 470)  # of the pose model's 744 (anchors excluded)
        self.assertTrue(all(f'head.box_convs.{i}.weight' in written for i in range(4)))
        self.assertFalse(any(k.startswith('head.kpt_convs') for k in written))
        self.assertEqual({k.split('.')[1] for k in self.person.from_scratch if
                          k.startswith('head.')}, {'kpt_convs'})

    def test_coco_detector_leaves_the_box_convs_fresh(self):
        written = self.check_selection(COCO80, self.coco80, self.dir / 'coco80.pth')
        self.assertEqual(len(written), 462)
        self.assertFalse(any(k.startswith('head.') for k in written))
        self.assertIn('head.box_convs', self.coco80.from_scratch_modules(2))

    def test_loaded_model_gives_the_detectors_box_outputs_and_keeps_a_fresh_keypoint_branch(self):
        """MMEngine's load_from path (non-strict): the box convs then answer as the detector's
        (its 18 channels = anchor 0's fields 0-17 in the reference layout), the keypoint branch
        keeps its initialisation."""
        model = model_at(BASELINE, self.person)
        before = {k: v.clone() for k, v in model.state_dict().items()}
        load_checkpoint(model, str(self.dir / 'person.pth'), map_location='cpu', strict=False)
        after = model.state_dict()
        for key in before:
            if key.startswith('head.kpt_convs'):
                self.assertTrue(torch.equal(after[key], before[key]), key)
        ref = np.load(FIXTURE / 'detector_outputs.npz')
        image = torch.from_numpy(np.load(ROOT / 'tests/data/yolopose-reference/'
                                         'reference_outputs.npz')['images'][:1])
        with torch.no_grad():
            box_outs, kpt_outs = model.eval().head(model.extract_feat(image))
        for level, (box, kpt) in enumerate(zip(box_outs, kpt_outs)):
            fields = model.head.layout.join(box, kpt)  # (1, A, H, W, 57)
            theirs = torch.from_numpy(ref[f'{PERSON.stem}_p{level + 3}'])  # (1, 3, H, W, 6)
            theirs = theirs.permute(0, 2, 3, 1, 4).flatten(3)  # channel 6a + f
            self.assertLess((fields[:, 0, ..., :18] - theirs).abs().max().item(), 2e-4)

    def test_full_model_reports_its_own_new_layers(self):
        res = convert_detector_checkpoint(PERSON, self.dir / 'full.pth', MAIN)
        modules = res.from_scratch_modules()
        for prefix in ('head.kpt_convs.0', 'head.implicit_a.0', 'backbone.stage5.1',
                       'neck.lateral_convs.0'):  # keypoints, implicit, FGCSPP, GhostConv
            self.assertIn(prefix, modules)
        self.assertNotIn('backbone.stage1.0', modules)

    def test_pose_and_detector_checkpoints_are_not_mixed_up(self):
        with self.assertRaisesRegex(ConversionError, 'not a detector'):
            convert_detector_checkpoint(POSE, self.dir / 'x.pth')
        with self.assertRaisesRegex(ConversionError, 'detection-only.*person detector'):
            convert_yolopose_checkpoint(PERSON, self.dir / 'y.pth')

    def test_cli_takes_a_detector_and_prints_what_starts_from_scratch(self):
        tool = str(ROOT / 'tools' / 'convert_yolopose_checkpoint.py')
        proc = subprocess.run([sys.executable, tool, str(PERSON), str(self.dir / 'cli.pth')],
                              capture_output=True, text=True)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertIn('person detector', proc.stdout)
        self.assertIn('470 tensors for load_from', proc.stdout)
        self.assertIn('head.kpt_convs.0', proc.stdout)
        self.assertIn(f"load_from = '{self.dir / 'cli.pth'}'", proc.stdout)


class StartState(Hook):
    def before_train(self, runner):
        self.state = {k: v.clone() for k, v in runner.model.state_dict().items()}
        self.lrs = None

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        self.losses = {k: float(v.detach()) for k, v in outputs.items()}
        if self.lrs is None:
            self.lrs = {g['name']: g['lr'] for g in runner.optim_wrapper.optimizer.param_groups}


@pytest.mark.slow
def test_paper_config_trains_from_the_converted_detector(tmp_path):
    """mim train's path: the paper config (LRFG at width 0.125, its 960 pipeline with mosaic,
    its recipe) with load_from = the converted person detector, 2 iterations on 4 embedded
    images: what the detector carries is loaded, the schedule starts as the reference's."""
    from mmengine.runner import Runner
    dst = tmp_path / 'person.pth'
    res = convert_detector_checkpoint(PERSON, dst, MAIN)
    cfg = paper_cfg_on_subset(tmp_path / 'run', num_images=4, batch_size=2)
    cfg.load_from = str(dst)
    hook = StartState()
    cfg.custom_hooks = [h for h in cfg.custom_hooks if h['type'] != 'AnchorRecallHook']
    runner = Runner.from_cfg(cfg)
    runner.register_hook(hook, priority='LOWEST')
    runner.train()
    written = torch.load(dst, weights_only=True)['state_dict']
    loaded = set(hook.state) - set(res.from_scratch) - {'head.channel_layout_code'}
    assert len(loaded) > 300
    for key in loaded:  # what the converter said would load, as training starts
        assert torch.equal(hook.state[key], written[key]), key
    assert runner.iter == 2
    assert all(np.isfinite(v) for v in hook.losses.values())
    assert hook.lrs == dict(no_decay=0.0, decay=0.0, bias=0.1)
