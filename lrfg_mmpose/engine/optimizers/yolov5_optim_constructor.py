# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
"""YOLOv5's three optimizer parameter groups, as an MMEngine optimizer wrapper constructor.

The YOLO-Pose reference (edgeai-yolov5 ``train.py``, "Optimizer") walks the modules and puts
every BatchNorm weight in group 0 (no weight decay), every other module ``weight`` in group 1
(weight decay) and every module ``bias`` in group 2 (no weight decay; the bias group's warm-up
starts at a high learning rate, see :class:`~lrfg_mmpose.engine.hooks.YOLOv5ParamSchedulerHook`).
The group order is the reference's, so group indices mean the same in both codes.

What the reference's rule does not name (it would leave such parameters out of the optimizer,
so they would never train): YOLOR's ImplicitA/M tensors (``implicit``) go to group 0 without
decay, as in YOLOv7 (the implicit head's source), and so does any other parameter that is
neither a module's ``weight`` nor its ``bias``. Any normalisation layer's weight (not only
``BatchNorm2d``) counts as a BatchNorm weight.

Weight decay is the config's value here; the hook scales it by the total batch (the reference
scales it by ``total_batch_size * accumulate / 64``) once the runner knows the batch size and
the number of processes, so ``--cfg-options train_dataloader.batch_size=...`` and ``--gpus``
keep it right.
"""
from typing import Dict, List, Optional

import torch.nn as nn
from mmengine.optim import OptimWrapper
from mmpose.registry import OPTIM_WRAPPER_CONSTRUCTORS, OPTIM_WRAPPERS, OPTIMIZERS

GROUP_NAMES = ('no_decay', 'decay', 'bias')
_NORMS = (nn.modules.batchnorm._BatchNorm, nn.GroupNorm, nn.LayerNorm,
          nn.modules.instancenorm._InstanceNorm)


def yolov5_param_groups(model: nn.Module) -> Dict[str, List[nn.Parameter]]:
    """Parameters by group (``no_decay``, ``decay``, ``bias``), each exactly once, in module
    order (the reference's order within a group)."""
    groups = {name: [] for name in GROUP_NAMES}
    seen = set()

    def add(group, param):
        if isinstance(param, nn.Parameter) and id(param) not in seen:
            seen.add(id(param))
            groups[group].append(param)

    for module in model.modules():
        add('bias', getattr(module, 'bias', None))
        add('no_decay' if isinstance(module, _NORMS) else 'decay', getattr(module, 'weight', None))
    for param in model.parameters():  # implicit knowledge and anything else unnamed
        add('no_decay', param)
    return groups


#: MMEngine's wrapper types and the ones with the reference's accumulation that replace them.
REFERENCE_WRAPPERS = {'OptimWrapper': 'YOLOv5OptimWrapper',
                      'AmpOptimWrapper': 'YOLOv5AmpOptimWrapper'}


@OPTIM_WRAPPER_CONSTRUCTORS.register_module()
class YOLOv5OptimWrapperConstructor:
    """Build the optimizer over :func:`yolov5_param_groups` (decay only on ``decay``).

    Config::

        optim_wrapper = dict(
            type='OptimWrapper', constructor='YOLOv5OptimWrapperConstructor',
            optimizer=dict(type='SGD', lr=0.01, momentum=0.937, weight_decay=5e-4,
                           nesterov=True))

    MMEngine's own wrapper types become the reference-accumulation ones
    (:data:`REFERENCE_WRAPPERS`: ``OptimWrapper`` -> ``YOLOv5OptimWrapper``,
    ``AmpOptimWrapper`` -> ``YOLOv5AmpOptimWrapper``), so ``mim train ... --amp``, which
    accepts only MMEngine's types and switches the config to ``AmpOptimWrapper``, trains
    with mixed precision and the reference's accumulation. Any other type is built as given.

    Each param group carries ``name`` (one of :data:`GROUP_NAMES`) and ``base_weight_decay``
    (the config's value for that group, what the hook scales). ``paramwise_cfg`` is refused:
    the three groups are the recipe.
    """

    def __init__(self, optim_wrapper_cfg: dict, paramwise_cfg: Optional[dict] = None):
        if paramwise_cfg:
            raise ValueError('YOLOv5OptimWrapperConstructor builds the reference\'s three '
                             'groups itself: remove optim_wrapper.paramwise_cfg')
        self.optim_wrapper_cfg = dict(optim_wrapper_cfg)
        self.optimizer_cfg = dict(self.optim_wrapper_cfg.pop('optimizer'))

    def __call__(self, model: nn.Module) -> OptimWrapper:
        if hasattr(model, 'module'):
            model = model.module
        cfg = dict(self.optimizer_cfg)
        weight_decay = cfg.pop('weight_decay', 0.0)
        groups = yolov5_param_groups(model)
        param_groups = [dict(params=groups[name], name=name,
                             weight_decay=weight_decay if name == 'decay' else 0.0,
                             base_weight_decay=weight_decay if name == 'decay' else 0.0)
                        for name in GROUP_NAMES]
        cfg['params'] = param_groups
        optimizer = OPTIMIZERS.build(cfg)
        wrapper_cfg = dict(self.optim_wrapper_cfg)
        wrapper_cfg['type'] = wrapper_type(wrapper_cfg.get('type', 'OptimWrapper'))
        return OPTIM_WRAPPERS.build(wrapper_cfg, default_args=dict(optimizer=optimizer))


def wrapper_type(name) -> str:
    """The wrapper :class:`YOLOv5OptimWrapperConstructor` builds for a config's type."""
    name = name if isinstance(name, str) else name.__name__
    return REFERENCE_WRAPPERS.get(name, name)
