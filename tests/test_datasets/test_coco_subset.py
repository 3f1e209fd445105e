# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
"""write_coco_mini (tools/make_coco_mini.py): the rule that made data/coco-mini gives it back
from itself, and its empty-image count is honoured."""
import json
from pathlib import Path

from lrfg_mmpose.datasets import write_coco_mini

MINI = Path(__file__).resolve().parents[2] / 'data' / 'coco-mini'


def test_the_embedded_subset_is_a_fixed_point(tmp_path):
    src = json.loads((MINI / 'annotations' / 'person_keypoints_val2017.json').read_text())
    out = write_coco_mini(MINI, tmp_path, 'val2017', num_empty=2)
    assert out == src
    written = json.loads((tmp_path / 'annotations' / 'person_keypoints_val2017.json').read_text())
    assert written == src
    assert sorted(p.name for p in (tmp_path / 'val2017').iterdir()) == \
        sorted(i['file_name'] for i in src['images'])


def test_images_without_people_are_counted(tmp_path):
    src = json.loads((MINI / 'annotations' / 'person_keypoints_val2017.json').read_text())
    with_people = {a['image_id'] for a in src['annotations']}
    out = write_coco_mini(MINI, tmp_path, 'val2017', num_empty=0)
    assert len(out['images']) == len(src['images']) - 2
    assert all(i['id'] in with_people for i in out['images'])
    assert len(out['annotations']) == len(src['annotations'])
