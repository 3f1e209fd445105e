# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
"""People and keypoints from an exported model: letterbox, run, NMS if needed, map back.

Needs numpy, OpenCV and ONNX Runtime or OpenVINO only. Preprocessing repeats MMPose's test
pipeline (``BottomupResize``: the whole image scaled to fit and centred on a grey canvas,
``PoseDataPreprocessor``: BGR to RGB, / 255), so that the exported model sees what the PyTorch
model sees and the people come out in the same original-image coordinates.
"""
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple, Union

import cv2
import numpy as np

from ..structures import (PAD_VALUE, People, PosePredictor, Sidecar, check_input_size,
                          letterbox_matrix, rect_input_size)
from .backends import RUNTIMES, open_backend
from .tiles import TiledPredictor
from .torch_predictor import TorchPredictor  # torch and MMPose imported when one is made

# Every predictor backend by name, with what it opens; the tools' --backend choices.
BACKENDS = {
    'pytorch': 'a config and a checkpoint (needs torch and MMPose)',
    'onnxruntime': 'an exported .onnx (tools/export.py) and its sidecar',
    'openvino': 'an exported OpenVINO .xml (or .onnx) and its sidecar',
}
assert set(RUNTIMES) < set(BACKENDS)


def nms(boxes: np.ndarray, scores: np.ndarray, iou_thr: float, max_det: int) -> np.ndarray:
    """Greedy box NMS (suppress IoU > ``iou_thr``), best first, at most ``max_det`` kept."""
    order = np.argsort(-scores, kind='stable')
    areas = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    keep = []
    while order.size and len(keep) < max_det:
        i, rest = order[0], order[1:]
        keep.append(i)
        lt = np.maximum(boxes[i, :2], boxes[rest, :2])
        rb = np.minimum(boxes[i, 2:], boxes[rest, 2:])
        inter = np.clip(rb - lt, 0, None).prod(axis=1)
        order = rest[inter / (areas[i] + areas[rest] - inter) <= iou_thr]
    return np.asarray(keep, dtype=np.int64)


def letterbox_input(image: np.ndarray, size: Sequence[int], pad_value: Sequence[int] = PAD_VALUE
                    ) -> Tuple[np.ndarray, np.ndarray]:
    """An exported graph's input from a BGR image (grey, BGRA or BGR uint8): letterboxed to
    ``size`` (W, H), (3, H, W) float32 RGB in [0, 1]; and the 2x3 image-to-input matrix."""
    if image.ndim == 2:
        image = cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
    elif image.shape[2] == 4:
        image = cv2.cvtColor(image, cv2.COLOR_BGRA2BGR)
    size = tuple(int(v) for v in size)
    matrix, _ = letterbox_matrix((image.shape[1], image.shape[0]), size)
    canvas = cv2.warpAffine(image, matrix, size, flags=cv2.INTER_LINEAR,
                            borderValue=tuple(int(v) for v in pad_value))
    # BGR HWC uint8 -> RGB CHW float32 / 255 in one pass (4x faster than astype + copy).
    chw = np.empty((3, canvas.shape[0], canvas.shape[1]), np.float32)
    np.divide(canvas.transpose(2, 0, 1)[::-1], np.float32(255), out=chw, dtype=np.float32)
    return chw, matrix


def _check_graph(model_path: Path, meta: Sidecar, backend) -> None:
    """The graph's input size and keypoint count are the sidecar's, or one ValueError naming
    the files (a sidecar of another export, edited, or copied beside the wrong model)."""
    fix = (f'the sidecar {model_path.name}.json is not this model\'s (another export, or '
           f'edited); export again, or put the model\'s own sidecar beside it')
    shape = getattr(backend, 'input_shape', ())
    if len(shape) == 4 and None not in shape[2:] and not meta.dynamic_size and \
            (shape[3], shape[2]) != tuple(meta.input_size):
        raise ValueError(f'{model_path}: the graph takes {shape[3]}x{shape[2]} images, its '
                         f'sidecar says {meta.input_size[0]}x{meta.input_size[1]}; {fix}')
    outputs = getattr(backend, 'output_shapes', {})
    missing = [n for n in meta.output_names if n not in outputs]
    if outputs and missing:
        raise ValueError(f'{model_path}: the graph has no output {missing[0]!r} (it has '
                         f'{", ".join(outputs)}); {fix}')
    K = meta.num_keypoints
    if meta.nms_in_graph and outputs:
        found = outputs['keypoints'][2] if len(outputs['keypoints']) == 4 else None
    elif outputs:
        last = outputs['candidates'][-1]
        found = None if last is None else (last - 5) / 3
    else:
        found = None
    if found is not None and found != K:
        raise ValueError(f'{model_path}: the graph gives {found:g} keypoints a person, its sidecar '
                         f'{K}; {fix}')


class Predictor:
    """``Predictor(model_path)(image)`` -> people in original-image coordinates: the
    :class:`~lrfg_mmpose.structures.PosePredictor` of an exported model.

    Args:
        model_path: an exported ``.onnx`` or OpenVINO ``.xml``; its sidecar (``model.onnx.json``,
            written by ``tools/export.py``) must sit next to it.
        backend: 'onnxruntime' or 'openvino' (default: by file type).
        threads: CPU threads (default: the runtime's choice).
        score_thr: keep people scoring above this, the one person filter (default: the
            export's threshold; with NMS in the graph it cannot go below it).
        input_size: (w, h) for a model exported with a dynamic size (multiples of the
            model's largest stride, the sidecar's ``size_multiple``).
        precision: 'f32' (default, as PyTorch) or, with OpenVINO, 'bf16' / 'f16' for speed.
        spin: let ONNX Runtime's threads busy-wait between runs (default True).
        rect: rectangular inference (default False): each image letterboxed to its own aspect
            ratio, its sides padded up to multiples of the stride only (:func:`rect_input_size`);
            needs a model exported with ``--dynamic-size``.
    """

    def __init__(self, model_path, backend: Optional[str] = None, threads: Optional[int] = None,
                 score_thr: Optional[float] = None, input_size: Optional[Sequence[int]] = None,
                 precision: str = 'f32', spin: bool = True, rect: bool = False):
        model_path = Path(model_path)
        self.sidecar = meta = Sidecar.read(model_path)
        self.backend = open_backend(model_path, backend, threads, precision, spin)
        _check_graph(model_path, meta, self.backend)
        if input_size is not None and not meta.dynamic_size and \
                tuple(input_size) != tuple(meta.input_size):
            raise ValueError(f'{model_path} was exported for {list(meta.input_size)} only; export '
                             f'with --dynamic-size for other input sizes')
        self.size_multiple = meta.size_multiple
        self.input_size = check_input_size(input_size or meta.input_size, self.size_multiple)
        if rect and not meta.dynamic_size:
            raise ValueError(f'{model_path} was exported for {list(meta.input_size)} only; '
                             f'rectangular inference needs an export with --dynamic-size')
        if score_thr is not None and score_thr < meta.score_thr and meta.nms_in_graph:
            raise ValueError(f'score_thr {score_thr} is below {meta.score_thr}, the threshold of '
                             f'the NMS in {model_path.name}; export again with --score-thr '
                             f'{score_thr} (or --no-nms)')
        self.rect = rect
        self.score_thr = meta.score_thr if score_thr is None else score_thr
        self.keypoints = meta.keypoints

    def preprocess(self, image: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
        """BGR uint8 (h, w, 3) -> (3, H, W) float32 RGB in [0, 1], and the 2x3 matrix; (W, H) is
        the input size, or with ``rect`` the image's :func:`rect_input_size`."""
        image_wh = (image.shape[1], image.shape[0])
        size = rect_input_size(image_wh, self.input_size, self.size_multiple) if self.rect \
            else self.input_size
        return letterbox_input(image, size, self.sidecar.pad_value)

    def postprocess(self, outputs: Dict[str, np.ndarray], i: int, matrix: np.ndarray,
                    input_wh: Sequence[int]) -> Dict[str, np.ndarray]:
        """Image ``i``'s people above ``score_thr`` (its input was ``input_wh``), mapped to the
        original image."""
        K = self.sidecar.num_keypoints
        if self.sidecar.nms_in_graph:
            n = int(outputs['num_dets'][i])
            boxes, scores = outputs['boxes'][i, :n], outputs['scores'][i, :n]
            kpts = outputs['keypoints'][i, :n]
            keep = scores > self.score_thr  # the graph kept those above the export's threshold
            boxes, scores, kpts = boxes[keep], scores[keep], kpts[keep]
        else:
            cand = outputs['candidates'][i]
            # Filtering before NMS keeps the same people above score_thr: lower-scoring boxes
            # never suppress higher ones.
            cand = cand[cand[:, 4] > self.score_thr]
            cand = cand[nms(cand[:, :4], cand[:, 4], self.sidecar.nms_iou_thr,
                            self.sidecar.max_det)]
            boxes, scores, kpts = cand[:, :4], cand[:, 4], cand[:, 5:].reshape(-1, K, 3)
        in_w, in_h = input_wh
        boxes = np.clip(boxes, 0, [in_w, in_h, in_w, in_h])  # to the input, as predict() does
        s, (tx, ty) = matrix[0, 0], matrix[:, 2]
        boxes = (boxes.reshape(-1, 2, 2) - (tx, ty)) / s
        return dict(bboxes=boxes.reshape(-1, 4).astype(np.float32),
                    scores=scores.astype(np.float32),
                    keypoints=((kpts[..., :2] - (tx, ty)) / s).astype(np.float32),
                    keypoint_scores=kpts[..., 2].astype(np.float32))

    def predict_batch(self, images: Sequence[np.ndarray]) -> List[Dict[str, np.ndarray]]:
        """People of each BGR image; one network run (the model's batch must allow it)."""
        inputs, matrices = zip(*(self.preprocess(img) for img in images))
        sizes = [(x.shape[2], x.shape[1]) for x in inputs]
        h, w = max(s[1] for s in sizes), max(s[0] for s in sizes)
        # rectangular inputs of other sizes: padded at the bottom and right with 0, as MMPose's
        # PoseDataPreprocessor pads a batch
        batch = np.zeros((len(inputs), 3, h, w), np.float32)
        for i, x in enumerate(inputs):
            batch[i, :, :x.shape[1], :x.shape[2]] = x
        outputs = self.backend(batch)
        return [self.postprocess(outputs, i, m, size)
                for i, (m, size) in enumerate(zip(matrices, sizes))]

    def __call__(self, image: np.ndarray) -> People:
        """People of one BGR image (:data:`~lrfg_mmpose.structures.People`)."""
        return self.predict_batch([image])[0]


def open_predictor(backend: str, model, config: Optional[str] = None, *, device: str = 'cpu',
                   threads: Optional[int] = None, precision: str = 'f32',
                   score_thr: Optional[float] = None, input_size: Optional[Sequence[int]] = None,
                   rect: bool = False, spin: bool = True,
                   tiles: Union[None, bool, float] = None) -> PosePredictor:
    """One :class:`~lrfg_mmpose.structures.PosePredictor` for any of :data:`BACKENDS`.

    ``model``: the checkpoint (``'pytorch'``, with ``config``) or the exported model file.
    ``device`` is PyTorch's; ``threads``, ``precision`` and ``spin`` the runtimes' (see
    :class:`Predictor`). torch and MMPose are imported only for ``'pytorch'``. ``tiles``: tiled
    inference (:class:`~lrfg_mmpose.deploy.tiles.TiledPredictor`) with tiles of the model's
    input size overlapping by this fraction (True: 0.25), plus the whole frame.
    """
    if tiles is not None and tiles is not False:
        inner = open_predictor(backend, model, config, device=device, threads=threads,
                               precision=precision, score_thr=score_thr, input_size=input_size,
                               rect=False, spin=spin)
        return TiledPredictor(inner, overlap=0.25 if tiles is True else float(tiles))
    if backend not in BACKENDS:
        raise ValueError(f'backend {backend!r}: use one of {", ".join(BACKENDS)}')
    if backend == 'pytorch':
        if not config:
            raise ValueError('the pytorch backend needs the model config and a checkpoint')
        return TorchPredictor(config, model, device, input_size=input_size,
                              rect=rect or None, score_thr=score_thr)
    return Predictor(model, backend, threads, score_thr, input_size, precision, spin, rect)
