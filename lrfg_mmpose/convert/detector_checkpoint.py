# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
"""Initialise a pose model from a YOLOv5 P6 person detector, as the YOLO-Pose reference does.

The reference fine-tunes its pose models from a COCO person detector: ``train.py --weights
DETECTOR.pt --cfg yolov5s6_kpts.yaml`` builds the pose model and copies every tensor of the
checkpoint's ``'model'`` whose name and shape match (``intersect_dicts``, anchors excluded).
For a P6 detector (Focus stem, SPP; ``models/hub/yolov5s6.yaml``) that is the backbone, the
neck and, for a one-class detector, the four 1x1 box convs (``3 x (5 + 1) = 18`` channels,
the pose model's box conv too); the keypoint branch starts from the pose model's
initialisation. A COCO detector (80 classes, 255-channel box convs) transfers backbone and
neck only.

:func:`convert_detector_checkpoint` writes the same selection, renamed to ours, as an MMEngine
checkpoint for ``load_from`` (MMEngine loads it by name, non-strictly, like the reference).
What the copied box convs mean depends on the head's channel layout:

- ``channel_layout='reference'`` (the paper configs): the 18 channels become anchor 0's fields
  0-17 (its box, objectness, class and keypoints 0-3), anchors 1 and 2 get their box fields
  from the keypoint branch -- exactly what they mean in the reference after its loading;
- ``'per_anchor'``: anchor ``a`` gets the detector's anchor-``a`` box, objectness and class.

Deliberate difference: a detector whose stem stacks the four pixel blocks in Focus order
(Ultralytics YOLOv5 v5.0: no ``contract`` module) keeps its meaning here; the reference's
pose model (``Contract`` order) would read those stem weights with two blocks swapped.
"""
from dataclasses import dataclass, field
from pathlib import Path
from typing import List, Optional

import torch

from .yolopose_checkpoint import (ReferenceArchitecture, main_config, read_reference_model,
                                  to_mmpose_state_dict)


@dataclass
class DetectorConversionResult:
    architecture: ReferenceArchitecture
    transferred: List[str]  # our tensor names written (and loaded by the base config's model)
    from_scratch: List[str]  # the base config model's tensors that keep their initialisation
    skipped: List[str] = field(default_factory=list)  # detector tensors with no twin
    model_tensors: int = 0

    def from_scratch_modules(self, depth: int = 3) -> List[str]:
        """``from_scratch`` folded to module prefixes of ``depth`` names."""
        return sorted({'.'.join(k.split('.')[:depth]) for k in self.from_scratch})


def _model_state(cfg_model) -> dict:
    from ..utils import build_pose_model
    return {k: v for k, v in build_pose_model(cfg_model).state_dict().items()
            if isinstance(v, torch.Tensor)}


def convert_detector_checkpoint(src, dst, base_config=None,
                                metainfo: str = 'configs/_base_/datasets/coco.py',
                                ckpt: Optional[dict] = None) -> DetectorConversionResult:
    """Write the tensors of detector ``src`` that the reference would load into its pose
    model, under our names, to ``dst`` (for a config's ``load_from``).

    The selection is made against Table 1's baseline (the reference's architecture) at the
    detector's width and depth; ``from_scratch`` is reported for ``base_config``'s own model
    (an LRFG variant also starts its FGCSPP, SCA or GhostConv layers from scratch).
    ``ckpt``: ``src`` as :func:`load_reference_checkpoint` read it, if already read.

    Raises:
        CheckpointFormatError, ConversionError: one line naming the file and the cause.
    """
    from mmengine.config import Config

    # train.py loads ckpt['model'] (the EMA once stripped)
    ckpt, _, tensors, arch = read_reference_model(src, ('model', ), metainfo, detection=True,
                                                  ckpt=ckpt)
    renamed = to_mmpose_state_dict(tensors, arch, layout_code=False)

    cfg = Config.fromfile(str(base_config or main_config()))
    cfg.merge_from_dict(dict(model=arch.size_override()))
    baseline = cfg.copy()
    baseline.merge_from_dict(dict(model=arch.model_override()))
    reference_pose = _model_state(baseline.model)
    selected = {k: v for k, v in renamed.items()
                if k in reference_pose and reference_pose[k].shape == v.shape}
    skipped = sorted(set(renamed) - set(selected))
    ours = _model_state(cfg.model)
    loaded = sorted(k for k, v in selected.items() if k in ours and ours[k].shape == v.shape)
    meta = dict(source=f'YOLOv5 detector checkpoint {Path(src).name} ("model"), the tensors '
                       f'the YOLO-Pose reference loads into its pose model',
                architecture=dict(widen_factor=arch.widen_factor,
                                  deepen_factor=arch.deepen_factor,
                                  num_classes=arch.num_classes, stem_order=arch.stem_order),
                epoch=ckpt.get('epoch'))
    Path(dst).parent.mkdir(parents=True, exist_ok=True)
    torch.save(dict(meta=meta, state_dict=selected), dst)
    return DetectorConversionResult(
        arch, sorted(selected), sorted(set(ours) - set(loaded) - {'head.channel_layout_code'}),
        skipped, len(ours))
