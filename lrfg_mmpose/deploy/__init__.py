# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
"""Run exported LRFG-YoloPose models with numpy, OpenCV and ONNX Runtime or OpenVINO only:
no torch, mmcv or MMPose (``import lrfg_mmpose.deploy`` works where they are not installed).
:func:`open_predictor` opens any of :data:`BACKENDS`, PyTorch's included (:class:`TorchPredictor`:
torch and MMPose imported only then);
:class:`PoseTracker` follows people through a video (SciPy's assignment, imported when used);
:class:`TiledPredictor` finds small people in large frames; live sources (webcams, streams) run
through :func:`run_on_media` (:mod:`.live`)."""
from ..structures import PosePredictor
from .backends import RUNTIMES, open_backend
from .media import Media, MediaReport, instances, open_media, run_on_media
from .one_euro import OneEuroFilter
from .pose_tracker import PoseTracker
from .predictor import BACKENDS, Predictor, letterbox_input, nms, open_predictor
from .tiles import TiledPredictor, tile_windows
from .torch_predictor import TorchPredictor
from .visualize import draw_people, track_color

__all__ = ['BACKENDS', 'Media', 'MediaReport', 'OneEuroFilter', 'PosePredictor', 'PoseTracker',
           'Predictor', 'RUNTIMES', 'TiledPredictor', 'TorchPredictor', 'draw_people', 'instances',
           'letterbox_input', 'nms', 'open_backend', 'open_media', 'open_predictor',
           'run_on_media', 'tile_windows', 'track_color']
