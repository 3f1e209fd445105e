"""The paper config's whole training data path on the embedded images: into the loss, and
through MMPose's own ``tools/misc/browse_dataset.py``."""
import subprocess
import sys
from pathlib import Path

import cv2
import mmpose
import numpy as np
import pytest
import torch
from mmengine.dataset import pseudo_collate
from mmengine.registry import init_default_scope
from mmpose.registry import MODELS

import lrfg_mmpose  # noqa: F401
from lrfg_mmpose.apis.pipeline_benchmark import train_dataset
from tests.helpers import ROOT, tiny_cfg


def test_paper_pipeline_feeds_the_loss_with_people_without_keypoints():
    init_default_scope('mmpose')
    ds = train_dataset('lrfg', 320)  # the paper config's dataset and pipeline at 320
    np.random.seed(0)
    samples = [ds[i] for i in range(8)]
    assert all(s['inputs'].shape == (3, 320, 320) for s in samples)
    vis = [s['data_samples'].gt_instance_labels.keypoints_visible for s in samples]
    counts = torch.cat([torch.as_tensor(v).reshape(len(v), -1).sum(1) for v in vis])
    assert (counts == 0).any() and (counts > 0).any()  # both kinds of people are targets
    model = MODELS.build(tiny_cfg().model)
    model.init_weights()
    losses = model.loss(*model.data_preprocessor(pseudo_collate(samples), True).values())
    assert all(torch.isfinite(v) and v > 0 for v in losses.values()), losses


@pytest.mark.slow  # MMPose's tool in a subprocess, 960 px mosaics
def test_mmpose_browse_dataset_draws_the_paper_configs_mosaics(tmp_path):
    tool = Path(mmpose.__file__).parent / '.mim' / 'tools' / 'misc' / 'browse_dataset.py'
    # The tool seeds nothing, and a random mosaic can be mostly padding: run it seeded.
    seeded = ('import random, runpy, sys; import numpy; random.seed(0); numpy.random.seed(0); '
              'sys.argv = sys.argv[1:]; runpy.run_path(sys.argv[0], run_name="__main__")')
    subprocess.run([sys.executable, '-c', seeded, str(tool), 'configs/lrfg_yolopose_coco.py',
                    '--not-show',
                    '--output-dir', str(tmp_path), '--max-item-per-dataset', '2', '--cfg-options',
                    'train_dataloader.dataset.data_root=data/coco-mini/',
                    'train_dataloader.dataset.ann_file=annotations/person_keypoints_train2017.json',
                    'train_dataloader.dataset.data_prefix.img=train2017/'],
                   cwd=ROOT, check=True, capture_output=True)
    pictures = sorted(tmp_path.glob('*.jpg'))
    assert len(pictures) == 2
    for p in pictures:
        img = cv2.imread(str(p))
        assert img.shape == (960, 960, 3)
        # a picture of real content: not one colour, not mostly padding
        assert img.std() > 20 and (np.ptp(img.astype(int), axis=2) < 3).mean() < 0.5
