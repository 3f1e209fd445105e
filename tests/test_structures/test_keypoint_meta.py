# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
"""A keypoint set given either way a config writes it parses to the same set."""
from pathlib import Path

import pytest

from lrfg_mmpose.structures import keypoint_meta, meta_file, pose_metainfo

BODY13 = str(Path(__file__).resolve().parents[2] / 'configs' / '_base_' / 'datasets' /
             'coco_body13.py')


def test_path_and_from_file_dict_are_the_same_set():
    assert meta_file(BODY13) == meta_file(dict(from_file=BODY13)) == BODY13
    by_path, by_dict = pose_metainfo(BODY13), pose_metainfo(dict(from_file=BODY13))
    assert by_path['num_keypoints'] == by_dict['num_keypoints'] == 13
    kpts = keypoint_meta(by_path)
    assert kpts == keypoint_meta(by_dict)
    assert kpts['names'][0] == 'head' and len(kpts['sigmas']) == len(kpts['flip_indices']) == 13


def test_a_dict_without_from_file_is_refused():
    with pytest.raises(ValueError, match=r'give dict\(from_file=<meta file>\)'):
        meta_file(dict(dataset_name='mine'))
