"""Exported models (ONNX Runtime, OpenVINO) against PyTorch predict() with a trained checkpoint.

The checkpoint is the tiny full model over-fitted on 2 embedded images (``overfit_tiny``,
shared with the over-fit check): its detections are confident and spread, so the comparison
means something. Tolerances are the issue's: the same detections above score 0.05 matched one
to one, boxes and keypoints within 0.5 px in original image coordinates, scores within 1e-3,
COCO AP within 0.002.
"""
import copy

import cv2
import numpy as np
import pytest
import torch
from mmengine.dataset import pseudo_collate
from mmengine.registry import DefaultScope
from mmpose.registry import METRICS

from lrfg_mmpose.deploy import Predictor
from lrfg_mmpose.structures import box_iou, match
from lrfg_mmpose.export import export
from lrfg_mmpose.structures import pose_metainfo
from lrfg_mmpose.utils import load_config
from tests.helpers import DATA, build_dataset

pytestmark = pytest.mark.slow
SIZE = 256  # the over-fit's input size (the model fits its people at that scale)


def torch_model(overfit_tiny, input_size=(SIZE, SIZE), rect=False):
    """MMPose's init_model (what its inferencer uses) with the test pipeline at ``input_size``
    (``rect``: rectangular inputs)."""
    from mmpose.apis import init_model
    cfg = load_config(overfit_tiny['config'])
    step = next(s for s in cfg.test_dataloader.dataset.pipeline
                if s['type'] == 'BottomupLetterbox')
    step.update(input_size=tuple(input_size), rect=rect)
    return init_model(cfg, str(overfit_tiny['checkpoint']), device='cpu')


@pytest.fixture(scope='module')
def torch_results(overfit_tiny):
    """PyTorch predict() on the 2 trained images (data samples through MMPose's test pipeline,
    for CocoMetric) and on 3 val images (MMPose's inference_bottomup)."""
    from mmpose.apis import inference_bottomup

    from lrfg_mmpose.datasets import val_pipeline
    model = torch_model(overfit_tiny)
    samples = []
    with DefaultScope.overwrite_default_scope('mmpose'):
        trained = build_dataset(model.cfg.val_dataloader, overfit_tiny['ann_file'], 'train2017',
                                val_pipeline((SIZE, SIZE)))
        for idx in range(len(trained)):
            with torch.no_grad():
                samples += [s.to_dict() for s in model.test_step(pseudo_collate([trained[idx]]))]
    val = []
    for path in sorted((DATA / 'val2017').glob('*.jpg'))[:3]:
        with torch.no_grad():
            val.append((path, inference_bottomup(model, str(path))[0].pred_instances))
    return samples, val


def runtime_people(predictor, path):
    return predictor(cv2.imread(str(path)))


def assert_same_people(testcase_ref, people, min_score=0.05):
    """Torch pred_instances vs runtime people: one-to-one above ``min_score``."""
    ref_keep = testcase_ref['bbox_scores'] > min_score
    ours_keep = people['scores'] > min_score
    ref_boxes = testcase_ref['bboxes'][ref_keep]
    assert ours_keep.sum() == ref_keep.sum(), (ours_keep.sum(), ref_keep.sum())
    if not ref_keep.any():
        return
    iou = box_iou(ref_boxes, people['bboxes'][ours_keep])
    rows, cols = np.array(match(iou, 0.0)).T  # every pair of the best assignment
    assert iou[rows, cols].min() > 0.99
    assert np.abs(people['bboxes'][ours_keep][cols] - ref_boxes[rows]).max() < 0.5
    assert np.abs(people['keypoints'][ours_keep][cols] -
                  testcase_ref['keypoints'][ref_keep][rows]).max() < 0.5
    assert np.abs(people['scores'][ours_keep][cols] -
                  testcase_ref['bbox_scores'][ref_keep][rows]).max() < 1e-3
    assert np.abs(people['keypoint_scores'][ours_keep][cols] -
                  testcase_ref['keypoint_scores'][ref_keep][rows]).max() < 1e-3


def coco_ap(overfit_tiny, samples, tmp_path, name):
    cfg = load_config(overfit_tiny['config'])
    metric = METRICS.build(dict(cfg.val_evaluator, ann_file=str(overfit_tiny['ann_file']),
                                outfile_prefix=str(tmp_path / name)))
    metric.dataset_meta = pose_metainfo(cfg.model.head.metainfo)
    metric.process([], samples)
    return metric.evaluate(len(samples))['coco/AP']


@pytest.mark.parametrize('fmt,backend', [('onnx', 'onnxruntime'), ('openvino', 'openvino')])
def test_exported_model_matches_pytorch(overfit_tiny, torch_results, tmp_path, fmt, backend):
    path = export(overfit_tiny['config'], overfit_tiny['checkpoint'],
                  tmp_path / ('exported.onnx' if fmt == 'onnx' else 'exported.xml'), fmt,
                  (SIZE, SIZE))
    predictor = Predictor(path, backend)  # the evaluation threshold 0.001, as predict()
    samples, val = torch_results
    runtime_samples = []
    for sample in samples:
        people = runtime_people(predictor, sample['img_path'])
        assert_same_people(sample['pred_instances'], people)
        ours = copy.deepcopy(sample)
        ours['pred_instances'] = dict(bboxes=people['bboxes'], bbox_scores=people['scores'],
                                      keypoints=people['keypoints'],
                                      keypoint_scores=people['keypoint_scores'])
        runtime_samples.append(ours)
    for path_, pred in val:
        assert_same_people(pred, runtime_people(predictor, path_))
    ap_torch = coco_ap(overfit_tiny, samples, tmp_path, 'torch')
    ap_ours = coco_ap(overfit_tiny, runtime_samples, tmp_path, backend)
    assert ap_torch > 0.5  # the trained images: a real comparison, not 0 against 0
    assert abs(ap_ours - ap_torch) <= 0.002


def test_dynamic_batch_and_size(overfit_tiny, torch_results, tmp_path):
    path = export(overfit_tiny['config'], overfit_tiny['checkpoint'], tmp_path / 'dyn.onnx',
                  'onnx', (SIZE, SIZE), dynamic_batch=True, dynamic_size=True)
    samples, val = torch_results
    images = [cv2.imread(str(s['img_path'])) for s in samples] + \
        [cv2.imread(str(p)) for p, _ in val]
    for backend in ('onnxruntime', 'openvino'):
        predictor = Predictor(path, backend)
        batched = predictor.predict_batch(images)
        for image, people in zip(images, batched):
            single = predictor(image)
            assert people['scores'].shape == single['scores'].shape
            for key in people:
                np.testing.assert_allclose(people[key], single[key], atol=1e-3, rtol=0)
    # Another input size (a multiple of 64): the same as PyTorch at that size.
    from mmpose.apis import inference_bottomup
    model = torch_model(overfit_tiny, (384, 256))
    predictor = Predictor(path, 'onnxruntime', input_size=(384, 256))
    for sample in samples:
        with torch.no_grad():
            ref = inference_bottomup(model, str(sample['img_path']))[0].pred_instances
        assert_same_people(ref, predictor(cv2.imread(str(sample['img_path']))))


def test_exported_candidates_without_nms(overfit_tiny, torch_results, tmp_path):
    """--no-nms: the runtime's own NMS on the candidates gives predict()'s people too."""
    path = export(overfit_tiny['config'], overfit_tiny['checkpoint'], tmp_path / 'cand.onnx',
                  'onnx', (SIZE, SIZE), nms=False)
    predictor = Predictor(path)
    samples, _ = torch_results
    for sample in samples:
        assert_same_people(sample['pred_instances'], runtime_people(predictor, sample['img_path']))


def test_rect_runtime_equals_pytorch_rect(overfit_tiny, tmp_path):
    """Rectangular inference: the runtime's rect mode on a dynamic-size export against PyTorch
    with BottomupLetterbox(rect=True), on the trained and the val images."""
    from mmpose.apis import inference_bottomup
    path = export(overfit_tiny['config'], overfit_tiny['checkpoint'], tmp_path / 'dyn.onnx',
                  'onnx', (SIZE, SIZE), dynamic_size=True)
    runtime = Predictor(path, input_size=(SIZE, SIZE), rect=True)
    model = torch_model(overfit_tiny, rect=True)
    ann = __import__('json').loads(overfit_tiny['ann_file'].read_text())
    images = [DATA / 'train2017' / i['file_name'] for i in ann['images']]
    images += sorted((DATA / 'val2017').glob('*.jpg'))[:3]
    shapes = set()
    for image in images:
        shapes.add(runtime.preprocess(cv2.imread(str(image)))[0].shape[1:])
        with torch.no_grad():
            ref = inference_bottomup(model, str(image))[0].pred_instances
        assert_same_people(ref, runtime_people(runtime, image))
    assert shapes - {(SIZE, SIZE)}, 'no rectangular input among the images'


def _int8_samples(predictor, samples):
    """The trained images' data samples with the runtime's people, for CocoMetric."""
    out = []
    for sample in samples:
        people = runtime_people(predictor, sample['img_path'])
        ours = copy.deepcopy(sample)
        ours['pred_instances'] = dict(bboxes=people['bboxes'], bbox_scores=people['scores'],
                                      keypoints=people['keypoints'],
                                      keypoint_scores=people['keypoint_scores'])
        out.append(ours)
    return out


@pytest.fixture(scope='module')
def int8_folders(torch_results, tmp_path_factory):
    """(calibration, validation) folders of the INT8 tests: the 2 trained images and 2 val
    images; the 2 trained images."""
    import shutil
    samples, val = torch_results
    calib, trained = tmp_path_factory.mktemp('calib'), tmp_path_factory.mktemp('trained')
    for path_ in [s['img_path'] for s in samples]:
        shutil.copy(path_, calib)
        shutil.copy(path_, trained)
    for path_, _ in val[:2]:
        shutil.copy(path_, calib)
    return calib, trained


def test_int8_export_reports_what_it_costs(overfit_tiny, torch_results, int8_folders, tmp_path,
                                           capsys):
    """OpenVINO INT8 of the over-fitted model, calibrated on 4 images and measured on the 2
    trained ones against their annotations: the graph is quantised before the NMS only, and the
    report printed and written into the sidecar is what the saved INT8 model gives through the
    runtime (people found again, OKS AP against float, COCO AP of both).

    How much INT8 costs this tiny model (widen_factor 0.125, over-fitted on 2 images,
    calibrated on 4) depends on the CPU's INT8 kernels and on the over-fitted weights (whose
    training is not bit-exact run to run): COCO AP 1.000 -> 0.76-0.80 on an Intel Xeon, 0.29
    on an AMD EPYC, and in one Xeon run a confident person found again only at box IoU 0.38;
    so no bound on it is asserted here. --int8-max-drop bounds it
    (test_int8_max_drop_keeps_the_ap)."""
    import json

    import openvino as ov

    from lrfg_mmpose.analysis.agreement import compare_people
    from lrfg_mmpose.fileio import image_paths
    samples, _ = torch_results
    path = export(overfit_tiny['config'], overfit_tiny['checkpoint'], tmp_path / 'int8.xml',
                  'openvino', (SIZE, SIZE), int8_calib_images=str(int8_folders[0]),
                  int8_val_images=str(int8_folders[1]), int8_val_ann=overfit_tiny['ann_file'])
    printed = capsys.readouterr().out
    types = {op.get_type_name() for op in ov.Core().read_model(str(path)).get_ops()}
    assert 'FakeQuantize' in types and 'NonMaxSuppression' in types
    report = json.loads((tmp_path / 'int8.xml.json').read_text())['quantization']
    assert report['precision'] == 'int8' and not report['held_out']  # 2 calibrated on too
    assert 'INT8 against float' in printed and ('verdict: OK' in printed or 'WARNING' in printed)
    # the report's figures are those of the saved model, run by the runtime
    int8 = Predictor(path, 'openvino')
    fp32 = Predictor(export(overfit_tiny['config'], overfit_tiny['checkpoint'],
                            tmp_path / 'f32.xml', 'openvino', (SIZE, SIZE)), 'openvino')
    images = [cv2.imread(str(p)) for p in image_paths(int8_folders[1])]
    sigmas = fp32.keypoints['sigmas']
    again = compare_people([fp32(i) for i in images], [int8(i) for i in images], sigmas)
    assert report['agreement']['people'] == again.people > 0
    assert report['agreement']['found'] == again.found
    assert report['agreement']['oks_ap'] == pytest.approx(again.oks_ap, abs=1e-6)
    assert all((s['pred_instances']['bbox_scores'] > 0.3).any() for s in samples)
    assert sum(len(runtime_people(int8, s['img_path'])['scores']) for s in samples) > 0
    ap_torch = coco_ap(overfit_tiny, samples, tmp_path, 'torch')
    ap_int8 = coco_ap(overfit_tiny, _int8_samples(int8, samples), tmp_path, 'int8')
    print(f'AP on the 2 trained images: f32 {ap_torch:.3f}, OpenVINO INT8 {ap_int8:.3f}; '
          f'report: {report["coco_ap"]}')
    assert report['coco_ap']['float'] == pytest.approx(ap_torch, abs=0.002)
    assert report['coco_ap']['int8'] == pytest.approx(ap_int8, abs=0.002)


def test_int8_max_drop_keeps_the_ap(overfit_tiny, torch_results, int8_folders, tmp_path):
    """--int8-max-drop 0.05 on the 2 trained images' COCO AP: the sensitivity search keeps ops
    float until the drop is within 0.05, on any CPU (it measures on the CPU it runs on); the
    saved model, run by the runtime and scored by MMPose's CocoMetric, keeps it too."""
    import json

    import openvino as ov

    from lrfg_mmpose.export.int8_quantize import float_convolutions
    samples, _ = torch_results
    path = export(overfit_tiny['config'], overfit_tiny['checkpoint'], tmp_path / 'ac.xml',
                  'openvino', (SIZE, SIZE), int8_calib_images=str(int8_folders[0]),
                  int8_val_images=str(int8_folders[1]), int8_val_ann=overfit_tiny['ann_file'],
                  int8_max_drop=0.05)
    report = json.loads((tmp_path / 'ac.xml.json').read_text())['quantization']
    model = ov.Core().read_model(str(path))
    assert report['max_drop'] == 0.05
    # what the report says stayed float is what the saved graph holds (how much must stay
    # float depends on the CPU's INT8 kernels: all of it would be a valid answer)
    assert report['float_convolutions'] == float_convolutions(model)
    quantised = 'FakeQuantize' in {op.get_type_name() for op in model.get_ops()}
    assert quantised == (len(report['kept_float']) < report['ranked'])
    assert report['coco_ap']['float'] - report['coco_ap']['int8'] <= 0.05 + 1e-9
    ap_torch = coco_ap(overfit_tiny, samples, tmp_path, 'torch')
    ap_int8 = coco_ap(overfit_tiny, _int8_samples(Predictor(path, 'openvino'), samples),
                      tmp_path, 'int8')
    print(f'AP on the 2 trained images: f32 {ap_torch:.3f}, INT8 with --int8-max-drop 0.05 '
          f'{ap_int8:.3f}, {len(report["float_convolutions"])} of {report["convolutions"]} '
          f'convolutions float; speed {report["speed_ms"]}')
    assert ap_int8 >= ap_torch - 0.05 - 0.002


def test_opencv_dnn_runs_the_fixed_size_export(overfit_tiny, torch_results, tmp_path):
    """A fixed-size --no-nms export holds no shape arithmetic, so OpenCV's DNN module (4.x, no
    NonMaxSuppression layer) loads it and computes what ONNX Runtime computes; decoded as
    docs/deploy.md tells a C++ user (score filter, cv::dnn::NMSBoxes, letterbox undone), its
    people are the runtime's."""
    import onnxruntime as ort

    from lrfg_mmpose.deploy import letterbox_input
    from lrfg_mmpose.export.onnx_fold import shape_ops
    path = export(overfit_tiny['config'], overfit_tiny['checkpoint'], tmp_path / 'cand.onnx',
                  'onnx', (SIZE, SIZE), nms=False)
    assert shape_ops(path) == {}
    net = cv2.dnn.readNetFromONNX(str(path))
    session = ort.InferenceSession(str(path), providers=['CPUExecutionProvider'])
    runtime = Predictor(path, score_thr=0.3)
    samples, _ = torch_results
    for sample in samples:
        image = cv2.imread(str(sample['img_path']))
        x, matrix = letterbox_input(image, (SIZE, SIZE))
        net.setInput(x[None])
        out = net.forward()  # (1, N, 5 + 3K)
        ref = session.run(None, {'images': x[None]})[0]
        # OpenCV's kernels sum in another order: equal to 1e-4 of the largest value (pixels)
        assert np.abs(out - ref).max() <= 1e-4 * np.abs(ref).max()
        # the decoding of docs/deploy.md, step by step
        cand = out[0][out[0, :, 4] > 0.3]
        xywh = np.concatenate([cand[:, :2], cand[:, 2:4] - cand[:, :2]], 1)
        keep = np.asarray(cv2.dnn.NMSBoxes(xywh.tolist(), cand[:, 4].tolist(), 0.3, 0.65),
                          dtype=int).reshape(-1)
        s, t = matrix[0, 0], matrix[:, 2]
        kpts = cand[keep, 5:].reshape(len(keep), -1, 3)
        people = runtime(image)
        assert len(keep) == len(people['scores']) > 0
        order = np.argsort(-cand[keep, 4])
        np.testing.assert_allclose((kpts[order, :, :2] - t) / s, people['keypoints'],
                                   atol=1e-2)
