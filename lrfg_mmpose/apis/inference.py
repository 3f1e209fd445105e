# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
"""Pose estimation with PyTorch on an image, a list or folder of images, or a video: what
``tools/infer.py`` runs for a checkpoint.

The model is :class:`~lrfg_mmpose.deploy.torch_predictor.TorchPredictor` (MMPose's test pipeline
and ``inference_bottomup``); the media loop is the one the exported models use
(:func:`lrfg_mmpose.deploy.run_on_media`), so both backends skip bad files the same way, show the
same progress and write the same pictures and JSON. MMPose's ``MMPoseInferencer``
(``demo/inferencer_demo.py``) works with our configs too, but stops at the first bad file of a
folder.
"""
from typing import Optional, Sequence, Union

from ..deploy.media import MediaReport, open_media, run_on_media
from ..deploy.torch_predictor import TorchPredictor


def infer(inputs: Union[str, Sequence[str]], config: str, checkpoint: Optional[str],
          out_dir: str, device: str = 'cpu', score_thr: float = 0.3, kpt_thr: float = 0.3,
          progress: bool = True, rect: Optional[bool] = None) -> MediaReport:
    """Run ``config`` + ``checkpoint`` on ``inputs`` (an image, a folder, a video, or a list of
    image paths) and write pictures with skeletons to ``out_dir/vis`` and one JSON of
    predictions per image or video to ``out_dir/predictions``. ``score_thr`` filters people by
    score; ``kpt_thr`` hides keypoints below that confidence in the pictures. Bad files are
    skipped and listed in the returned report (see :func:`~lrfg_mmpose.deploy.run_on_media`).
    ``rect``: rectangular inference (default: as the config says)."""
    media = open_media(inputs)  # before the model is loaded; a single image decoded once
    predictor = TorchPredictor(config, checkpoint, device, rect=rect, score_thr=score_thr)
    return run_on_media(predictor, media, out_dir, kpt_thr, progress)
