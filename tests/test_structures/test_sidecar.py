"""The sidecar schema: one writer, one reader, the version checked, one path rule."""
import json

import pytest

from lrfg_mmpose.structures import SIDECAR_VERSION, Sidecar, SidecarError, sidecar_path

KEYPOINTS = dict(names=['a', 'b'], skeleton=[[0, 1]], flip_indices=[1, 0], sigmas=[0.1, 0.2],
                 keypoint_colors=[[255, 0, 0], [0, 255, 0]], skeleton_colors=[[0, 0, 255]])


def sidecar(**kwargs):
    fields = dict(input_size=(320, 256), output_names=['candidates'], nms_in_graph=False,
                  max_det=100, num_keypoints=2, score_thr=0.05, nms_iou_thr=0.6,
                  keypoints=KEYPOINTS, dynamic_size=True, size_multiple=32)
    fields.update(kwargs)
    return Sidecar(**fields)


def test_write_then_read_gives_the_same_sidecar(tmp_path):
    written = sidecar()
    path = written.write(tmp_path / 'm.onnx')
    assert path == sidecar_path(tmp_path / 'm.onnx') == tmp_path / 'm.onnx.json'
    assert Sidecar.read(tmp_path / 'm.onnx') == written
    d = json.loads(path.read_text())  # the JSON layout runtimes in other languages read
    assert d['format'] == 'lrfg-yolopose' and d['version'] == SIDECAR_VERSION
    assert d['input']['size_wh'] == [320, 256] and d['input']['size_multiple'] == 32
    assert d['thresholds']['score_thr'] == 0.05 and d['outputs']['names'] == ['candidates']


@pytest.mark.parametrize('change, match', [
    (dict(version=SIDECAR_VERSION + 1), r'sidecar version 2, this runtime reads version 1'),
    (dict(format='something-else'), r'not an lrfg-yolopose sidecar'),
    (dict(outputs={}), r'malformed sidecar \(KeyError'),
])
def test_a_sidecar_of_another_version_or_format_is_refused_in_one_line(tmp_path, change, match):
    d = sidecar().to_dict()
    d.update(change)
    (tmp_path / 'm.xml.json').write_text(json.dumps(d))
    with pytest.raises(SidecarError, match=match) as e:
        Sidecar.read(tmp_path / 'm.xml')
    assert str(tmp_path / 'm.xml.json') in str(e.value) and '\n' not in str(e.value)


def test_missing_or_corrupt_sidecar_names_the_file(tmp_path):
    with pytest.raises(FileNotFoundError, match=r'm\.onnx\.json: the sidecar written by'):
        Sidecar.read(tmp_path / 'm.onnx')
    (tmp_path / 'm.onnx.json').write_text('{not json')
    with pytest.raises(SidecarError, match=r'm\.onnx\.json: not JSON'):
        Sidecar.read(tmp_path / 'm.onnx')


@pytest.mark.parametrize('edit, match', [
    (lambda k: k.update(names=['a', 'b', 'c']), 'its keypoint set has 3 names, its outputs 2'),
    (lambda k: k.update(sigmas=[0.1]), 'its keypoint set has 1 sigmas'),
    (lambda k: k.update(skeleton=[[0, 5]]), 'its skeleton or flip indices name keypoint 5, of 2'),
])
def test_a_keypoint_set_that_does_not_fit_the_outputs_is_refused(tmp_path, edit, match):
    """It used to fail mid-run (IndexError while drawing, 'cannot reshape array')."""
    d = json.loads(json.dumps(sidecar().to_dict()))  # a copy: KEYPOINTS stays as it is
    edit(d['keypoints'])
    (tmp_path / 'm.onnx.json').write_text(json.dumps(d))
    with pytest.raises(SidecarError, match=f'm.onnx.json: {match}.*export the model again'):
        Sidecar.read(tmp_path / 'm.onnx')
