"""pytest fixtures and markers shared by the tests.

``slow`` marks the few end-to-end checks that need more than a few seconds on 2 CPU cores
(training hundreds of iterations, subprocesses of MMPose's tools): ``make test`` runs
everything (as CI does), ``make test-fast`` everything else.
"""
import os
import shutil
import tempfile

import pytest

from tests import helpers


def pytest_configure(config):
    config.addinivalue_line('markers', 'slow: long end-to-end check (deselect with -m "not slow")')
    # CheckedCocoDataset's image-check cache: a fresh folder per test session (subprocesses
    # inherit it), so that no test reads what another session cached.
    cache = tempfile.mkdtemp(prefix='lrfg-test-cache-')
    os.environ['LRFG_CACHE_DIR'] = cache
    config.add_cleanup(lambda: shutil.rmtree(cache, ignore_errors=True))


@pytest.fixture(scope='session')
def tiny_config_file(tmp_path_factory):
    """A config file of the tiny full model on the embedded data."""
    path = tmp_path_factory.mktemp('tiny') / 'tiny.py'
    helpers.tiny_cfg().dump(str(path))
    return path


@pytest.fixture
def coco_subset(tmp_path):
    """``coco_subset(split, num_images, one_person=False)`` -> an annotation file."""
    return lambda split, num_images, one_person=False: helpers.coco_subset(
        split, num_images, tmp_path, one_person)


@pytest.fixture(scope='session')
def overfit_tiny(tmp_path_factory, tiny_config_file):
    """The tiny full model over-fitted from random weights on 2 embedded training images
    (input 256, 400 iterations, COCO AP on them every 100): ``dict(curve, seconds, checkpoint,
    ann_file, config)``. Shared by the over-fit check and the export parity tests (slow)."""
    from lrfg_mmpose.apis import overfit_cfg, run_overfit
    tmp = tmp_path_factory.mktemp('overfit')
    ann = helpers.coco_subset('train2017', 2, tmp)
    cfg = overfit_cfg(str(tiny_config_file), ann, helpers.DATA / 'train2017', 256, 400, 100, 1e-2,
                      tmp / 'run')
    result = run_overfit(cfg)
    return dict(result, checkpoint=tmp / 'run' / 'iter_400.pth', ann_file=ann,
                config=tiny_config_file)
