# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
"""The sidecar of an exported model: what a runtime needs besides the graph (input size and
stride, preprocessing, outputs, thresholds, the keypoint set), one JSON file next to the model.

:class:`Sidecar` is written by the exporter and read by the runtime; :func:`sidecar_path` is the
one path rule (``model.onnx`` -> ``model.onnx.json``). Reading checks the format name and the
version, so a runtime never guesses at a file it does not know.
"""
import json
from dataclasses import dataclass
from pathlib import Path
from typing import List, Optional, Sequence, Tuple

from .letterbox import P6_STRIDE, PAD_VALUE

SIDECAR_FORMAT = 'lrfg-yolopose'
SIDECAR_VERSION = 1
PREPROCESSING = ('scale s = min(W / w, H / h); the image centre goes to the input centre '
                 '(cv2.warpAffine with [[s, 0, W/2 - s w/2], [0, s, H/2 - s h/2]]), as MMPose\'s '
                 'BottomupResize; x_image = (x_input - W/2) / s + w/2')


class SidecarError(ValueError):
    """A sidecar that is not JSON, of another format, of an unknown version or malformed."""


def _keypoint_set_problem(keypoints: dict, num_keypoints: int) -> str:
    """What makes a sidecar's keypoint set unusable with ``num_keypoints`` keypoints ('' if
    nothing): per-keypoint lists of another length, skeleton links to keypoints it lacks."""
    for key in ('names', 'sigmas', 'flip_indices', 'keypoint_colors'):
        if len(keypoints[key]) != num_keypoints:
            return (f'its keypoint set has {len(keypoints[key])} {key.replace("_", " ")}, its '
                    f'outputs {num_keypoints} keypoints')
    links = [i for link in keypoints['skeleton'] for i in link]
    flips = list(keypoints['flip_indices'])
    bad = [i for i in links + flips if not 0 <= int(i) < num_keypoints]
    if bad:
        return f'its skeleton or flip indices name keypoint {bad[0]}, of {num_keypoints}'
    if len(keypoints.get('skeleton_colors', keypoints['skeleton'])) != len(keypoints['skeleton']):
        return 'its skeleton colours do not match its skeleton links'
    return ''


def sidecar_path(model_path) -> Path:
    """Where a model file's sidecar lives: ``model.onnx`` -> ``model.onnx.json``."""
    model_path = Path(model_path)
    return model_path.with_name(model_path.name + '.json')


@dataclass
class Sidecar:
    """An exported model's description (written as JSON version :data:`SIDECAR_VERSION`).

    Args:
        input_size: (w, h) the graph was exported for.
        output_names: The graph's outputs (``num_dets, boxes, scores, keypoints`` with NMS in
            the graph, ``candidates`` without).
        nms_in_graph: Whether NMS runs in the graph.
        max_det: People kept per image at most.
        num_keypoints: Keypoints per person.
        score_thr: The lowest person score the export keeps (with NMS in the graph, baked in).
        nms_iou_thr: NMS IoU threshold.
        keypoints: The keypoint set (:func:`~lrfg_mmpose.structures.keypoint_meta`).
        dynamic_batch, dynamic_size: Whether the graph takes any batch size / input size.
        size_multiple: The model's largest feature stride: input sides must be multiples of it.
        evaluation_score_thr: The config's ``test_cfg.score_thr``.
        pad_value: The letterbox grey (BGR).
        quantization: For an INT8 model, what quantising cost, measured at export against the
            float model (:meth:`lrfg_mmpose.export.int8_fidelity.Fidelity.to_dict`); None otherwise.
    """
    input_size: Tuple[int, int]
    output_names: List[str]
    nms_in_graph: bool
    max_det: int
    num_keypoints: int
    score_thr: float
    nms_iou_thr: float
    keypoints: dict
    dynamic_batch: bool = False
    dynamic_size: bool = False
    size_multiple: int = P6_STRIDE
    evaluation_score_thr: float = 0.001
    pad_value: Sequence[int] = PAD_VALUE
    quantization: Optional[dict] = None

    def to_dict(self) -> dict:
        """The JSON layout (grouped: input, preprocessing, outputs, thresholds, keypoints)."""
        d = dict(
            format=SIDECAR_FORMAT, version=SIDECAR_VERSION,
            input=dict(name='images', size_wh=list(self.input_size), layout='NCHW',
                       dtype='float32', channel_order='RGB', scale=1 / 255, mean=[0, 0, 0],
                       dynamic_batch=self.dynamic_batch, dynamic_size=self.dynamic_size,
                       size_multiple=self.size_multiple),
            preprocessing=dict(resize='letterbox', interpolation='linear',
                               pad_value=list(self.pad_value), description=PREPROCESSING),
            outputs=dict(names=list(self.output_names), nms_in_graph=self.nms_in_graph,
                         max_det=self.max_det, num_keypoints=self.num_keypoints,
                         coordinates='input pixels'),
            thresholds=dict(score_thr=self.score_thr, nms_iou_thr=self.nms_iou_thr,
                            evaluation_score_thr=self.evaluation_score_thr),
            keypoints=self.keypoints)
        if self.quantization is not None:
            d['quantization'] = self.quantization
        return d

    @classmethod
    def from_dict(cls, d: dict, where: str = 'sidecar') -> 'Sidecar':
        """Parse :meth:`to_dict`'s layout; :class:`SidecarError` names ``where`` and the fix."""
        if not isinstance(d, dict) or d.get('format') != SIDECAR_FORMAT:
            raise SidecarError(f'{where}: not an lrfg-yolopose sidecar (format '
                               f'{d.get("format") if isinstance(d, dict) else None!r}); export '
                               f'the model with tools/export.py')
        if d.get('version') != SIDECAR_VERSION:
            raise SidecarError(f'{where}: sidecar version {d.get("version")!r}, this runtime reads '
                               f'version {SIDECAR_VERSION}; export the model again with this '
                               f'version of lrfg-mmpose')
        try:
            inp, out, thr = d['input'], d['outputs'], d['thresholds']
            meta = cls(input_size=tuple(inp['size_wh']), output_names=list(out['names']),
                       nms_in_graph=bool(out['nms_in_graph']), max_det=int(out['max_det']),
                       num_keypoints=int(out['num_keypoints']), score_thr=float(thr['score_thr']),
                       nms_iou_thr=float(thr['nms_iou_thr']), keypoints=d['keypoints'],
                       dynamic_batch=bool(inp['dynamic_batch']),
                       dynamic_size=bool(inp['dynamic_size']),
                       size_multiple=int(inp.get('size_multiple', P6_STRIDE)),
                       evaluation_score_thr=float(thr.get('evaluation_score_thr', 0.001)),
                       pad_value=tuple(d['preprocessing']['pad_value']),
                       quantization=d.get('quantization'))
            problem = _keypoint_set_problem(meta.keypoints, meta.num_keypoints)
        except (KeyError, TypeError, ValueError) as e:
            raise SidecarError(f'{where}: malformed sidecar ({type(e).__name__}: {e}); export '
                               f'the model again with tools/export.py') from None
        if problem:
            raise SidecarError(f'{where}: {problem}; the sidecar was edited or belongs to '
                               f'another export: export the model again with tools/export.py')
        return meta

    def write(self, model_path) -> Path:
        """Write next to ``model_path``; returns the sidecar's path."""
        path = sidecar_path(model_path)
        path.write_text(json.dumps(self.to_dict(), indent=1))
        return path

    @classmethod
    def read(cls, model_path) -> 'Sidecar':
        """The sidecar next to ``model_path``; FileNotFoundError where it is missing, else
        :class:`SidecarError` where it cannot be used, each in one line."""
        path = sidecar_path(model_path)
        if not path.is_file():
            raise FileNotFoundError(f'{path}: the sidecar written by tools/export.py is missing; '
                                    f'export the model again or copy it next to '
                                    f'{Path(model_path).name}')
        try:
            d = json.loads(path.read_text())
        except (json.JSONDecodeError, UnicodeDecodeError) as e:
            raise SidecarError(f'{path}: not JSON ({e}); export the model again') from None
        return cls.from_dict(d, str(path))

