# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
"""Checks of a model against its data (anchors against the training people's boxes), the
curves of a training run, and COCO keypoint results analysed (per size, per keypoint, error
types)."""
from .anchors import (AnchorFit, Recall, anchor_fitness, anchors_override, best_possible_recall,
                      config_anchor_data, dataset_box_sizes, dataset_image_sizes, fit_anchors,
                      pipeline_input_size, training_box_sizes)
from .coco_files import load_annotations, load_results
from .coco_results import Analysis, analyse, analyse_files
from .keypoint_errors import ERROR_TYPES, ErrorTypes, error_types, keypoint_similarity, oks
from .run_curves import latest_scalars, plot_run_curves, read_scalars

__all__ = ['ERROR_TYPES', 'Analysis', 'AnchorFit', 'ErrorTypes', 'Recall', 'analyse',
           'analyse_files', 'anchor_fitness', 'anchors_override', 'best_possible_recall',
           'config_anchor_data', 'error_types', 'keypoint_similarity', 'load_annotations',
           'load_results', 'oks', 'dataset_box_sizes', 'dataset_image_sizes', 'fit_anchors',
           'latest_scalars', 'pipeline_input_size', 'plot_run_curves', 'read_scalars',
           'training_box_sizes']
