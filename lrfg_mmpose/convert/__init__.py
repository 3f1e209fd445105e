# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
"""Reading and converting checkpoints of other code bases, and partial loading."""
from .detector_checkpoint import DetectorConversionResult, convert_detector_checkpoint
from .partial_load import PartialLoadReport, partial_load_report, variant_load_reports
from .reference_pickle import CheckpointFormatError, InertModule, load_reference_checkpoint
from .yolopose_checkpoint import (ConversionError, ReferenceArchitecture,
                                  convert_yolopose_checkpoint, inspect_reference_model,
                                  is_pose_model, reference_key_to_ours, swap_stem_blocks,
                                  to_mmpose_state_dict)

__all__ = [
    'CheckpointFormatError', 'ConversionError', 'DetectorConversionResult', 'InertModule',
    'PartialLoadReport',
    'ReferenceArchitecture', 'convert_detector_checkpoint', 'convert_yolopose_checkpoint',
    'inspect_reference_model', 'is_pose_model', 'reference_key_to_ours',
    'load_reference_checkpoint', 'partial_load_report', 'swap_stem_blocks', 'to_mmpose_state_dict',
    'variant_load_reports'
]
