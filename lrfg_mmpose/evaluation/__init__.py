# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
"""Evaluation metrics (registered in MMPose's ``METRICS``)."""
from .coco_fitness_metric import CocoFitnessMetric, box_ap, fitness

__all__ = ['CocoFitnessMetric', 'box_ap', 'fitness']
