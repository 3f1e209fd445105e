# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
"""Refuse a run whose datasets and head hold different keypoint sets, before its first step.

A config gives the keypoint meta file to the head (``model.head.metainfo``) and to each dataset
(``metainfo=dict(from_file=...)``). Given two different files, the datasets load, the first
training batch is collated, and only the loss notices; at evaluation the COCO metric fails
deep inside ``xtcocotools``. The check runs at ``before_run``, when MMEngine has built the
loops of the run (train and val for ``train``, test for ``test``) but not yet stepped.
"""
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmpose.registry import HOOKS

LOOPS = (('train_dataloader', '_train_loop'), ('val_dataloader', '_val_loop'),
         ('test_dataloader', '_test_loop'))


@HOOKS.register_module()
class KeypointSetCheckHook(Hook):
    """Compare the head's keypoint count with each built dataloader's dataset ``metainfo``
    and raise ``ValueError`` naming both when they differ."""

    priority = 'VERY_HIGH'

    def before_run(self, runner) -> None:
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        head = getattr(model, 'head', None)
        num_keypoints = getattr(head, 'num_keypoints', None)
        if num_keypoints is None:
            return
        for name, attr in LOOPS:
            loop = getattr(runner, attr, None)
            dataset = getattr(getattr(loop, 'dataloader', None), 'dataset', None)
            meta = getattr(dataset, 'metainfo', None) or {}
            if meta.get('num_keypoints') not in (None, num_keypoints):
                raise ValueError(
                    f'{name}.dataset has {meta["num_keypoints"]} keypoints per person '
                    f'({meta.get("dataset_name", "?")}) but the head has {num_keypoints} '
                    f'(model.head.metainfo={getattr(head, "metainfo", "?")}): give the head and '
                    f'the datasets the same meta file (one `metainfo` variable in the config)')
