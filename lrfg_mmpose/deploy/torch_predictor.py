# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
"""The PyTorch backend: a config and a checkpoint as a
:class:`~lrfg_mmpose.structures.PosePredictor`, beside the exported models' predictor. torch,
MMPose and the package's model floors are imported when a :class:`TorchPredictor` is made, so
``lrfg_mmpose.deploy`` stays importable where they are not installed.

The model is MMPose's (``init_model``, the config's test pipeline, ``inference_bottomup``); the
checkpoint is loaded strictly (:func:`lrfg_mmpose.utils.load_strict`, the exporter's loader).
"""
from typing import List, Optional, Sequence

import numpy as np

from ..structures import People, keypoint_meta, resolve_meta_files


class TorchPredictor:
    """``TorchPredictor(config, checkpoint)(image)`` -> people in original-image pixels: the
    :class:`~lrfg_mmpose.structures.PosePredictor` of a config and a checkpoint, as
    :class:`lrfg_mmpose.deploy.Predictor` is that of an exported model.

    The checkpoint must fit the config exactly (MMPose's ``init_model`` loads what matches and
    warns about the rest, which gives a model that predicts nonsense without an error).
    ``input_size`` replaces the test pipeline's; ``rect`` turns on rectangular inference
    (:class:`~lrfg_mmpose.datasets.BottomupLetterbox`); ``score_thr`` replaces the config's
    ``model.test_cfg.score_thr``, the one person filter (applied before NMS, as the exported
    models apply theirs).
    """

    def __init__(self, config: str, checkpoint: Optional[str], device: str = 'cpu',
                 input_size: Optional[Sequence[int]] = None, rect: Optional[bool] = None,
                 score_thr: Optional[float] = None):
        import lrfg_mmpose  # noqa: F401  (registers the modules before the config is built)
        from mmpose.apis import init_model

        from ..utils import load_config, load_strict
        cfg = load_config(str(config))
        resolve_meta_files(cfg)  # MMPose's own meta files without its does-not-exist warning
        if input_size is not None or rect is not None:
            set_test_resize(cfg, input_size, rect)
        if score_thr is not None:
            cfg.model.setdefault('test_cfg', {})['score_thr'] = float(score_thr)
        self.model = init_model(cfg, None, device=device)
        if checkpoint:
            meta = load_strict(self.model, checkpoint, config)
            if 'dataset_meta' in meta:
                self.model.dataset_meta = meta['dataset_meta']
        self.score_thr = float(self.model.test_cfg.get('score_thr', 0.001))  # the head's default
        self.keypoints = keypoint_meta(self.model.dataset_meta)
        resize = next((s for s in cfg.test_dataloader.dataset.pipeline
                       if s['type'] in ('BottomupLetterbox', 'BottomupResize')), {})
        size = resize.get('input_size')
        self.input_size = (int(size[0]), int(size[-1])) if size else None  # (W, H)

    def predict_batch(self, images: Sequence[np.ndarray]) -> List[People]:
        """The people of each BGR image (one image at a time through MMPose's test pipeline)."""
        return [self(image) for image in images]

    def __call__(self, image: np.ndarray) -> People:
        from mmpose.apis import inference_bottomup
        pred = inference_bottomup(self.model, image)[0].pred_instances
        return dict(bboxes=pred.bboxes.astype(np.float32),
                    scores=pred.bbox_scores.astype(np.float32),
                    keypoints=pred.keypoints.astype(np.float32),
                    keypoint_scores=pred.keypoint_scores.astype(np.float32))


def set_test_resize(cfg, input_size: Optional[Sequence[int]] = None,
                    rect: Optional[bool] = None) -> None:
    """Set the input size and/or rectangular inference of the config's test pipeline (its
    ``BottomupLetterbox``; MMPose's ``BottomupResize`` is replaced by it)."""
    pipeline = cfg.test_dataloader.dataset.pipeline
    step = next((s for s in pipeline if s['type'] in ('BottomupLetterbox', 'BottomupResize')),
                None)
    if step is None:
        raise ValueError('the config\'s test pipeline has no BottomupLetterbox/BottomupResize '
                         'to set the input size or rect on')
    step.update(type='BottomupLetterbox', input_size=tuple(input_size or step['input_size']),
                rect=bool(rect if rect is not None else step.get('rect', False)))
    for key in ('resize_mode', 'size_factor', 'aug_scales', 'use_udp'):
        step.pop(key, None)
