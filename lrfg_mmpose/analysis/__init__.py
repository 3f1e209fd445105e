# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
"""Checks of a model against its data (anchors against the training people's boxes) and the
curves of a training run."""
from .anchors import (AnchorFit, Recall, anchor_fitness, anchors_override, best_possible_recall,
                      config_anchor_data, dataset_box_sizes, dataset_image_sizes, fit_anchors,
                      pipeline_input_size, training_box_sizes)
from .run_curves import latest_scalars, plot_run_curves, read_scalars

__all__ = ['AnchorFit', 'Recall', 'anchor_fitness', 'anchors_override', 'best_possible_recall',
           'config_anchor_data', 'dataset_box_sizes', 'dataset_image_sizes', 'fit_anchors',
           'latest_scalars', 'pipeline_input_size', 'plot_run_curves', 'read_scalars',
           'training_box_sizes']
