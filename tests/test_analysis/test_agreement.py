"""Two models' people compared without labels (what INT8 costs against float): found people,
keypoint error in OKS units and OKS AP against the reference, checked on people made by hand."""
import numpy as np
import pytest

from lrfg_mmpose.analysis.agreement import compare_people, per_image_agreement

SIGMAS = np.full(17, 0.05)
SIGMAS[:5] = 0.025  # the face keypoints are tighter, as in COCO


def person(x0, y0, w=100.0, h=200.0, score=0.9, seed=0):
    rng = np.random.default_rng(seed)
    kpts = np.stack([x0 + rng.uniform(0, w, 17), y0 + rng.uniform(0, h, 17)], 1)
    return np.array([x0, y0, x0 + w, y0 + h]), score, kpts


def people(*persons, kpt_conf=0.9):
    boxes, scores, kpts = zip(*persons) if persons else ((), (), ())
    n = len(persons)
    return dict(bboxes=np.asarray(boxes, np.float64).reshape(n, 4),
                scores=np.asarray(scores, np.float64).reshape(n),
                keypoints=np.asarray(kpts, np.float64).reshape(n, 17, 2),
                keypoint_scores=np.full((n, 17), kpt_conf))


def test_identical_people_agree_fully():
    ref = [people(person(10, 10, seed=1), person(300, 40, seed=2)), people(person(50, 60))]
    a = compare_people(ref, ref, SIGMAS)
    assert (a.images, a.people, a.found) == (2, 3, 3)
    assert a.error_median == 0 and a.error_p90 == 0
    assert a.oks_ap == pytest.approx(1.0) and a.ok()
    assert per_image_agreement(ref[0], ref[0], SIGMAS) == pytest.approx(1.0)


def test_keypoint_error_is_distance_over_two_sigma_sqrt_area():
    box, score, kpts = person(10, 10, w=100, h=196)  # area 19,600: sqrt 140
    ref = [people((box, score, kpts))]
    test = [people((box, score, kpts + [7.0, 0.0]))]  # every keypoint 7 px to the right
    a = compare_people(ref, test, SIGMAS)
    expected = 7.0 / (2 * SIGMAS * 140.0)  # 1.0 for the face (sigma 0.025), 0.5 for the rest
    np.testing.assert_allclose(a.keypoint_error_median, expected)
    np.testing.assert_allclose(a.keypoint_error_p90, expected)
    assert a.error_median == pytest.approx(0.5) and a.found == 1
    # OKS = mean of exp(-e^2 / 2): 5 keypoints at e = 1, 12 at e = 0.5, 0.801: a match at
    # COCO's thresholds 0.50 to 0.80, none at 0.85 to 0.95: AP = 7/10
    oks = (5 * np.exp(-0.5) + 12 * np.exp(-0.125)) / 17
    assert 0.8 < oks < 0.85
    assert a.oks_ap == pytest.approx(0.7, abs=1e-6)
    assert per_image_agreement(ref[0], test[0], SIGMAS) == pytest.approx(oks)


def test_a_lost_person_costs_recall_and_is_reported():
    p1, p2 = person(10, 10, seed=1), person(300, 40, seed=2)
    a = compare_people([people(p1, p2)], [people(p1)], SIGMAS)
    assert (a.people, a.found) == (2, 1) and a.found_share == 0.5
    assert a.oks_ap == pytest.approx(0.5, abs=0.01)  # precision 1 up to recall 0.5
    assert not a.ok() and 'WARNING' not in a.summary()  # the verdict is the caller's line
    assert per_image_agreement(people(p1, p2), people(p1), SIGMAS) == pytest.approx(0.5)


def test_unsure_reference_people_count_neither_way():
    sure, unsure = person(10, 10, seed=1), person(300, 40, score=0.2, seed=2)
    ref = [people(sure, unsure)]
    # the test model drops the unsure one, or finds it more confidently: no change
    for test in ([people(sure)], [people(sure, (unsure[0], 0.8, unsure[2]))]):
        a = compare_people(ref, test, SIGMAS)
        assert a.people == 1 and a.found == 1 and a.oks_ap == pytest.approx(1.0)
    # a confident test person where the reference has nobody is a false positive
    ghost = person(600, 300, seed=3)
    a = compare_people(ref, [people(sure, (ghost[0], 0.95, ghost[2]))], SIGMAS)
    assert a.oks_ap < 0.6


def test_nothing_to_compare():
    a = compare_people([people()], [people(person(0, 0))], SIGMAS)
    assert a.people == 0 and np.isnan(a.oks_ap) and a.ok()
    assert per_image_agreement(people(), people(), SIGMAS) is None
    assert a.to_dict()['oks_ap'] is None and a.to_dict()['keypoint_error_median'][0] is None
    with pytest.raises(ValueError, match='2 reference images, 1 test'):
        compare_people([people(), people()], [people()], SIGMAS)
