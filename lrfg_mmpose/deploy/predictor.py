# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
"""People and keypoints from an exported model: letterbox, run, NMS if needed, map back.

Needs numpy, OpenCV and ONNX Runtime or OpenVINO only. Preprocessing repeats MMPose's test
pipeline (``BottomupResize``: the whole image scaled to fit and centred on a grey canvas,
``PoseDataPreprocessor``: BGR to RGB, / 255), so that the exported model sees what the PyTorch
model sees and the people come out in the same original-image coordinates.
"""
import json
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import cv2
import numpy as np

from .backends import open_backend
from .letterbox import check_input_size, letterbox_matrix, rect_input_size


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


class Predictor:
    """``Predictor(model_path)(image)`` -> people in original-image coordinates.

    Args:
        model_path: an exported ``.onnx`` or OpenVINO ``.xml``; its sidecar (``model.onnx.json``,
            written by ``tools/export.py``) must sit next to it.
        backend: 'onnxruntime' or 'openvino' (default: by file type).
        threads: CPU threads (default: the runtime's choice).
        score_thr: keep people scoring above this (default: the export's threshold).
        input_size: (w, h) for a model exported with a dynamic size (multiples of 64).
        precision: 'f32' (default, as PyTorch) or, with OpenVINO, 'bf16' / 'f16' for speed.
        spin: let ONNX Runtime's threads busy-wait between runs (default True).
        rect: rectangular inference (default False): each image letterboxed to its own aspect
            ratio, its sides padded up to multiples of 64 only (:func:`rect_input_size`);
            needs a model exported with ``--dynamic-size``.
    """

    def __init__(self, model_path, backend: Optional[str] = None, threads: Optional[int] = None,
                 score_thr: Optional[float] = None, input_size: Optional[Sequence[int]] = None,
                 precision: str = 'f32', spin: bool = True, rect: bool = False):
        model_path = Path(model_path)
        meta_path = model_path.with_name(model_path.name + '.json')  # export's sidecar_path
        if not meta_path.is_file():
            raise FileNotFoundError(f'{meta_path}: the sidecar written by tools/export.py is '
                                    f'missing; export the model again or copy it next to '
                                    f'{model_path.name}')
        self.meta = json.loads(meta_path.read_text())
        self.backend = open_backend(model_path, backend, threads, precision, spin)
        inp = self.meta['input']
        if input_size is not None and not inp['dynamic_size'] and \
                list(input_size) != inp['size_wh']:
            raise ValueError(f'{model_path} was exported for {inp["size_wh"]} only; export with '
                             f'--dynamic-size for other input sizes')
        self.input_size = check_input_size(input_size or inp['size_wh'])
        if rect and not inp['dynamic_size']:
            raise ValueError(f'{model_path} was exported for {inp["size_wh"]} only; rectangular '
                             f'inference needs an export with --dynamic-size')
        self.rect = rect
        thr = self.meta['thresholds']
        self.score_thr = thr['score_thr'] if score_thr is None else score_thr
        self.iou_thr = thr['nms_iou_thr']
        self.max_det = self.meta['outputs']['max_det']
        self.num_keypoints = self.meta['outputs']['num_keypoints']
        self.pad_value = tuple(self.meta['preprocessing']['pad_value'])

    def preprocess(self, image: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
        """BGR uint8 (h, w, 3) -> (3, H, W) float32 RGB in [0, 1], and the 2x3 matrix; (W, H) is
        the input size, or with ``rect`` the image's :func:`rect_input_size`."""
        if image.ndim == 2:
            image = cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
        elif image.shape[2] == 4:
            image = cv2.cvtColor(image, cv2.COLOR_BGRA2BGR)
        image_wh = (image.shape[1], image.shape[0])
        size = rect_input_size(image_wh, self.input_size) if self.rect else self.input_size
        matrix, _ = letterbox_matrix(image_wh, size)
        canvas = cv2.warpAffine(image, matrix, size, flags=cv2.INTER_LINEAR,
                                borderValue=self.pad_value)
        # BGR HWC uint8 -> RGB CHW float32 / 255 in one pass (4x faster than astype + copy).
        chw = np.empty((3, canvas.shape[0], canvas.shape[1]), np.float32)
        np.divide(canvas.transpose(2, 0, 1)[::-1], np.float32(255), out=chw, dtype=np.float32)
        return chw, matrix

    def postprocess(self, outputs: Dict[str, np.ndarray], i: int, matrix: np.ndarray,
                    input_wh: Sequence[int]) -> Dict[str, np.ndarray]:
        """Image ``i``'s people above ``score_thr`` (its input was ``input_wh``), mapped to the
        original image."""
        K = self.num_keypoints
        if self.meta['outputs']['nms_in_graph']:
            n = int(outputs['num_dets'][i])
            boxes, scores = outputs['boxes'][i, :n], outputs['scores'][i, :n]
            kpts = outputs['keypoints'][i, :n]
        else:
            cand = outputs['candidates'][i]
            cand = cand[cand[:, 4] > self.meta['thresholds']['score_thr']]
            cand = cand[nms(cand[:, :4], cand[:, 4], self.iou_thr, self.max_det)]
            boxes, scores, kpts = cand[:, :4], cand[:, 4], cand[:, 5:].reshape(-1, K, 3)
        keep = scores > self.score_thr
        boxes, scores, kpts = boxes[keep], scores[keep], kpts[keep]
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

    def __call__(self, image: np.ndarray) -> Dict[str, np.ndarray]:
        """People of one BGR image: ``bboxes`` (n, 4) x1 y1 x2 y2, ``scores`` (n,),
        ``keypoints`` (n, K, 2) and ``keypoint_scores`` (n, K), original-image pixels."""
        return self.predict_batch([image])[0]
