"""The exported graph's outputs and sidecar, the torch-free runtime, and tools/infer.py on it."""
import json
import subprocess
import sys

import cv2
import numpy as np
import onnx
import pytest
import torch

from lrfg_mmpose.deploy import BACKENDS, Predictor, nms, open_predictor, run_on_media
from lrfg_mmpose.export import export, sidecar_path
from lrfg_mmpose.structures import PEOPLE_KEYS, PosePredictor, letterbox_matrix
from tests.helpers import DATA, ROOT, tiny_cfg

IMAGES = sorted((DATA / 'val2017').glob('*.jpg'))[:3]


@pytest.fixture(scope='module')
def exported(tmp_path_factory):
    """The tiny full model (random weights, fixed seed) exported with NMS at 320."""
    tmp = tmp_path_factory.mktemp('export')
    config = tmp / 'tiny.py'
    tiny_cfg().dump(str(config))
    torch.manual_seed(0)
    from lrfg_mmpose.utils import build_pose_model
    model = build_pose_model(tiny_cfg().model)
    model.init_weights()
    checkpoint = tmp / 'tiny.pth'
    torch.save(dict(state_dict=model.state_dict(), meta={}), checkpoint)
    return export(config, checkpoint, tmp / 'tiny.onnx', 'onnx', (320, 320)), config, checkpoint


def test_graph_outputs_and_sidecar(exported):
    path, _, _ = exported
    graph = onnx.load(str(path))
    onnx.checker.check_model(graph)
    assert graph.opset_import[0].version >= 17
    assert any(n.op_type == 'NonMaxSuppression' for n in graph.graph.node)
    assert [o.name for o in graph.graph.output] == ['num_dets', 'boxes', 'scores', 'keypoints']
    meta = json.loads(sidecar_path(path).read_text())
    assert meta['input']['size_wh'] == [320, 320] and meta['input']['channel_order'] == 'RGB'
    assert meta['preprocessing']['pad_value'] == [114, 114, 114]
    kp = meta['keypoints']
    assert len(kp['names']) == len(kp['sigmas']) == len(kp['flip_indices']) == 17
    assert kp['names'][:3] == ['nose', 'left_eye', 'right_eye'] and kp['flip_indices'][1] == 2
    assert len(kp['skeleton']) == 19
    assert meta['thresholds'] == dict(score_thr=0.001, nms_iou_thr=0.65, evaluation_score_thr=0.001)
    outputs = Predictor(path).backend(np.random.rand(1, 3, 320, 320).astype(np.float32))
    assert outputs['boxes'].shape == (1, 300, 4) and outputs['scores'].shape == (1, 300)
    assert outputs['keypoints'].shape == (1, 300, 17, 3) and outputs['num_dets'].shape == (1, )
    n = int(outputs['num_dets'][0])
    assert 0 < n <= 300
    assert np.all(np.diff(outputs['scores'][0, :n]) <= 0)  # best first
    assert not outputs['scores'][0, n:].any()  # zero padding


def test_letterbox_and_nms_hand_values():
    matrix, s = letterbox_matrix((640, 480), (320, 320))  # s = 0.5, 80 px bands above/below
    assert s == 0.5
    np.testing.assert_allclose(matrix, [[0.5, 0, 0], [0, 0.5, 40]])
    boxes = np.array([[0, 0, 10, 10], [1, 0, 11, 10], [20, 20, 30, 30]], np.float32)
    # IoU(0, 1) = 90 / 110 = 0.82: dropped at 0.65, kept at 0.9.
    assert nms(boxes, np.array([0.9, 0.8, 0.7]), 0.65, 300).tolist() == [0, 2]
    assert nms(boxes, np.array([0.9, 0.8, 0.7]), 0.9, 300).tolist() == [0, 1, 2]
    assert nms(boxes, np.array([0.9, 0.8, 0.7]), 0.9, 2).tolist() == [0, 1]


def test_runtime_imports_and_runs_without_torch_mmcv_mmpose(exported):
    path, _, _ = exported
    code = (
        'import sys, json\n'
        'for m in ("torch", "torchvision", "mmcv", "mmengine", "mmdet", "mmpose"):\n'
        '    sys.modules[m] = None  # any import of them now fails\n'
        'import cv2\n'
        'from lrfg_mmpose.deploy import PoseTracker, Predictor\n'
        f'people = Predictor({str(path)!r})(cv2.imread({str(IMAGES[0])!r}))\n'
        'tracker = PoseTracker(high_thr=0.0, low_thr=0.0)\n'
        'assert len(tracker.update(people, 0)[1]) == len(people["scores"])  # tracking too\n'
        'assert len(tracker.update(people, 1)[1]) == len(people["scores"])\n'
        'print(json.dumps({k: v.tolist() for k, v in people.items()}))\n')
    proc = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr[-2000:]
    there = json.loads(proc.stdout.strip().splitlines()[-1])
    here = Predictor(path)(cv2.imread(str(IMAGES[0])))
    for key, value in here.items():
        np.testing.assert_allclose(np.array(there[key]), value, atol=1e-4)


def test_onnx_and_openvino_exports_side_by_side(exported, tmp_path):
    """An OpenVINO export next to an ONNX one of the same name keeps the ONNX file and each
    keeps its own sidecar."""
    path, config, checkpoint = exported
    onnx_path = export(config, checkpoint, tmp_path / 'm.onnx', 'onnx', (320, 320), nms=False)
    xml_path = export(config, checkpoint, tmp_path / 'm.xml', 'openvino', (320, 320))
    assert onnx_path.is_file() and xml_path.is_file()
    assert json.loads(sidecar_path(onnx_path).read_text())['outputs']['nms_in_graph'] is False
    assert json.loads(sidecar_path(xml_path).read_text())['outputs']['nms_in_graph'] is True


def test_clear_errors(exported, tmp_path):
    path, config, checkpoint = exported
    with pytest.raises(ValueError, match='exported for'):
        Predictor(path, input_size=(384, 384))  # exported for 320 only
    lonely = tmp_path / 'lonely.onnx'
    lonely.write_bytes(path.read_bytes())
    with pytest.raises(FileNotFoundError, match=r'lonely\.onnx\.json: the sidecar'):
        Predictor(lonely)
    with pytest.raises(ValueError, match='multiples of 64'):
        export(config, checkpoint, tmp_path / 'x.onnx', 'onnx', (300, 300))
    # a sidecar of another export beside the model: named before any image is run (it used to
    # be a raw runtime error, or 'cannot reshape array')
    meta = json.loads(sidecar_path(path).read_text())
    for edit, message in [
            (lambda d: d['input'].update(size_wh=[640, 640]),
             'the graph takes 320x320 images, its sidecar says 640x640'),
            (lambda d: d['outputs'].update(names=['num_dets', 'boxes', 'scores', 'kpts']),
             "the graph has no output 'kpts'")]:
        other = json.loads(json.dumps(meta))
        edit(other)
        sidecar_path(lonely).write_text(json.dumps(other))
        with pytest.raises(ValueError, match=f'lonely.onnx: {message}.*not this model'):
            Predictor(lonely)


@pytest.mark.parametrize('backend', ['onnxruntime', 'openvino'])
def test_folder_and_video_give_pictures_and_mmpose_json(exported, tmp_path, backend):
    path, _, _ = exported
    video = tmp_path / 'clip.mp4'
    writer = cv2.VideoWriter(str(video), cv2.VideoWriter_fourcc(*'mp4v'), 5, (320, 240))
    for p in IMAGES:
        writer.write(cv2.resize(cv2.imread(str(p)), (320, 240)))
    writer.release()
    folder = tmp_path / 'images'
    folder.mkdir()
    for p in IMAGES:
        (folder / p.name).write_bytes(p.read_bytes())
    predictor = Predictor(path, backend)
    for name, inputs in (('folder', folder), ('video', video)):
        run_on_media(predictor, inputs, tmp_path / name)
    vis = sorted((tmp_path / 'folder' / 'vis').iterdir())
    assert [p.name for p in vis] == [p.name for p in IMAGES]
    assert cv2.imread(str(vis[0])).shape == cv2.imread(str(IMAGES[0])).shape
    people = json.loads((tmp_path / 'folder' / 'predictions' / f'{IMAGES[0].stem}.json').read_text())
    assert len(people) > 0  # MMPose's inferencer format
    assert set(people[0]) == {'keypoints', 'keypoint_scores', 'bbox', 'bbox_score'}
    assert len(people[0]['keypoints']) == 17 and len(people[0]['bbox'][0]) == 4
    # A truncated image among them is skipped and named; the others are done.
    bad = folder / 'z_truncated.jpg'
    bad.write_bytes(IMAGES[0].read_bytes()[:3000])
    report = run_on_media(predictor, folder, tmp_path / 'with_bad', progress=False)
    assert len(report.done) == len(IMAGES) and list(report.skipped) == [str(bad)]
    assert report.skipped[str(bad)].startswith('truncated JPEG')
    frames = json.loads((tmp_path / 'video' / 'predictions' / 'clip.json').read_text())
    assert [f['frame_id'] for f in frames] == [0, 1, 2]
    reader = cv2.VideoCapture(str(tmp_path / 'video' / 'vis' / 'clip.mp4'))
    assert int(reader.get(cv2.CAP_PROP_FRAME_COUNT)) == 3


@pytest.mark.slow  # two subprocesses that import the MMPose stack
def test_infer_tool_backend_option(exported, tmp_path):
    path, _, _ = exported
    proc = subprocess.run(
        [sys.executable, str(ROOT / 'tools' / 'infer.py'), str(IMAGES[0]), '--backend',
         'onnxruntime', '--model', str(path), '--out-dir', str(tmp_path),
         '--score-thr', '0.001'],
        capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert (tmp_path / 'vis' / IMAGES[0].name).is_file()
    assert (tmp_path / 'predictions' / f'{IMAGES[0].stem}.json').is_file()
    # --track on a video: every person written has a track_id, and the video is drawn
    video = tmp_path / 'pan.mp4'
    image = cv2.imread(str(IMAGES[0]))
    writer = cv2.VideoWriter(str(video), cv2.VideoWriter_fourcc(*'mp4v'), 10, (320, 240))
    for t in range(6):  # the camera pans 4 px a frame
        writer.write(cv2.warpAffine(image, np.float32([[1, 0, -4 * t], [0, 1, 0]]), (320, 240)))
    writer.release()
    proc = subprocess.run(
        [sys.executable, str(ROOT / 'tools' / 'infer.py'), str(video), '--backend',
         'onnxruntime', '--model', str(path), '--out-dir', str(tmp_path / 'track'), '--track',
         '--score-thr', '0.01', '--track-low-thr', '0.001', '--no-progress'],
        capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr[-2000:]
    frames = json.loads((tmp_path / 'track' / 'predictions' / 'pan.json').read_text())
    assert len(frames) == 6 and sum(len(f['instances']) for f in frames) > 0
    assert all(isinstance(p['track_id'], int) for f in frames for p in f['instances'])
    assert (tmp_path / 'track' / 'vis' / 'pan.mp4').is_file()
    proc = subprocess.run(
        [sys.executable, str(ROOT / 'tools' / 'infer.py'), str(IMAGES[0]), '--backend', 'openvino',
         '--model', str(tmp_path / 'nope.xml')], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 1 and proc.stderr.strip().splitlines() == [
        f'error: {tmp_path / "nope.xml.json"}: the sidecar written by tools/export.py is missing; '
        f'export the model again or copy it next to nope.xml']


def test_open_predictor_gives_one_interface_for_every_backend(exported):
    """Each of BACKENDS opens as a PosePredictor: the same call, the same people dict, the
    keypoint set of the training config, one score threshold; the exported model's people
    are the PyTorch model's."""
    path, config, checkpoint = exported
    image = cv2.imread(str(IMAGES[0]))
    people = {}
    for backend in BACKENDS:
        model = checkpoint if backend == 'pytorch' else path
        predictor = open_predictor(backend, model, config if backend == 'pytorch' else None,
                                   score_thr=0.01)
        assert isinstance(predictor, PosePredictor), backend
        assert predictor.score_thr == 0.01 and len(predictor.keypoints['names']) == 17
        people[backend] = predictor(image)
        assert tuple(people[backend]) == PEOPLE_KEYS, backend
        assert (people[backend]['scores'] >= 0.01).all()
    for backend in ('onnxruntime', 'openvino'):
        ours, ref = people[backend], people['pytorch']
        assert len(ours['scores']) == len(ref['scores']) > 0, backend
        np.testing.assert_allclose(np.sort(ours['scores']), np.sort(ref['scores']), atol=1e-3)
    with pytest.raises(ValueError, match='backend .tensorrt.: use one of pytorch, onnxruntime'):
        open_predictor('tensorrt', path)
    with pytest.raises(ValueError, match='the pytorch backend needs the model config'):
        open_predictor('pytorch', checkpoint)
