# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
"""The reference's in-training validation settings, which differ from its test settings.

The YOLO-Pose reference validates the EMA model after every epoch through ``test.test`` with
its defaults, NMS at IoU 0.6 (``test.py``'s signature, which ``train.py`` does not override); its
README evaluates a trained model with ``test.py --iou 0.65``, the setting of Table 1 and of the
configs' ``test_cfg``. MMPose validates and tests with the one ``model.test_cfg``;
:class:`ValTestCfgHook` sets the given keys of the head's ``test_cfg`` for validation only and
restores them after, so that the epochs are ranked as the reference ranks them and
``mim test`` still scores as Table 1 does.
"""
from typing import Optional

from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmpose.registry import HOOKS


@HOOKS.register_module()
class ValTestCfgHook(Hook):
    """``ValTestCfgHook(nms_thr=0.6)``: the head's ``test_cfg`` with these keys during
    validation, as it was before and after."""

    def __init__(self, **test_cfg):
        if not test_cfg:
            raise ValueError('ValTestCfgHook needs the test_cfg keys to change, e.g. nms_thr=0.6')
        self.test_cfg = test_cfg
        self._saved: Optional[dict] = None

    @staticmethod
    def _head(runner):
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        return model.head

    def before_val_epoch(self, runner) -> None:
        head = self._head(runner)
        self._saved = dict(head.test_cfg)
        head.test_cfg = {**self._saved, **self.test_cfg}

    def after_val_epoch(self, runner, metrics=None) -> None:
        if self._saved is not None:
            self._head(runner).test_cfg = self._saved
            self._saved = None
