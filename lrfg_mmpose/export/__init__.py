# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
"""Export to ONNX and OpenVINO (needs torch and MMPose; the runtime, lrfg_mmpose.deploy, not)."""
from .exporter import (YOLOPoseExportModel, export, keypoint_meta, load_deploy_model, sidecar,
                       sidecar_path)
from .onnx_nms import nms_fixed_outputs

__all__ = ['YOLOPoseExportModel', 'export', 'keypoint_meta', 'load_deploy_model',
           'nms_fixed_outputs', 'sidecar', 'sidecar_path']
