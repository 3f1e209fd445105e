# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
"""What ``load_from`` takes from a checkpoint into a model of another variant.

MMEngine's ``load_from`` loads, non-strictly, every tensor whose name and shape match and
leaves the rest at its initialisation. This report runs that very loader on a model whose
tensors were first filled with a sentinel, and reads off what was overwritten: it measures
the load rather than re-deriving its rule.
"""
import logging
from dataclasses import dataclass, field
from typing import Dict, List

import torch
import torch.nn as nn


@dataclass
class PartialLoadReport:
    loaded_tensors: int
    total_tensors: int
    loaded_parameters: int  # scalar parameters (model.parameters()) taken from the checkpoint
    total_parameters: int
    from_scratch: List[str] = field(default_factory=list)  # largest modules with nothing loaded


def _fill_sentinel(model: nn.Module) -> None:
    with torch.no_grad():
        for t in model.state_dict().values():
            if isinstance(t, torch.Tensor):
                t.fill_(float('nan') if t.is_floating_point() else -7)


def _is_sentinel(t: torch.Tensor) -> bool:
    return bool(torch.isnan(t).all()) if t.is_floating_point() else bool((t == -7).all())


def partial_load_report(model: nn.Module, state_dict: Dict[str, torch.Tensor]) -> PartialLoadReport:
    """Load ``state_dict`` into ``model`` as ``load_from`` does and report what loaded.

    ``model``'s weights are overwritten (sentinel first, then the checkpoint's tensors):
    pass a freshly built model.
    """
    from mmengine.runner.checkpoint import load_state_dict
    _fill_sentinel(model)
    # The loader's list of missing/unexpected keys is what this report summarises.
    quiet = logging.getLogger('lrfg_mmpose.partial_load')
    quiet.setLevel(logging.ERROR)
    load_state_dict(model, state_dict, strict=False, logger=quiet)
    own = {k: v for k, v in model.state_dict().items() if isinstance(v, torch.Tensor)}
    loaded = {k for k, v in own.items() if not _is_sentinel(v)}
    params = dict(model.named_parameters())

    def untouched(module_name: str) -> bool:
        prefix = module_name + '.' if module_name else ''
        keys = [k for k in own if k.startswith(prefix)]
        return bool(keys) and not any(k in loaded for k in keys)

    scratch = []
    for name, _ in model.named_modules():
        parent = name.rsplit('.', 1)[0] if '.' in name else ''
        if name and untouched(name) and not (parent and untouched(parent)):
            scratch.append(name)
    return PartialLoadReport(
        loaded_tensors=len(loaded), total_tensors=len(own),
        loaded_parameters=sum(p.numel() for k, p in params.items() if k in loaded),
        total_parameters=sum(p.numel() for p in params.values()), from_scratch=scratch)


def variant_load_reports(checkpoint, configs) -> List[tuple]:
    """``(config, PartialLoadReport)`` for each config loading ``checkpoint``. A checkpoint
    from the converter carries its architecture in its meta: each config is then built at
    that width, depth and anchors, keeping its own switches.

    Raises:
        CheckpointError: the checkpoint cannot be read (one line: what it is, what to do).
    """
    from mmengine.config import Config

    from ..utils import build_pose_model, read_checkpoint
    from .yolopose_checkpoint import ReferenceArchitecture
    ckpt = read_checkpoint(checkpoint)  # CheckpointError: one line
    state_dict = ckpt.get('state_dict', ckpt)
    arch = ckpt.get('meta', {}).get('architecture')
    reports = []
    for config in configs:
        cfg = Config.fromfile(str(config))
        if arch is not None:
            cfg.merge_from_dict(dict(model=ReferenceArchitecture(**arch).size_override()))
        model = build_pose_model(cfg.model)
        reports.append((config, partial_load_report(model, state_dict)))
    return reports
