# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
"""Say at the start of training when the head's anchors cannot match the training people."""
import logging

from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmengine.model import is_model_wrapper
from mmpose.registry import HOOKS

from ...analysis import best_possible_recall, dataset_box_sizes


@HOOKS.register_module()
class AnchorRecallHook(Hook):
    """Before the first iteration, log the best possible recall of the head's anchors on the
    training set (:func:`lrfg_mmpose.analysis.best_possible_recall`, per level and overall)
    and warn when it is below ``min_recall``: those people are never positives, so they are
    never learnt (a custom dataset with other box shapes, or another input size). Models
    without anchors are left alone.

    Args:
        min_recall (float): Warn below this. Defaults to 0.98 (YOLOv5's autoanchor's).
    """

    priority = 'LOW'

    def __init__(self, min_recall: float = 0.98):
        self.min_recall = min_recall

    def before_train(self, runner) -> None:
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        head = getattr(model, 'head', None)
        anchor_thr = getattr(getattr(head, 'assigner', None), 'anchor_thr', None)
        if getattr(head, 'anchors', None) is None or anchor_thr is None:
            return
        dataset = runner.train_dataloader.dataset
        try:
            wh, input_wh = dataset_box_sizes(dataset)
        except (AttributeError, KeyError, TypeError, ValueError, OSError) as e:
            print_log(f'anchor check skipped: the training set is not a COCO-style bottom-up '
                      f'dataset this check reads ({type(e).__name__}: {e})', logger='current')
            return
        anchors = head.anchors.cpu().numpy()
        recall = best_possible_recall(wh, anchors, anchor_thr)
        levels = ', '.join(f'P{i + 3} {r:.3f}' for i, r in enumerate(recall.per_level))
        message = (f'anchor check: best possible recall {recall.overall:.4f} of {recall.people} '
                   f'training people at {input_wh[0]}x{input_wh[1]} (per level: {levels}; '
                   f'{recall.anchors_per_person:.2f} anchors per person)')
        if recall.overall < self.min_recall:
            print_log(f'{message}: below {self.min_recall}, so {1 - recall.overall:.1%} of the '
                      f'people are never positives. Fit anchors to the data with python '
                      f'tools/anchors.py <config> and put its model.head.anchors in the config',
                      logger='current', level=logging.WARNING)
        else:
            print_log(message, logger='current')
