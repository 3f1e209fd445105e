"""INT8 quantisation (NNCF): the network is quantised, the decoding and NMS are not, and bad
calibration folders are refused in one line."""
import cv2
import numpy as np
import openvino as ov
import pytest

from lrfg_mmpose.export import export
from lrfg_mmpose.export.int8_calibration import calibration_inputs
from tests.helpers import DATA

SIZE = 128


def test_int8_quantises_the_network_only(tiny_config_file, tmp_path):
    path = export(str(tiny_config_file), None, tmp_path / 'int8.xml', 'openvino', (SIZE, SIZE),
                  int8_calib_images=str(DATA / 'val2017'), int8_limit=3)
    model = ov.Core().read_model(str(path))

    def source(op, i=0):
        return op.input(i).get_source_output().get_node()

    def quantised(node):  # a FakeQuantize, through ops that keep INT8 values INT8
        if node.get_type_name() in ('Concat', 'MaxPool', 'Reshape', 'Transpose'):
            return all(quantised(source(node, i)) for i in range(node.get_input_size())
                       if source(node, i).get_type_name() != 'Constant')
        return node.get_type_name() == 'FakeQuantize'
    convs = [op for op in model.get_ops()
             if op.get_type_name() in ('Convolution', 'GroupConvolution')]
    # Every convolution's activation input is quantised...
    assert all(quantised(source(c)) for c in convs)
    # ... every SiLU (a Swish, or a Sigmoid and a Multiply) is left float, so that it fuses
    # into its convolution...
    silu = [op for op in model.get_ops() if op.get_type_name() == 'Swish' or
            op.get_type_name() == 'Multiply' and
            any(source(op, i).get_type_name() == 'Sigmoid' for i in range(2))]
    assert len(silu) >= len(convs) - 20
    assert not any(source(op, i).get_type_name() == 'FakeQuantize' for op in silu
                   for i in range(op.get_input_size()))
    # ... and no FakeQuantize sits on what follows the network (decode, NMS).
    nms = next(op for op in model.get_ops() if op.get_type_name() == 'NonMaxSuppression')
    stack, seen = [nms], set()
    while stack:
        node = stack.pop()
        if node.get_friendly_name() in seen or node.get_type_name() in ('Convolution',
                                                                       'Constant'):
            continue
        seen.add(node.get_friendly_name())
        assert node.get_type_name() != 'FakeQuantize', node.get_friendly_name()
        stack.extend(i.get_source_output().get_node() for i in node.inputs())


def test_calibration_inputs_letterbox_and_skip_bad_files(tmp_path, capsys):
    image = cv2.imread(str(sorted((DATA / 'val2017').glob('*.jpg'))[0]))
    cv2.imwrite(str(tmp_path / 'a.jpg'), image)
    (tmp_path / 'b.jpg').write_bytes(b'not an image')
    inputs = calibration_inputs(tmp_path, (SIZE, SIZE))
    assert len(inputs) == 1 and inputs[0].shape == (1, 3, SIZE, SIZE)
    assert inputs[0].dtype == np.float32 and 0 <= inputs[0].min() and inputs[0].max() <= 1
    assert 'b.jpg' in capsys.readouterr().out
    with pytest.raises(FileNotFoundError, match='calibration images folder'):
        calibration_inputs(tmp_path / 'missing', (SIZE, SIZE))
    (tmp_path / 'a.jpg').unlink()
    with pytest.raises(ValueError, match='no readable images'):
        calibration_inputs(tmp_path, (SIZE, SIZE))


def test_int8_needs_openvino_at_a_fixed_size(tiny_config_file, tmp_path):
    with pytest.raises(ValueError, match='INT8'):
        export(str(tiny_config_file), None, tmp_path / 'm.onnx', 'onnx', (SIZE, SIZE),
               int8_calib_images=str(DATA / 'val2017'))


def test_held_out_images_for_the_int8_report(tmp_path):
    """Every fifth calibration image is held out for the report (the last of 2 to 4; a single
    image serves both, flagged); --val-images is held out unless it shares file names."""
    from lrfg_mmpose.export.int8_calibration import split_calibration
    image = cv2.imread(str(sorted((DATA / 'val2017').glob('*.jpg'))[0]))
    folder = tmp_path / 'calib'
    folder.mkdir()
    for i in range(12):
        cv2.imwrite(str(folder / f'{i:02d}.jpg'), image)
    calib, val, held_out = split_calibration(folder, 300)
    assert [p.name for p in val] == ['04.jpg', '09.jpg'] and held_out
    assert len(calib) == 10 and not set(calib) & set(val)
    assert len(split_calibration(folder, 3)[0]) == 3  # --calib-limit counts calibration images
    for p in sorted(folder.iterdir())[3:]:
        p.unlink()
    calib, val, held_out = split_calibration(folder, 300)
    assert [p.name for p in val] == ['02.jpg'] and len(calib) == 2 and held_out
    other = tmp_path / 'val'
    other.mkdir()
    cv2.imwrite(str(other / 'x.jpg'), image)
    assert split_calibration(folder, 300, other)[2]
    assert not split_calibration(folder, 300, folder)[2]  # the same images: not held out
    for p in sorted(folder.iterdir())[1:]:
        p.unlink()
    calib, val, held_out = split_calibration(folder, 300)
    assert calib == val and not held_out
    with pytest.raises(ValueError, match='calib-limit 0'):
        split_calibration(folder, 0)
    with pytest.raises(ValueError, match='calib-limit -1'):
        calibration_inputs(folder, (SIZE, SIZE), -1)


def test_infer_warns_of_an_int8_model_whose_report_failed(tiny_config_file, tmp_path, capsys):
    """The sidecar keeps the export's verdict; tools/infer.py says so in one line on loading a
    model that lost what the float model finds (and nothing on one that did not)."""
    import json
    import runpy
    from unittest import mock

    from tests.helpers import ROOT
    path = export(str(tiny_config_file), None, tmp_path / 'int8.xml', 'openvino', (SIZE, SIZE),
                  int8_calib_images=str(DATA / 'val2017'), int8_limit=3)
    sidecar = tmp_path / 'int8.xml.json'
    meta = json.loads(sidecar.read_text())
    assert isinstance(meta['quantization']['ok'], bool)
    main = runpy.run_path(str(ROOT / 'tools' / 'infer.py'))['main']
    image = sorted((DATA / 'val2017').glob('*.jpg'))[0]
    for ok in (True, False):
        meta['quantization']['ok'] = ok
        sidecar.write_text(json.dumps(meta))
        argv = ['infer.py', image, '--backend', 'openvino', '--model', path, '--out-dir',
                tmp_path / 'out', '--no-progress']
        with mock.patch('sys.argv', list(map(str, argv))):
            main()
        out = capsys.readouterr().out
        assert ('its INT8 export measured a large loss' in out) != ok
