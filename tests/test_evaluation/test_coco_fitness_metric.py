"""The reference's fitness of person boxes (0.1 box AP .5 + 0.9 box AP), by which it keeps
best.pt: hand values on the embedded val annotations."""
import json

import numpy as np
import pytest

from lrfg_mmpose.evaluation import box_ap, fitness
from tests.helpers import DATA

ANN = json.loads((DATA / 'annotations' / 'person_keypoints_val2017.json').read_text())


def people(image_ids):
    return [a for a in ANN['annotations'] if a['image_id'] in image_ids and not a['iscrowd']]


def detections(anns, shift=0.0):
    return [dict(image_id=a['image_id'], category_id=1, score=1.0 - 0.001 * i,
                 bbox=[a['bbox'][0] + shift * a['bbox'][2], a['bbox'][1], a['bbox'][2],
                       a['bbox'][3]]) for i, a in enumerate(anns)]


def test_exact_boxes_score_one_and_only_validated_images_count():
    ids = sorted({a['image_id'] for a in people({i['id'] for i in ANN['images']})})[:5]
    found = box_ap(ANN, detections(people(set(ids))), ids)
    assert found == {'box AP': pytest.approx(1.0), 'box AP .5': pytest.approx(1.0)}
    assert fitness(found) == pytest.approx(1.0)
    # the people of images that were not validated are not charged as missed
    assert box_ap(ANN, detections(people(set(ids[:2]))), ids[:2])['box AP'] == pytest.approx(1.0)
    assert box_ap(ANN, detections(people(set(ids[:2]))), ids)['box AP'] < 1.0


def test_a_shift_of_a_third_of_the_width_hand_computed():
    """IoU of a box with itself shifted by s of its width: (1 - s) / (1 + s); at s = 1/3 that is
    0.5, so the box is a hit at IoU .5 and at no threshold above: AP .5 = 1, AP = 1/10."""
    ids = sorted({a['image_id'] for a in people({i['id'] for i in ANN['images']})})[:5]
    found = box_ap(ANN, detections(people(set(ids)), shift=1 / 3 - 1e-6), ids)
    assert found['box AP .5'] == pytest.approx(1.0)
    assert found['box AP'] == pytest.approx(0.1)
    assert fitness(found) == pytest.approx(0.1 * 1.0 + 0.9 * 0.1)
    assert box_ap(ANN, [], ids) == {'box AP': 0.0, 'box AP .5': 0.0}
    assert np.isfinite(fitness(found))
