# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
"""Export a trained model to ONNX or OpenVINO IR, with or without NMS in the graph.

The graph takes ``images`` (B, 3, H, W) float32 RGB in [0, 1] (the letterboxed input that
MMPose's ``BottomupResize`` and ``PoseDataPreprocessor`` make) and gives, in input pixels:

- with NMS: ``num_dets`` (B,) int64, ``boxes`` (B, max_det, 4) x1 y1 x2 y2, ``scores``
  (B, max_det) and ``keypoints`` (B, max_det, K, 3) x, y, confidence; slots past ``num_dets``
  are zeros, kept detections are in descending score;
- without NMS: ``candidates`` (B, N, 5 + 3K): x1 y1 x2 y2, score, K x (x, y, confidence) for
  every anchor of every cell (N = 3 (H W / 64 + H W / 256 + H W / 1024 + H W / 4096)).

A JSON sidecar next to the model file (``<model file name>.json``, e.g. ``model.onnx.json``) holds
what a runtime needs (:class:`~lrfg_mmpose.structures.Sidecar`).
"""
import tempfile
from pathlib import Path
from typing import Optional, Sequence

import torch
import torch.nn as nn

from ..structures import Sidecar, check_input_size, keypoint_meta, pose_metainfo
from .onnx_fold import fold_constants
from .onnx_nms import nms_fixed_outputs


class YOLOPoseExportModel(nn.Module):
    """A ``BottomupPoseEstimator`` with our head, from images to decoded candidates or to
    NMS-ed detections."""

    def __init__(self, model: nn.Module, nms: bool = True, max_det: int = 300,
                 iou_thr: float = 0.65, score_thr: float = 0.001):
        super().__init__()
        self.model, self.nms = model, nms
        self.max_det, self.iou_thr, self.score_thr = max_det, iou_thr, score_thr

    def forward(self, images: torch.Tensor):
        head = self.model.head
        outputs = head(self.model.extract_feat(images))
        if not self.nms:
            return head.decoder.decode(*outputs, head.anchors)  # (B, N, 5 + 3K)
        boxes, scores, kpt_fields, cells = head.decoder.candidates(*outputs, head.anchors)
        # Carry each candidate's raw keypoints and cell through NMS; decode only the kept.
        extra = torch.cat([kpt_fields, kpt_fields[..., :1] * 0 + cells], dim=-1)  # (B, N, 3K+3)
        num_dets, boxes, scores, extra = nms_fixed_outputs(
            boxes, scores, extra, self.max_det, self.iou_thr, self.score_thr)
        kpts = head.decoder.decode_keypoints(extra[..., :-3], extra[..., -3:])  # (B, max_det, K, 3)
        return num_dets, boxes, scores, kpts * (scores > 0)[..., None, None].to(kpts.dtype)


def check_writable(out: Path) -> None:
    """Make ``out``'s folder and prove a file can be written there, or raise ValueError in one
    line (a path under a file, a folder without write permission, ``out`` a folder)."""
    if out.is_dir():
        raise ValueError(f'--out {out}: is a folder; give the model file (.onnx or .xml)')
    blocking = next((p for p in out.parents if p.exists() and not p.is_dir()), None)
    if blocking is not None:
        raise ValueError(f'--out {out}: {blocking} is a file, not a folder; choose another path')
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=out.parent, prefix='.write-check-'):
            pass
    except OSError as e:
        raise ValueError(f'--out {out}: cannot write there ({e.strerror or e}); choose another '
                         f'folder') from None


def load_deploy_model(config, checkpoint: Optional[str]) -> tuple:
    """The config's model with the checkpoint's weights, in deploy mode (implicit layers
    folded into the box convs, BN fused into convs), in eval mode; and the config."""
    from mmcv.cnn import fuse_conv_bn

    from ..utils import build_pose_model, load_config, load_strict
    cfg = load_config(config)
    model = build_pose_model(cfg.model)
    if checkpoint:
        load_strict(model, checkpoint, config)  # CheckpointError: one line
    model.eval()
    model.switch_to_deploy()  # MMPose's: every submodule's switch_to_deploy
    return fuse_conv_bn(model), cfg


def sidecar(cfg, model: nn.Module, input_size: Sequence[int], nms: bool, dynamic_batch: bool,
            dynamic_size: bool, max_det: int, iou_thr: float, score_thr: float,
            output_names: Sequence[str]) -> Sidecar:
    """The export's :class:`~lrfg_mmpose.structures.Sidecar`: the config's keypoint set and
    evaluation threshold, the head's largest stride as the input's size multiple."""
    meta = pose_metainfo(model.head.metainfo)
    return Sidecar(
        input_size=tuple(input_size), output_names=list(output_names), nms_in_graph=nms,
        max_det=max_det, num_keypoints=int(meta['num_keypoints']), score_thr=score_thr,
        nms_iou_thr=iou_thr, keypoints=keypoint_meta(meta), dynamic_batch=dynamic_batch,
        dynamic_size=dynamic_size, size_multiple=max(model.head.featmap_strides),
        evaluation_score_thr=cfg.model.get('test_cfg', {}).get('score_thr', 0.001))


def export(config, checkpoint: Optional[str], out: str, fmt: str = 'onnx',
           input_size: Sequence[int] = (640, 640), batch_size: int = 1,
           dynamic_batch: bool = False, dynamic_size: bool = False, nms: bool = True,
           max_det: int = 300, iou_thr: Optional[float] = None,
           score_thr: Optional[float] = None, opset: int = 17, fp16: bool = False,
           int8_calib_images: Optional[str] = None, int8_preset: str = 'mixed',
           int8_limit: int = 300, int8_val_images: Optional[str] = None,
           int8_val_ann: Optional[str] = None, int8_max_drop: Optional[float] = None,
           log=print) -> Path:
    """Export ``config`` + ``checkpoint`` to ``out`` (.onnx, or .xml for OpenVINO IR) and write
    its sidecar (:func:`~lrfg_mmpose.structures.sidecar_path`). NMS thresholds default to
    the config's ``test_cfg``. A fixed-size graph has its shape arithmetic folded into
    constants (:func:`~lrfg_mmpose.export.onnx_fold.fold_constants`).

    ``int8_calib_images`` (OpenVINO only): a folder of images to quantise the network to INT8
    on (at most ``int8_limit`` of them); what it cost is measured on held-out images
    (``int8_val_images``, else every fifth calibration image), scored against
    ``int8_val_ann`` where given, printed through ``log`` and written into the sidecar
    (:func:`~lrfg_mmpose.export.int8.quantize_with_report`). ``int8_max_drop``: keep the most
    sensitive layers float until that drop is met (accuracy control). Returns the model path."""
    if fmt not in ('onnx', 'openvino'):
        raise ValueError(f'format {fmt!r}: use onnx or openvino')
    if int8_calib_images and (fmt != 'openvino' or dynamic_size or fp16):
        raise ValueError('INT8 (--int8) is for OpenVINO IR at a fixed input size: use '
                         '--format openvino without --dynamic-size or --fp16')
    if not int8_calib_images and (int8_val_images or int8_val_ann or int8_max_drop is not None):
        raise ValueError('--val-images, --val-ann and --int8-max-drop go with --int8')
    if int8_max_drop is not None and not 0 <= int8_max_drop < 1:
        raise ValueError(f'--int8-max-drop {int8_max_drop}: an AP drop between 0 and 1, '
                         f'e.g. 0.02')
    out = Path(out)
    check_writable(out)  # before minutes of export and quantisation
    if int8_calib_images:
        from .int8_calibration import split_calibration
        split_calibration(int8_calib_images, int8_limit, int8_val_images)  # folders, limit
        if int8_val_ann and not Path(int8_val_ann).is_file():
            raise FileNotFoundError(f'--val-ann {int8_val_ann}: no such annotation file')
    model, cfg = load_deploy_model(config, checkpoint)
    w, h = check_input_size(input_size, max(model.head.featmap_strides))
    test_cfg = cfg.model.get('test_cfg', {})
    iou_thr = test_cfg.get('nms_thr', 0.65) if iou_thr is None else iou_thr
    score_thr = test_cfg.get('score_thr', 0.001) if score_thr is None else score_thr
    # A fixed-size graph takes the cell grids as constants; a dynamic one computes them.
    model.head.decoder.trace_dynamic_grid = dynamic_size
    wrapper = YOLOPoseExportModel(model, nms, max_det, iou_thr, score_thr).eval()
    names = ['num_dets', 'boxes', 'scores', 'keypoints'] if nms else ['candidates']
    axes = {}
    if dynamic_batch or dynamic_size:
        spatial = {2: 'height', 3: 'width'} if dynamic_size else {}
        axes['images'] = {**({0: 'batch'} if dynamic_batch else {}), **spatial}
        for name in names:
            axes[name] = {0: 'batch'} if dynamic_batch else {}
        if not nms and dynamic_size:
            axes['candidates'][1] = 'candidates'
    # Trace with 2 images when the batch is dynamic, so that nothing specialises to one.
    x = torch.rand(max(batch_size, 2) if dynamic_batch else batch_size, 3, h, w)
    with tempfile.TemporaryDirectory() as tmp:  # OpenVINO is converted from an ONNX made here
        onnx_path = out if fmt == 'onnx' else Path(tmp) / 'model.onnx'
        with torch.no_grad():
            if not dynamic_size:
                wrapper(x)  # the cell grids made and cached: constants of the traced graph
            torch.onnx.export(wrapper, (x, ), str(onnx_path), input_names=['images'],
                              output_names=names, dynamic_axes=axes or None,
                              opset_version=opset, dynamo=False)
        if not dynamic_size:
            fold_constants(onnx_path)
        meta = sidecar(cfg, model, (w, h), nms, dynamic_batch, dynamic_size, max_det, iou_thr,
                       score_thr, names)
        if fmt == 'openvino':
            import openvino as ov
            ov_model = ov.convert_model(str(onnx_path))
            if int8_calib_images:
                ov_model, meta.quantization = _quantize(
                    ov_model, meta, Path(tmp), int8_calib_images, (w, h), int8_preset, int8_limit,
                    int8_val_images, int8_val_ann, int8_max_drop, log)
            ov.save_model(ov_model, str(out), compress_to_fp16=fp16)
    meta.write(out)
    return out


def _quantize(ov_model, meta: Sidecar, tmp: Path, calib_images, size, preset, limit, val_images,
              val_ann, max_drop, log):
    """The INT8 model and its report (the sidecar's ``quantization``), the report printed."""
    import openvino as ov

    from ..deploy import Predictor
    from .int8 import quantize_with_report
    float_path = tmp / 'float.xml'  # the float model with its sidecar: the runtime's pre- and
    ov.save_model(ov_model, str(float_path), compress_to_fp16=False)  # post-processing
    meta.write(float_path)
    int8_model, report = quantize_with_report(
        ov_model, Predictor(float_path, 'openvino'), calib_images, size, preset=preset,
        limit=limit, val_folder=val_images, val_ann=val_ann, max_drop=max_drop, log=log)
    for line in report.lines():
        log(line)
    return int8_model, report.to_dict()
