# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
"""Export to ONNX and OpenVINO (needs torch and MMPose; the runtime, lrfg_mmpose.deploy, not)."""
from ..structures import keypoint_meta, sidecar_path  # re-exported for callers of export()
from .exporter import YOLOPoseExportModel, export, load_deploy_model, sidecar
from .network import export_network
from .onnx_nms import nms_fixed_outputs

__all__ = ['YOLOPoseExportModel', 'export', 'export_network', 'keypoint_meta', 'load_deploy_model',
           'nms_fixed_outputs', 'sidecar', 'sidecar_path']
