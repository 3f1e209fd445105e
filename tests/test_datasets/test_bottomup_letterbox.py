"""Input sizes: any multiple of 64 trains and tests (square or not); other sizes get an error
naming the nearest valid ones; rectangular inference (BottomupLetterbox rect=True) keeps the
aspect ratio, maps predictions back exactly and matches the exported runtime's rect mode."""

import cv2
import numpy as np
import pytest
import torch
from mmengine.dataset import pseudo_collate
from mmengine.registry import init_default_scope
from mmpose.registry import MODELS, TRANSFORMS

from lrfg_mmpose.datasets import fixed_train_pipeline, val_pipeline
from lrfg_mmpose.structures import check_input_size, rect_input_size
from tests.helpers import DATA, build_dataset, coco_subset, perfect_outputs_ap, tiny_cfg

IMAGE = sorted((DATA / 'val2017').glob('*.jpg'))[0]


@pytest.fixture(scope='module', autouse=True)
def scope():
    init_default_scope('mmpose')


def test_invalid_sizes_name_the_nearest_valid_ones():
    assert check_input_size((640, 384)) == (640, 384)
    with pytest.raises(ValueError, match=r'input size 600x600: width and height must be '
                                         r'multiples of 64 \(the largest feature stride\); the '
                                         r'nearest valid sizes are 576x576, 576x640, 640x576, '
                                         r'640x640$'):
        check_input_size((600, 600))
    # The stride is the model's (a P3-P5 model's is 32), not a constant.
    assert check_input_size((608, 608), 32) == (608, 608)
    assert rect_input_size((640, 480), (640, 640), 32) == (640, 480)
    assert rect_input_size((640, 480), (640, 640)) == (640, 512)
    with pytest.raises(ValueError, match=r'nearest valid sizes are 640x576, 640x640$'):
        check_input_size((640, 608))
    with pytest.raises(ValueError, match=r'input size 600x600'):
        TRANSFORMS.build(dict(type='BottomupLetterbox', input_size=(600, 600)))


def test_the_head_refuses_an_input_that_is_not_whole_p6_cells(tmp_path):
    """BottomupRandomAffine takes any size and the data preprocessor pads to 64, so without the
    head's check a 608 config would train at 640 with a 32 px band, silently."""
    cfg = tiny_cfg()
    ds = build_dataset(cfg.train_dataloader, coco_subset('train2017', 1, tmp_path), 'train2017',
                       fixed_train_pipeline((608, 608)))
    model = MODELS.build(cfg.model)
    with pytest.raises(ValueError, match=r'input size 608x608: .*576x576, 576x640, 640x576, '
                                         r'640x640'):
        model.loss(*model.data_preprocessor(pseudo_collate([ds[0]]), True).values())


@pytest.mark.parametrize('size', [(384, 256), (640, 640), (832, 832)])
def test_multiples_of_64_train_and_test(size, tmp_path):
    cfg = tiny_cfg()
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.init_weights()
    ann = coco_subset('train2017', 2, tmp_path)
    train = build_dataset(cfg.train_dataloader, ann, 'train2017', fixed_train_pipeline(size))
    batch = model.data_preprocessor(pseudo_collate([train[0], train[1]]), True)
    assert tuple(batch['inputs'].shape[2:]) == size[::-1]
    losses = model.loss(*batch.values())
    assert all(torch.isfinite(v) for v in losses.values())
    model.eval()
    test = build_dataset(cfg.val_dataloader, ann, 'train2017', val_pipeline(size))
    with torch.no_grad():
        result = model.test_step(pseudo_collate([test[0]]))[0]
    assert result.pred_instances.keypoints.shape[1:] == (17, 2)
    # boxes are clipped to the input, then mapped back into the image (+ the letterbox margin)
    h, w = cv2.imread(result.img_path).shape[:2]
    assert (result.pred_instances.bboxes[:, 2] <= w * 1.01 + 1).all()


def test_rect_letterbox_sizes_and_square_equivalence():
    img = cv2.imread(str(IMAGE))
    h, w = img.shape[:2]
    for rect in (False, True):
        ours = TRANSFORMS.build(dict(type='BottomupLetterbox', input_size=(640, 640), rect=rect))
        out = ours(dict(img=img.copy(), ori_shape=(h, w)))
        expected = rect_input_size((w, h), (640, 640)) if rect else (640, 640)
        assert out['input_size'] == expected and out['img'].shape[:2] == expected[::-1]
        if not rect:  # identical to MMPose's BottomupResize (fit)
            mmpose = TRANSFORMS.build(dict(type='BottomupResize', input_size=(640, 640),
                                           pad_val=(114, 114, 114)))(dict(img=img.copy(),
                                                                          ori_shape=(h, w)))
            np.testing.assert_array_equal(out['img'], mmpose['img'])
            np.testing.assert_array_equal(out['input_scale'], mmpose['input_scale'])
    assert rect_input_size((640, 480), (640, 640)) == (640, 512)  # 4:3: 20 % fewer pixels
    assert rect_input_size((480, 640), (640, 640)) == (512, 640)
    assert rect_input_size((1000, 300), (640, 640)) == (640, 192)
    assert rect_input_size((1, 1), (640, 640)) == (640, 640)
    assert rect_input_size((640, 480), (320, 320)) == (320, 256)


def test_rect_predictions_map_back_exactly(tmp_path):
    """Ground truth made into raw head outputs at the rectangular input scores AP 1 through
    MMPose's mapping to the image and CocoMetric."""
    cfg = tiny_cfg()
    ann = coco_subset('val2017', 4, tmp_path, one_person=True)
    ds = build_dataset(cfg.val_dataloader, ann, 'val2017', val_pipeline((320, 320), rect=True))
    model = MODELS.build(cfg.model).eval()
    shapes = set()
    ap = perfect_outputs_ap(model, ds, ann, cfg, shapes)
    assert shapes - {(320, 320)}, 'no rectangular input among the images'
    assert ap == pytest.approx(1.0, abs=1e-3)


def test_runtime_rect_needs_a_dynamic_size_export(tmp_path):
    from lrfg_mmpose.deploy import Predictor
    from lrfg_mmpose.export import export
    from lrfg_mmpose.utils import build_pose_model
    config = tmp_path / 'tiny.py'
    tiny_cfg().dump(str(config))
    checkpoint = tmp_path / 'tiny.pth'
    torch.save(dict(state_dict=build_pose_model(tiny_cfg().model).state_dict()), checkpoint)
    fixed = export(config, checkpoint, tmp_path / 'fixed.onnx', 'onnx', (320, 320))
    with pytest.raises(ValueError, match=r'fixed.onnx was exported for \[320, 320\] only; '
                                         r'rectangular inference needs an export with '
                                         r'--dynamic-size'):
        Predictor(fixed, rect=True)
