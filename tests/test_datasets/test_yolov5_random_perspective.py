"""YOLOv5RandomPerspective by hand: the matrix, the window, the box filter, the keypoints."""
import numpy as np
from mmpose.registry import TRANSFORMS

import lrfg_mmpose  # noqa: F401
from lrfg_mmpose.datasets.transforms import box_candidates, perspective_matrix, warp_points

NO_DRAW = dict(perspective=(0., 0.), angle=0., scale=1., shear=(0., 0.), translate=(0.5, 0.5))


def people(boxes, kpts, vis):
    n, k = len(boxes), np.shape(vis)[-1]
    return dict(bbox=np.array(boxes, np.float32).reshape(n, 4),
                keypoints=np.array(kpts, np.float32).reshape(n, k, 2),
                keypoints_visible=np.array(vis, np.float32).reshape(n, k),
                bbox_score=np.ones(n, np.float32), category_id=[1] * n,
                area=np.full(n, 100., np.float32))


def test_matrix_keeps_the_window_around_the_canvas_centre():
    # a 200 x 200 canvas into 100 x 100: the canvas centre goes to translate x output size
    m = perspective_matrix((200, 200), (100, 100), scale=1., translate=(0.5, 0.5))
    assert np.allclose(warp_points(np.array([[100., 100.], [50., 50.], [150., 150.]]), m),
                       [[50, 50], [0, 0], [100, 100]])
    m = perspective_matrix((200, 200), (100, 100), scale=0.5, translate=(0.6, 0.4))
    # (x - 100) * 0.5 + 60, (y - 100) * 0.5 + 40
    assert np.allclose(warp_points(np.array([[0., 0.], [200., 200.]]), m), [[10, -10], [110, 90]])
    # 90 degrees, OpenCV's sense: x' = cos a x + sin a y, y' = -sin a x + cos a y
    m = perspective_matrix((0, 0), (0, 0), angle=90.)
    assert np.allclose(warp_points(np.array([[1., 0.], [0., 1.]]), m), [[0, -1], [1, 0]])
    m = perspective_matrix((0, 0), (0, 0), shear=(45., 0.))
    assert np.allclose(warp_points(np.array([[0., 2.]]), m), [[2, 2]])
    m = perspective_matrix((0, 0), (0, 0), perspective=(0.5, 0.))
    assert np.allclose(warp_points(np.array([[2., 4.]]), m), [[1, 2]])  # divided by 0.5 x 2 + 1


def test_box_candidates_by_hand():
    before = np.array([[0, 0, 10, 10]] * 5, np.float64)
    after = np.array([[0, 0, 10, 10],     # kept
                      [0, 0, 2, 10],      # 2 px wide: not more than 2
                      [0, 0, 3, 3],       # 9 % of the area
                      [0, 0, 4, 4],       # 16 %
                      [0, 0, 0.4, 9]], np.float64)  # thin
    assert box_candidates(before, after).tolist() == [True, False, False, True, False]
    long = np.array([[0, 0, 100, 4.9]])
    assert not box_candidates(long, long)[0]  # aspect 20.4
    assert box_candidates(long, np.array([[0, 0, 100, 5.1]]))[0]


def test_warp_filters_people_and_unlabels_keypoints_outside():
    t = TRANSFORMS.build(dict(type='YOLOv5RandomPerspective', input_size=(100, 100)))
    img = np.full((200, 200, 3), 7, np.uint8)
    res = dict(img=img, **people(
        [[90, 90, 110, 110],    # inside the window: kept
         [40, 40, 60, 60],      # window edge at 50: 25 % kept (area ratio > 0.1)
         [0, 0, 40, 40],        # outside the window: dropped
         [140, 60, 152, 148]],  # no keypoint labelled: kept as a box target
        [[[100, 100], [140, 140]], [[45, 55], [55, 55]], [[10, 10], [20, 20]],
         [[0, 0], [0, 0]]],
        [[1, 1], [1, 1], [1, 1], [0, 0]]))
    out = t.transform(res, dict(NO_DRAW))
    assert out['img'].shape == (100, 100, 3) and (out['img'] == 7).all()
    assert np.allclose(out['bbox'], [[40, 40, 60, 60], [0, 0, 10, 10], [90, 10, 100, 98]])
    assert np.allclose(out['keypoints'][0], [[50, 50], [90, 90]])
    assert out['keypoints_visible'].tolist() == [[1, 1], [0, 1], [0, 0]]  # (-5, 5) is outside
    assert out['category_id'] == [1, 1, 1] and out['bbox_score'].shape == (3, )


def test_scale_changes_area_and_the_window():
    t = TRANSFORMS.build(dict(type='YOLOv5RandomPerspective', input_size=(100, 100)))
    img = np.zeros((200, 200, 3), np.uint8)
    img[100:, 100:] = 255  # bottom-right quarter white
    out = t.transform(dict(img=img, **people([[100, 100, 140, 140]], [[[120, 120]]], [[1]])),
                      dict(NO_DRAW, scale=0.5, translate=(0.5, 0.5)))
    assert np.allclose(out['bbox'], [[50, 50, 70, 70]]) and np.allclose(out['area'], [25.])
    # the whole 200 px canvas fits in 100 px: the image is the canvas at half size
    assert (out['img'][60:90, 60:90] == 255).all() and (out['img'][10:40, 10:40] == 0).all()


def test_random_draws_stay_in_their_ranges_and_warp_is_seeded():
    t = TRANSFORMS.build(dict(type='YOLOv5RandomPerspective', input_size=(64, 64)))
    np.random.seed(3)
    draws = [t.sample_params() for _ in range(200)]
    scales = np.array([d['scale'] for d in draws])
    shifts = np.array([d['translate'] for d in draws])
    assert 0.5 <= scales.min() < 0.6 and 1.4 < scales.max() <= 1.5
    assert 0.4 <= shifts.min() and shifts.max() <= 0.6
    assert all(d['angle'] == 0 and d['shear'] == (0, 0) for d in draws)  # hyp.scratch.yaml
    img = np.random.randint(0, 255, (128, 128, 3), np.uint8)
    np.random.seed(5)
    a = t(dict(img=img.copy()))['img']
    np.random.seed(5)
    assert np.array_equal(a, t(dict(img=img.copy()))['img'])


def test_identity_leaves_the_image_untouched():
    t = TRANSFORMS.build(dict(type='YOLOv5RandomPerspective', input_size=(32, 48)))
    img = np.random.randint(0, 255, (48, 32, 3), np.uint8)
    res = t.transform(dict(img=img, **people([[1, 2, 20, 30]], [[[5, 6]]], [[1]])), dict(NO_DRAW))
    assert res['img'] is img and np.allclose(res['bbox'], [[1, 2, 20, 30]])


def test_an_image_without_people_is_warped():
    t = TRANSFORMS.build(dict(type='YOLOv5RandomPerspective', input_size=(32, 32)))
    out = t(dict(img=np.zeros((64, 64, 3), np.uint8), **people(np.zeros((0, 4)), np.zeros((0, 17, 2)),
                                                                np.zeros((0, 17)))))
    assert out['bbox'].shape == (0, 4) and out['img'].shape == (32, 32, 3)


def test_flip_mirrors_about_the_image_centre_as_the_reference():
    t = TRANSFORMS.build(dict(type='YOLOv5RandomFlip', prob=1.0))
    img = np.random.randint(0, 255, (4, 10, 3), np.uint8)
    res = dict(img=img, flip_indices=[0, 2, 1], **people(
        [[1, 0, 4, 3]], [[[2., 1.], [3., 2.], [7., 3.]]], [[1, 1, 0]]))
    out = t(res)
    assert np.array_equal(out['img'], img[:, ::-1]) and out['img'].flags.c_contiguous
    assert out['flip'] and out['flip_direction'] == 'horizontal'
    assert np.allclose(out['bbox'], [[6, 0, 9, 3]])  # [w - x2, w - x1] with w = 10
    # the reference: normalised x -> 1 - x, left/right swapped by the flip index
    assert np.allclose(out['keypoints'][0], [[8, 1], [3, 3], [7, 2]])
    assert out['keypoints_visible'].tolist() == [[1, 0, 1]]
    keep = TRANSFORMS.build(dict(type='YOLOv5RandomFlip', prob=0.0))(dict(img=img))
    assert keep['img'] is img and not keep['flip']
