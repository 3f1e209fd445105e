"""pytest fixtures and markers shared by the tests.

``slow`` marks the few end-to-end checks that need more than a few seconds on 2 CPU cores
(training hundreds of iterations, subprocesses of MMPose's tools): ``make test`` runs
everything (as CI does), ``make test-fast`` everything else.
"""
import pytest

from tests import helpers


def pytest_configure(config):
    config.addinivalue_line('markers', 'slow: long end-to-end check (deselect with -m "not slow")')


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
