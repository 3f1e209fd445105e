"""Ultralytics pose models as optional peers of the deployment benchmark: exported by their
own exporter and timed beside ours; one clear line when ultralytics is missing."""
import sys

import onnx
import pytest

from lrfg_mmpose.apis.deploy_benchmark import best_precision, network_latencies
from lrfg_mmpose.apis.published_ap import model_spec, plot_latency_ap, published_ap
from lrfg_mmpose.apis.peers import export_peer


def test_peer_timed_beside_ours_with_int8(tiny_config_file, tmp_path):
    pytest.importorskip('ultralytics')  # installed by tools/setup_env.sh; optional elsewhere
    ms = network_latencies(['yolo26n-pose@128', f'{tiny_config_file}@128'],
                           ['onnxruntime', 'openvino'], 640, 2, 2, tmp_path, bf16=False,
                           int8=True)
    peer = onnx.load(str(tmp_path / 'yolo26n-pose_network_128.onnx'))
    assert [d.dim_value for d in peer.graph.input[0].type.tensor_type.shape.dim] == \
        [1, 3, 128, 128]
    for label in ('yolo26n-pose@128', f'{tiny_config_file}@128'):
        for backend in ('onnxruntime', 'openvino', 'openvino int8'):
            assert ms[(label, backend)] > 0
    assert set(best_precision(ms)) == {'yolo26n-pose@128', f'{tiny_config_file}@128'}


def test_missing_ultralytics_is_one_line(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, 'ultralytics', None)  # import fails as if not installed
    with pytest.raises(ImportError, match='pip install ultralytics'):
        export_peer('yolo26s-pose', tmp_path / 'x.onnx')
    with pytest.raises(ValueError, match='not an Ultralytics peer'):
        export_peer('yolo99-pose', tmp_path / 'x.onnx')


def test_specs_and_published_ap():
    assert model_spec('lrfg@960', 640) == ('lrfg', 960)
    assert model_spec('lrfg', 640) == ('lrfg', 640)
    assert model_spec('yolo26m-pose', 960) == ('yolo26m-pose', 640)  # its published size
    assert published_ap('lrfg', 960) == 66.4  # the paper's Table 1, row 8, at 960
    assert published_ap('lrfg', 640) is None  # not published at 640
    assert published_ap('yolo26m-pose', 640) == 68.8 and published_ap('rtmo_s', 640) == 67.3


def test_plot_has_one_series_per_model_with_an_ap(tmp_path):
    import matplotlib.image as mpimg
    ms = {('lrfg@960', 'openvino'): 300.0, ('lrfg@960', 'openvino bf16'): 150.0,
          ('lrfg@640', 'openvino'): 130.0, ('yolo26m-pose@640', 'openvino'): 370.0}
    path = plot_latency_ap(ms, tmp_path / 'p.png', 'test')
    image = mpimg.imread(str(path))
    assert image.shape[0] > 300 and image.shape[1] > 500
    # A plot of only unpublished points has nothing but axes: it differs from the full one.
    empty = mpimg.imread(str(plot_latency_ap({('lrfg@640', 'openvino'): 1.0},
                                             tmp_path / 'e.png', 'test')))
    assert image.shape == empty.shape and abs(image - empty).sum() > 100
