"""The reference-checkpoint converter: safe reading, clear refusals, what loads where."""
import copy
import json
import os
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path
from unittest import mock

import pytest
import torch
from mmengine.config import Config
from mmengine.runner.checkpoint import _load_checkpoint, load_checkpoint
from mmpose.registry import MODELS
from mmpose.utils import register_all_modules

from lrfg_mmpose.apis.table1 import TABLE1, row_name
from lrfg_mmpose.convert import (CheckpointFormatError, ConversionError, convert_yolopose_checkpoint,
                                 load_reference_checkpoint, variant_load_reports)
from lrfg_mmpose.utils import mmpose_tool

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / 'tests' / 'data' / 'yolopose-reference' / 'yolov5s6_kpts_w0125_ref.pt'
ABLATION = [row.config for row in TABLE1]


class _RunsCode:
    """Pickles as a call of os.system: what a hostile checkpoint would contain."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return os.system, (f'touch {self.marker}', )


class TestConverter(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        register_all_modules()
        cls.tmp = tempfile.TemporaryDirectory()
        cls.dir = Path(cls.tmp.name)
        cls.ckpt = cls.dir / 'ref.pth'
        cls.result = convert_yolopose_checkpoint(FIXTURE, cls.ckpt, out_config=cls.dir / 'ref.py')

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def convert_tree(self, mutate):
        """Convert the fixture after ``mutate`` changed its unpickled model tree."""
        ckpt = load_reference_checkpoint(FIXTURE)
        mutate(ckpt['model'])
        with mock.patch('lrfg_mmpose.convert.yolopose_checkpoint.load_reference_checkpoint',
                        return_value=ckpt):
            return convert_yolopose_checkpoint(FIXTURE, self.dir / 'mutated.pth')

    def test_output_is_an_fp32_mmengine_checkpoint_loading_with_weights_only(self):
        ckpt = torch.load(self.ckpt, weights_only=True)
        self.assertEqual(set(ckpt), {'meta', 'state_dict'})
        tensors = {k: v for k, v in ckpt['state_dict'].items() if isinstance(v, torch.Tensor)}
        # The reference's 744 minus its two anchor buffers, plus our head's layout code.
        self.assertEqual(len(tensors), 744 - 2 + 1)
        self.assertEqual(ckpt['state_dict']['head.channel_layout_code'].item(), 0)  # 'reference'
        del tensors['head.channel_layout_code']
        self.assertTrue(all(v.dtype in (torch.float32, torch.int64) for v in tensors.values()))
        self.assertEqual(ckpt['meta']['architecture']['widen_factor'], 0.125)
        self.assertEqual(len(ckpt['meta']['architecture']['anchors']), 4)

    def test_stem_blocks_are_reordered_and_the_rest_copied(self):
        src = load_reference_checkpoint(FIXTURE)['model'].tensors()
        ours = torch.load(self.ckpt, weights_only=True)['state_dict']
        w_ref, w = src['model.0.conv.conv.weight'].float(), ours['backbone.stem.conv.conv.weight']
        for ours_block, ref_block in enumerate((0, 2, 1, 3)):  # TL, BL, TR, BR <- TL, TR, BL, BR
            torch.testing.assert_close(w[:, 3 * ours_block:3 * ours_block + 3],
                                       w_ref[:, 3 * ref_block:3 * ref_block + 3], rtol=0, atol=0)
        torch.testing.assert_close(ours['neck.bottom_up_blocks.2.blocks.0.conv2.bn.running_var'],
                                   src['model.32.m.0.cv2.bn.running_var'].float(), rtol=0, atol=0)
        torch.testing.assert_close(ours['head.kpt_convs.3.11.bias'],
                                   src['model.33.m_kpt.3.11.bias'].float(), rtol=0, atol=0)

    def test_hostile_pickle_is_refused_and_not_run(self):
        marker = self.dir / 'was_run'
        path = self.dir / 'hostile.pt'
        torch.save(dict(model=_RunsCode(marker)), path)
        with self.assertRaisesRegex(CheckpointFormatError, r'hostile\.pt.*(posix|os)\.system'):
            load_reference_checkpoint(path)
        self.assertFalse(marker.exists())

    def test_not_a_checkpoint(self):
        path = self.dir / 'notes.pt'
        path.write_text('not a checkpoint')
        with self.assertRaisesRegex(CheckpointFormatError, r'notes\.pt: not a torch checkpoint'):
            convert_yolopose_checkpoint(path, self.dir / 'x.pth')
        plain = self.dir / 'plain.pt'
        torch.save(dict(state_dict={'w': torch.zeros(1)}), plain)
        with self.assertRaisesRegex(ConversionError, r'plain\.pt: no pickled model'):
            convert_yolopose_checkpoint(plain, self.dir / 'x.pth')

    def test_detection_only_model_is_refused(self):
        def drop_keypoints(model):
            detect = model._modules['model']._modules['33']
            del detect._modules['m_kpt']
            detect.nkpt = None
        with self.assertRaisesRegex(ConversionError, 'detection-only'):
            self.convert_tree(drop_keypoints)

    def test_other_keypoint_count_is_refused(self):
        def five_keypoints(model):
            model._modules['model']._modules['33'].nkpt = 5
        with self.assertRaisesRegex(ConversionError, 'predicts 5 keypoints.*--metainfo'):
            self.convert_tree(five_keypoints)

    def test_architecture_without_a_config_is_refused(self):
        def relu(model):  # a TI-lite model
            act = model._modules['model']._modules['1']._modules['act']
            act.__class__ = type('ReLU', (type(act).__bases__[0], ),
                                 dict(qualname='torch.nn.modules.activation.ReLU'))
        with self.assertRaisesRegex(ConversionError, 'no matching config.*ReLU'):
            self.convert_tree(relu)

        def sppf(model):  # a YOLOv5 v6 style SPPF
            spp = model._modules['model']._modules['10']
            spp.__class__ = type('SPPF', (type(spp).__bases__[0], ),
                                 dict(qualname='models.common.SPPF'))
        with self.assertRaisesRegex(ConversionError, 'no matching config.*layer 10: SPPF'):
            self.convert_tree(sppf)

    def test_cli_prints_one_line_errors(self):
        path = self.dir / 'bad.pt'
        path.write_bytes(b'\x00' * 10)
        proc = subprocess.run([sys.executable, str(ROOT / 'tools' / 'convert_yolopose_checkpoint.py'),
                               str(path), str(self.dir / 'y.pth')], capture_output=True, text=True)
        self.assertEqual(proc.returncode, 1)
        self.assertEqual(len(proc.stderr.strip().splitlines()), 1, proc.stderr)
        self.assertIn('bad.pt', proc.stderr)

    def test_written_config_loads_strictly_and_other_layout_is_refused(self):
        cfg = Config.fromfile(str(self.result.out_config))
        self.assertEqual(cfg.model.head.channel_layout, 'reference')
        model = MODELS.build(copy.deepcopy(cfg.model))
        load_checkpoint(model, str(self.ckpt), strict=True)
        cfg.model.head.channel_layout = 'per_anchor'
        with self.assertRaisesRegex(ValueError, "channel_layout='reference'"):
            load_checkpoint(MODELS.build(cfg.model), str(self.ckpt))

    @pytest.mark.slow
    def test_converted_checkpoint_runs_mmpose_test_and_infer_on_embedded_images(self):
        """What `mim test mmpose` runs (MMPose's tools/test.py) and tools/infer.py, on the
        embedded val images, with the config the converter writes from the mini config."""

        config, ckpt = self.dir / 'mini.py', self.dir / 'mini.pth'
        convert_yolopose_checkpoint(FIXTURE, ckpt, ROOT / 'configs' / 'lrfg_yolopose_coco-mini.py',
                                    config)
        test_py = mmpose_tool('test.py')
        proc = subprocess.run([sys.executable, str(test_py), str(config), str(ckpt), '--work-dir',
                               str(self.dir / 'test')], capture_output=True, text=True, cwd=ROOT)
        self.assertEqual(proc.returncode, 0, proc.stderr[-2000:])
        self.assertRegex(proc.stdout + proc.stderr, r'coco/AP: \d\.\d+')
        # and with flip test, through MMPose's BottomupPoseEstimator
        proc = subprocess.run([sys.executable, str(test_py), str(config), str(ckpt), '--work-dir',
                               str(self.dir / 'test_flip'), '--cfg-options',
                               'model.test_cfg.flip_test=True'],
                              capture_output=True, text=True, cwd=ROOT)
        self.assertEqual(proc.returncode, 0, proc.stderr[-2000:])
        self.assertRegex(proc.stdout + proc.stderr, r'coco/AP: \d\.\d+')
        image = ROOT / 'data' / 'coco-mini' / 'val2017' / '000000183709.jpg'
        proc = subprocess.run([sys.executable, str(ROOT / 'tools' / 'infer.py'), str(image),
                               '--config', str(config), '--checkpoint', str(ckpt), '--out-dir',
                               str(self.dir / 'infer'), '--score-thr', '0.001'],
                              capture_output=True, text=True, cwd=ROOT)
        self.assertEqual(proc.returncode, 0, proc.stderr[-2000:])
        people = json.loads((self.dir / 'infer' / 'predictions' / '000000183709.json').read_text())
        self.assertGreater(len(people), 0)
        self.assertEqual(len(people[0]['keypoints']), 17)

    def test_partial_load_into_the_eight_variants(self):
        state = _load_checkpoint(str(self.ckpt))['state_dict']
        reports = dict(variant_load_reports(self.ckpt, ABLATION))
        by_row = {row_name(c): r for c, r in reports.items()}
        base = by_row['t1r1-baseline']
        self.assertEqual(base.loaded_tensors, base.total_tensors)
        self.assertEqual(base.loaded_parameters, 1010588)
        self.assertEqual(base.from_scratch, [])
        expected_scratch = {
            'fgcspp': {'backbone.stage5.1'},
            'sca': {'backbone.stage4.1.blocks', 'backbone.stage5.2.blocks'},  # SCA bottlenecks
            # implicit layers, and the six GhostConvs of the PANet
            'implicit': {'head.implicit_a', 'head.implicit_m', 'neck.lateral_convs',
                         'neck.downsamples'},
        }
        for row, rep in by_row.items():
            want = set().union(*(v for k, v in expected_scratch.items() if k in row))
            self.assertEqual(set(rep.from_scratch), want, row)
            if want:
                self.assertLess(rep.loaded_tensors, rep.total_tensors, row)
        # The full model's loaded tensors hold the checkpoint's values.
        cfg = Config.fromfile(str(ABLATION[-1]))
        cfg.merge_from_dict(dict(model=self.result.architecture.size_override()))
        model = MODELS.build(cfg.model)
        load_checkpoint(model, str(self.ckpt))
        torch.testing.assert_close(model.state_dict()['head.box_convs.0.weight'],
                                   state['head.box_convs.0.weight'])


if __name__ == '__main__':
    unittest.main()
