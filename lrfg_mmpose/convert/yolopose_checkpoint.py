# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
"""Convert a YOLO-Pose reference checkpoint (edgeai-yolov5, branch yolo-pose) to MMPose.

The reference's ``Model`` is a flat list of 34 layers (``models/hub/yolov5s6_kpts.yaml``):
0 Focus, 1-11 CSP-Darknet P6 (Conv/C3 pairs, SPP at 10, C3 without shortcut at 11),
12-32 the PANet (laterals 12/16/20, top-down C3 15/19/23, downsamples 24/27/30, bottom-up
C3 26/29/32) and 33 ``Detect`` (box conv ``m``, keypoint branch ``m_kpt``). They map onto
``SCADKNet`` (SCA and FGCSPP off), ``YOLOPosePAFPN`` (Ghost off) and ``YOLOPoseHead``
(implicit off, ``channel_layout='reference'``): Table 1's baseline row, at the width and
depth read from the tensor shapes. The stem's four pixel blocks are reordered (the
reference's ``Contract`` stacks top-left, top-right, bottom-left, bottom-right; mmdet's
``Focus`` top-left, bottom-left, top-right, bottom-right), fp16 becomes fp32, and the
anchors stored in the checkpoint (training may evolve them) go into the output's meta.
"""
import re
from collections import OrderedDict
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Dict, List, Optional, Sequence

import torch

from ..fileio import repo_root
from ..structures import DEFAULT_ANCHORS
from .reference_pickle import InertModule, load_reference_checkpoint

# Released YOLO-Pose sizes (depth multiple, width multiple) and the config that fits each.
RELEASED_SIZES = {
    's6': (0.33, 0.50, 'configs/ablation/lrfg_yolopose_t1r1-baseline_coco-960.py'),
    'm6': (0.67, 0.75, 'configs/yolopose/yolopose_m6_coco-960.py'),
    'l6': (1.0, 1.0, 'configs/yolopose/yolopose_l6_coco-960.py'),
}
DEPTH_CANDIDATES = (0.33, 0.67, 1.0, 1.33)

# Reference layer index -> (our module prefix, reference class name).
_LAYERS = {
    0: ('backbone.stem', 'Focus'),
    1: ('backbone.stage1.0', 'Conv'), 2: ('backbone.stage1.1', 'C3'),
    3: ('backbone.stage2.0', 'Conv'), 4: ('backbone.stage2.1', 'C3'),
    5: ('backbone.stage3.0', 'Conv'), 6: ('backbone.stage3.1', 'C3'),
    7: ('backbone.stage4.0', 'Conv'), 8: ('backbone.stage4.1', 'C3'),
    9: ('backbone.stage5.0', 'Conv'), 10: ('backbone.stage5.1', 'SPP'),
    11: ('backbone.stage5.2', 'C3'),
    12: ('neck.lateral_convs.0', 'Conv'), 15: ('neck.top_down_blocks.0', 'C3'),
    16: ('neck.lateral_convs.1', 'Conv'), 19: ('neck.top_down_blocks.1', 'C3'),
    20: ('neck.lateral_convs.2', 'Conv'), 23: ('neck.top_down_blocks.2', 'C3'),
    24: ('neck.downsamples.0', 'Conv'), 26: ('neck.bottom_up_blocks.0', 'C3'),
    27: ('neck.downsamples.1', 'Conv'), 29: ('neck.bottom_up_blocks.1', 'C3'),
    30: ('neck.downsamples.2', 'Conv'), 32: ('neck.bottom_up_blocks.2', 'C3'),
    33: ('head', 'Detect'),
}
_PARAMETER_FREE = {13: 'Upsample', 17: 'Upsample', 21: 'Upsample', 14: 'Concat', 18: 'Concat',
                   22: 'Concat', 25: 'Concat', 28: 'Concat', 31: 'Concat'}
# C3 bottleneck counts of yolov5s6_kpts.yaml before the depth multiple.
_BASE_DEPTHS = {2: 3, 4: 9, 6: 9, 8: 3, 11: 3, 15: 3, 19: 3, 23: 3, 26: 3, 29: 3, 32: 3}
# Submodule renames inside a layer (reference -> mmdet/ours).
_C3_RENAMES = ((r'^cv1\.', 'main_conv.'), (r'^cv2\.', 'short_conv.'), (r'^cv3\.', 'final_conv.'),
               (r'^m\.(\d+)\.cv1\.', r'blocks.\1.conv1.'), (r'^m\.(\d+)\.cv2\.', r'blocks.\1.conv2.'))
_SPP_RENAMES = ((r'^cv1\.', 'conv1.'), (r'^cv2\.', 'conv2.'))
_DETECT_RENAMES = ((r'^m\.', 'box_convs.'), (r'^m_kpt\.', 'kpt_convs.'))


class ConversionError(ValueError):
    """The checkpoint cannot become one of our models; the message says why and what to do."""


@dataclass
class ReferenceArchitecture:
    """What a reference checkpoint holds, read from its tensors."""
    widen_factor: float
    deepen_factor: float
    neck_blocks: int
    in_channels: List[int]
    num_keypoints: int
    anchors: List[List[List[float]]]  # (levels, anchors, 2) w, h in input pixels
    strides: List[int]
    stem_order: str  # 'contract' (TL, TR, BL, BR) or 'focus' (TL, BL, TR, BR)
    size: Optional[str] = None  # 's6', 'm6', 'l6' or None
    num_classes: int = 1

    def size_override(self) -> dict:
        """Config ``model`` override for this width, depth and these anchors (any variant)."""
        return dict(
            backbone=dict(deepen_factor=self.deepen_factor, widen_factor=self.widen_factor),
            neck=dict(in_channels=self.in_channels, deepen_factor=self.deepen_factor,
                      num_csp_blocks=self.neck_blocks),
            head=dict(in_channels=self.in_channels, anchors=self.anchors))

    def model_override(self) -> dict:
        """The override that builds this checkpoint's model from the main config: the size,
        Table 1's baseline switches and the reference channel layout."""
        override = self.size_override()
        override['backbone'].update(use_fgcspp=False, sca_cfg=None)
        override['neck'].update(use_ghost=False)
        override['head'].update(use_implicit=False, channel_layout='reference')
        return override


@dataclass
class ConversionResult:
    architecture: ReferenceArchitecture
    source_key: str  # 'ema' or 'model'
    num_tensors: int
    num_parameters: int
    fitting_config: Optional[str]
    anchors_differ: bool
    out_config: Optional[str] = None


def _layers(model: InertModule, path) -> Dict[int, InertModule]:
    seq = model.children().get('model')
    if seq is None:
        raise ConversionError(f'{path}: the pickled model has no layer list "model"; it is not '
                              f'a YOLOv5/YOLO-Pose Model')
    return {int(k): v for k, v in seq.children().items()}


def _short(qualname: str) -> str:
    return qualname.rsplit('.', 1)[-1]


def _depth(tensors: Dict[str, torch.Tensor], layer: int) -> int:
    blocks = {m.group(1) for k in tensors for m in [re.match(rf'model\.{layer}\.m\.(\d+)\.', k)] if m}
    return len(blocks)


def inspect_reference_model(model: InertModule, tensors: Dict[str, torch.Tensor], path,
                            num_keypoints: int = 17,
                            detection: Optional[bool] = None) -> ReferenceArchitecture:
    """Read width, depth, keypoints and anchors, and check that the model is YOLO-Pose's P6
    architecture (the only one our configs express). ``detection``: the model must be a
    YOLOv5 P6 detector (True), a YOLO-Pose model (False), or either (None); for a detector
    ``num_keypoints`` is the pose model's."""
    layers = _layers(model, path)
    detect = _detect_layer(layers)
    if detect is None or _short(detect.qualname) not in ('Detect', 'IKeypoint'):
        raise ConversionError(f'{path}: the last layer is '
                              f'{_short(detect.qualname) if detect else "missing"}, not a '
                              f'YOLO-Pose Detect head')
    nkpt = int(detect.__dict__.get('nkpt') or 0)
    is_pose = _predicts_keypoints(detect)
    if detection is None:
        detection = not is_pose
    kpt_branch = detect.children().get('m_kpt')
    nc = detect.__dict__.get('nc')
    if detection and is_pose:
        raise ConversionError(f'{path}: a YOLO-Pose keypoint model ({nkpt} keypoints), not a '
                              f'detector: convert it as a pose checkpoint')
    if not detection and not is_pose:
        raise ConversionError(f'{path}: a detection-only model (its Detect head has no keypoint '
                              f'branch m_kpt): convert it as a person detector to initialise '
                              f'training (load_from)')
    if not detection and nkpt != num_keypoints:
        raise ConversionError(f'{path}: the model predicts {nkpt} keypoints but the target '
                              f'dataset has {num_keypoints}: give a metainfo file with {nkpt} '
                              f'keypoints (--metainfo)')
    if not detection and nc != 1:
        raise ConversionError(f'{path}: the model has {nc} classes; YOLO-Pose person models '
                              f'have 1')
    # The P6 layer list, layer by layer.
    expected = {i: name for i, (_, name) in _LAYERS.items()}
    expected.update(_PARAMETER_FREE)
    found = {i: _short(m.qualname) for i, m in layers.items()}
    if len(found) != 34 or any(found.get(i) != name for i, name in expected.items()):
        diff = [f'layer {i}: {found.get(i, "missing")} (P6 YOLO-Pose has {name})'
                for i, name in sorted(expected.items()) if found.get(i) != name]
        raise ConversionError(
            f'{path}: no matching config: the model has {len(found)} layers and is not the P6 '
            f'YOLO-Pose (s6/m6/l6) our configs build; first difference: '
            f'{diff[0] if diff else "extra layers"}')
    acts = {_short(m.qualname) for m in _walk(model) if _short(m.qualname) in (
        'SiLU', 'ReLU', 'ReLU6', 'LeakyReLU', 'Hardswish')}
    if acts != {'SiLU'}:
        raise ConversionError(f'{path}: no matching config: activations {sorted(acts)} (a '
                              f'TI-lite model?); our configs build the SiLU YOLO-Pose')
    m_kpt0 = kpt_branch.children().get('0') if kpt_branch is not None else None
    if not detection and (m_kpt0 is None or len(m_kpt0.children()) != 12):
        raise ConversionError(f'{path}: no matching config: the keypoint branch is not the '
                              f'depthwise stack (dw_conv_kpt) of yolov5s6_kpts.yaml')

    stem = tensors['model.0.conv.conv.weight']  # (64 w, 12, k, k)
    widen = stem.shape[0] / 64
    depths = {i: _depth(tensors, i) for i in _BASE_DEPTHS}
    deepen = next((d for d in (*DEPTH_CANDIDATES, depths[4] / 9) if all(
        max(round(n * d), 1) == depths[i] for i, n in _BASE_DEPTHS.items())), None)
    if deepen is None:
        raise ConversionError(f'{path}: no matching config: C3 depths {depths} fit no single '
                              f'depth multiple')
    strides = [int(s) for s in detect.__dict__['stride'].tolist()]
    if strides != [8, 16, 32, 64]:
        raise ConversionError(f'{path}: no matching config: strides {strides}, not P3-P6')
    if 'model.33.anchor_grid' in tensors:  # (L, 1, A, 1, 1, 2) pixels
        anchors = tensors['model.33.anchor_grid'].float().reshape(len(strides), -1, 2)
    else:  # (L, A, 2) grid units
        anchors = tensors['model.33.anchors'].float() * torch.tensor(strides)[:, None, None]
    size = next((name for name, (d, w, _) in RELEASED_SIZES.items()
                 if (d, w) == (deepen, widen)), None)
    return ReferenceArchitecture(
        widen_factor=widen, deepen_factor=deepen, neck_blocks=depths[15],
        in_channels=[int(c * widen) for c in (256, 512, 768, 1024)],
        num_keypoints=num_keypoints if detection else nkpt, anchors=anchors.tolist(),
        strides=strides, num_classes=int(nc),
        stem_order='contract' if 'contract' in layers[0].children() else 'focus', size=size)


def is_pose_model(model: InertModule, path) -> bool:
    """Whether a reference ``Model`` predicts keypoints (YOLO-Pose) or only boxes (YOLOv5,
    whose ``Detect`` has no ``m_kpt``, or in the YOLO-Pose code base an ``m_kpt`` with
    ``nkpt = 0`` and no output channels)."""
    detect = _detect_layer(_layers(model, path))
    return detect is not None and _predicts_keypoints(detect)


def _detect_layer(layers: Dict[int, InertModule]) -> Optional[InertModule]:
    return layers.get(max(layers)) if layers else None


def _predicts_keypoints(detect: InertModule) -> bool:
    return bool(detect.__dict__.get('nkpt') and detect.children().get('m_kpt') is not None)


def _walk(module: InertModule):
    yield module
    for child in module.children().values():
        yield from _walk(child)


def reference_key_to_ours(key: str) -> Optional[str]:
    """Our state-dict name of a reference tensor (``model.<layer>.<rest>``); None for the
    anchors (config, not weights: ``head.anchors``)."""
    renames = {'C3': _C3_RENAMES, 'SPP': _SPP_RENAMES, 'Detect': _DETECT_RENAMES}
    m = re.match(r'model\.(\d+)\.(.+)$', key)
    layer, rest = int(m.group(1)), m.group(2)
    if layer == 33 and rest in ('anchors', 'anchor_grid'):
        return None
    prefix, kind = _LAYERS[layer]
    for pattern, repl in renames.get(kind, ()):
        rest = re.sub(pattern, repl, rest)
    return f'{prefix}.{rest}'


def swap_stem_blocks(weight: torch.Tensor) -> torch.Tensor:
    """The stem conv weight with its 2nd and 3rd input-channel blocks swapped: the
    reference's ``Contract`` order (top-left, top-right, bottom-left, bottom-right pixels) to
    mmdet's ``Focus`` order (top-left, bottom-left, top-right, bottom-right), and back."""
    c = weight.shape[1] // 4
    return torch.cat([weight[:, :c], weight[:, 2 * c:3 * c], weight[:, c:2 * c],
                      weight[:, 3 * c:]], dim=1)


def to_mmpose_state_dict(tensors: Dict[str, torch.Tensor],
                         arch: ReferenceArchitecture,
                         layout_code: bool = True) -> 'OrderedDict[str, torch.Tensor]':
    """Rename the reference's tensors to ours, reorder the stem, convert to fp32.
    ``layout_code``: add the head's ``channel_layout_code`` for the reference layout."""
    out = OrderedDict()
    for key, value in tensors.items():
        name = reference_key_to_ours(key)
        if name is None:
            continue  # anchors are config (head.anchors), reported in meta
        value = value.float() if value.is_floating_point() else value.clone()
        if name == 'backbone.stem.conv.conv.weight' and arch.stem_order == 'contract':
            value = swap_stem_blocks(value)
        out[name] = value
    if layout_code:
        out['head.channel_layout_code'] = torch.tensor(0, dtype=torch.uint8)  # 'reference'
    return out


def main_config() -> Path:
    """The paper's config of the checkout, the converters' default base config."""
    return repo_root() / 'configs' / 'lrfg_yolopose_coco.py'


def build_config(arch: ReferenceArchitecture, base_config=None) -> tuple:
    """``base_config`` with the converted architecture's model (baseline switches, width,
    depth, reference layout, the checkpoint's anchors), and the anchors the base config had."""
    from mmengine.config import Config

    cfg = Config.fromfile(str(base_config or main_config()))
    base_anchors = cfg.model.head.get('anchors', DEFAULT_ANCHORS)
    cfg.merge_from_dict(dict(model=arch.model_override()))
    return cfg, base_anchors


def _check_against_model(state_dict, cfg, path) -> int:
    """Every converted tensor has a twin of the same shape in the model built from ``cfg``,
    and the model has no tensor left over. Returns the model's parameter count."""
    from ..utils import build_pose_model
    model = build_pose_model(cfg.model)
    own = {k: v for k, v in model.state_dict().items() if isinstance(v, torch.Tensor)}
    ours = {k: v for k, v in state_dict.items() if isinstance(v, torch.Tensor)}
    missing, unexpected = sorted(set(own) - set(ours)), sorted(set(ours) - set(own))
    shapes = [k for k in set(own) & set(ours) if own[k].shape != ours[k].shape]
    if missing or unexpected or shapes:
        raise ConversionError(
            f'{path}: the converted weights do not fit the config (missing {missing[:3]}, '
            f'unexpected {unexpected[:3]}, other shapes {sorted(shapes)[:3]})')
    model.load_state_dict(state_dict, strict=True)
    return sum(p.numel() for p in model.parameters())


def read_reference_model(src, keys: Sequence[str], metainfo: str, detection: bool,
                         ckpt: Optional[dict] = None) -> tuple:
    """The checkpoint dict, the key of the model read (the first of ``keys`` holding one),
    its tensors and its :class:`ReferenceArchitecture` (checked: pose or ``detection``).
    ``ckpt``: the file's dict when the caller has read it already."""
    from mmpose.datasets.datasets.utils import parse_pose_metainfo
    ckpt = load_reference_checkpoint(src) if ckpt is None else ckpt
    source_key = next((k for k in keys if isinstance(ckpt.get(k), InertModule)), None)
    if source_key is None:
        raise ConversionError(f'{src}: no pickled model under {" or ".join(map(repr, keys))} '
                              f'(keys: {sorted(ckpt)[:8]}); not a YOLOv5/YOLO-Pose training '
                              f'checkpoint')
    tensors = ckpt[source_key].tensors()
    num_keypoints = parse_pose_metainfo(dict(from_file=metainfo))['num_keypoints']
    arch = inspect_reference_model(ckpt[source_key], tensors, src, num_keypoints, detection)
    return ckpt, source_key, tensors, arch


def convert_yolopose_checkpoint(src, dst, base_config=None, out_config=None,
                                metainfo: str = 'configs/_base_/datasets/coco.py',
                                ckpt: Optional[dict] = None) -> ConversionResult:
    """Convert ``src`` (a reference ``.pt``) into an MMEngine checkpoint ``dst``.

    Args:
        src: the reference checkpoint (its ``'ema'`` model if present, else ``'model'``).
        dst: the MMEngine checkpoint to write (``state_dict`` + ``meta``).
        base_config: config whose model the weights are checked against after the
            architecture override (and which ``out_config`` inherits everything else from).
            Defaults to the main config.
        out_config: if given, write the complete config (``base_config`` plus the override)
            here, ready for ``mim test``, ``tools/infer.py`` and ``load_from``.
        metainfo: dataset meta file giving the expected keypoint count.
        ckpt: ``src`` as :func:`load_reference_checkpoint` read it, if already read.

    Raises:
        CheckpointFormatError, ConversionError: one line naming the file and the cause.
    """
    ckpt, source_key, tensors, arch = read_reference_model(src, ('ema', 'model'), metainfo,
                                                           detection=False, ckpt=ckpt)
    state_dict = to_mmpose_state_dict(tensors, arch)
    cfg, base_anchors = build_config(arch, base_config)
    num_params = _check_against_model(state_dict, cfg, src)
    differ = not torch.allclose(torch.tensor(arch.anchors),
                                torch.tensor(base_anchors, dtype=torch.float32))
    fitting = RELEASED_SIZES[arch.size][2] if arch.size else None
    meta = dict(source=f'YOLO-Pose reference checkpoint {Path(src).name} ("{source_key}")',
                architecture=asdict(arch), config_override=dict(model=arch.model_override()),
                epoch=ckpt.get('epoch'))
    Path(dst).parent.mkdir(parents=True, exist_ok=True)
    torch.save(dict(meta=meta, state_dict=state_dict), dst)
    result = ConversionResult(arch, source_key, sum(isinstance(v, torch.Tensor)
                                                    for v in state_dict.values()),
                              num_params, fitting, differ)
    if out_config is not None:
        Path(out_config).parent.mkdir(parents=True, exist_ok=True)
        cfg.dump(str(out_config))
        result.out_config = str(out_config)
    return result
