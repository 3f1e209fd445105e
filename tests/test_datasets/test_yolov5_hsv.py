"""YOLOv5HSVRandomAug against the reference's augment_hsv.

``tests/data/yolopose-reference-train/hsv.npz`` (README there): the reference's ``augment_hsv``
(hyp.scratch.yaml gains 0.015, 0.7, 0.4) applied to 3 embedded images resized to 64 x 64, with
numpy's global generator seeded 0, 1, 2 before each call, and the gains it drew.
"""
import numpy as np
import pytest
from mmpose.registry import TRANSFORMS

import lrfg_mmpose  # noqa: F401
from lrfg_mmpose.datasets.transforms import apply_hsv_gains, hsv_lookup_tables
from tests.helpers import ROOT

REF = dict(np.load(ROOT / 'tests' / 'data' / 'yolopose-reference-train' / 'hsv.npz'))


def test_pixels_equal_the_reference_for_the_same_draws():
    aug = TRANSFORMS.build(dict(type='YOLOv5HSVRandomAug'))
    for k, seed in enumerate(REF['seeds']):
        img = REF['inputs_bgr'][REF['image_index'][k]].copy()
        np.random.seed(int(seed))
        out = aug(dict(img=img))['img']
        assert np.array_equal(out, REF['outputs_bgr'][k]), k
        assert (out != REF['inputs_bgr'][REF['image_index'][k]]).mean() > 0.9  # it does change
        # and for the fixed gains the reference drew
        assert np.array_equal(apply_hsv_gains(img, REF['gains'][k]), REF['outputs_bgr'][k])


def test_lookup_tables_by_hand():
    hue, sat, val = hsv_lookup_tables([1.5, 0.5, 2.0])
    assert (hue[100], hue[130], hue[179]) == (150, 15, 88)  # 195 mod 180, 268.5 mod 180 -> 88
    assert (sat[255], sat[3]) == (127, 1)  # 127.5 and 1.5 truncated
    assert (val[100], val[200]) == (200, 255)  # clipped


def test_unit_gains_keep_the_image_up_to_the_colour_round_trip():
    img = REF['inputs_bgr'][0]
    import cv2
    round_trip = cv2.cvtColor(cv2.cvtColor(img, cv2.COLOR_BGR2HSV), cv2.COLOR_HSV2BGR)
    assert np.array_equal(apply_hsv_gains(img, [1, 1, 1]), round_trip)


def test_refuses_what_is_not_an_8_bit_colour_image():
    aug = TRANSFORMS.build(dict(type='YOLOv5HSVRandomAug'))
    with pytest.raises(ValueError, match='8-bit BGR'):
        aug(dict(img=np.zeros((8, 8), np.uint8), img_path='gray.png'))
