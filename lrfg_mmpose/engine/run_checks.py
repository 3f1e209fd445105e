# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
"""A first run that says what to do: the files a config names are checked before any data is
built, and a missing one is one line naming it and the fix.

``mim train mmpose configs/lrfg_yolopose_coco.py`` without the converted detector used to stop
after the datasets were built (minutes on COCO) with ``FileNotFoundError: checkpoints/...pth
can not be found``; a wrong data root or a missing annotation file failed with a traceback from
deep inside the dataset. MMPose's ``tools/train.py`` builds MMEngine's ``Runner`` directly, so
a config cannot choose another runner class: :func:`enable_run_checks` (called by ``import
lrfg_mmpose``, i.e. by the configs' ``custom_imports``) wraps ``Runner.train``, ``Runner.val``
and ``Runner.test`` so that, for a config that sets ``run_checks = True`` (the paper configs),
they first check what that run will read (:func:`run_problems`): ``load_from`` and a ``resume``
path, the data root, annotation files and image folders of the loaders it uses, the
evaluators' annotation files. Problems raise :class:`RunConfigError`, which is printed as its
lines only (no traceback) when nothing catches it. Other configs are not touched.
"""
import os.path as osp
import sys
from typing import List

from mmengine.runner import Runner

#: The command that makes the paper configs' ``load_from`` from a YOLOv5 person detector.
CONVERT = ('python tools/convert_yolopose_checkpoint.py yolov5s6_person.pt '
           'checkpoints/yolov5s6_person_lrfg.pth')


class RunConfigError(FileNotFoundError):
    """Files a run's config names that are not there; ``str()`` is one line per problem."""


def _is_remote(path: str) -> bool:
    return '://' in path


def _checkpoint_problem(key: str, path, fix: str) -> List[str]:
    if not isinstance(path, str) or _is_remote(path) or osp.isfile(osp.expanduser(path)):
        return []
    return [f'{key}={path}: no such checkpoint; {fix}']


def _dataset_problems(name: str, dataset) -> List[str]:
    if not isinstance(dataset, dict):
        return []
    if 'datasets' in dataset:  # CombinedDataset / ConcatDataset
        return [p for i, d in enumerate(dataset['datasets'])
                for p in _dataset_problems(f'{name}.datasets.{i}', d)]
    if 'dataset' in dataset:  # a wrapper (RepeatDataset, ...)
        return _dataset_problems(f'{name}.dataset', dataset['dataset'])
    root = dataset.get('data_root') or ''
    problems = []
    if root and not osp.isdir(root):
        return [f'{name}.data_root={root}: no such folder; put the data there (COCO as MMPose '
                f'expects it: data/coco/annotations, train2017, val2017) or give the right root '
                f'with --cfg-options {name}.data_root=...']
    ann = dataset.get('ann_file')
    if isinstance(ann, str) and ann and not _is_remote(ann):
        path = ann if osp.isabs(ann) else osp.join(root, ann)
        if not osp.isfile(path):
            problems.append(f'{name}.ann_file: {path} not found; give the annotation file with '
                            f'--cfg-options {name}.ann_file=... (relative to data_root {root!r})')
    img = (dataset.get('data_prefix') or {}).get('img')
    if isinstance(img, str) and img and not _is_remote(img):
        path = img if osp.isabs(img) else osp.join(root, img)
        if not osp.isdir(path):
            problems.append(f'{name}.data_prefix.img: {path} is not a folder of images; give it '
                            f'with --cfg-options {name}.data_prefix.img=...')
    return problems


def _evaluator_problems(name: str, evaluator) -> List[str]:
    evaluators = evaluator if isinstance(evaluator, (list, tuple)) else [evaluator]
    problems = []
    for e in evaluators:
        ann = e.get('ann_file') if isinstance(e, dict) else None
        if isinstance(ann, str) and ann and not _is_remote(ann) and not osp.isfile(ann):
            problems.append(f'{name}.ann_file: {ann} not found; give it with --cfg-options '
                            f'{name}.ann_file=...')
    return problems


def run_problems(cfg, mode: str = 'train') -> List[str]:
    """What a ``mode`` run (``'train'``, ``'val'`` or ``'test'``) of ``cfg`` would fail to find,
    one line each with the fix; empty when everything is there."""
    problems = _checkpoint_problem(
        'load_from', cfg.get('load_from'),
        f'convert the person detector the paper fine-tunes from ({CONVERT}), or train from '
        f'scratch with --cfg-options load_from=None' if mode == 'train' else
        'give the checkpoint to test (mim test ... --checkpoint PATH)')
    resume = cfg.get('resume')
    if mode == 'train' and isinstance(resume, str):
        problems += _checkpoint_problem('resume', resume, 'give a checkpoint of this run, or '
                                        '--resume without a path to resume from the work dir\'s '
                                        'last checkpoint')
    loaders = {'train': ('train_dataloader', 'val_dataloader'), 'val': ('val_dataloader', ),
               'test': ('test_dataloader', )}[mode]
    for loader in loaders:
        if loader == 'val_dataloader' and mode == 'train' and cfg.get('val_cfg') is None:
            continue
        if cfg.get(loader):
            problems += _dataset_problems(f'{loader}.dataset', cfg[loader].get('dataset'))
            evaluator = loader.replace('dataloader', 'evaluator')
            if cfg.get(evaluator):
                problems += _evaluator_problems(evaluator, cfg[evaluator])
    return list(dict.fromkeys(problems))  # test_dataloader = val_dataloader: once each


def check_run(cfg, mode: str = 'train') -> None:
    """Raise :class:`RunConfigError` listing :func:`run_problems`, if any."""
    problems = run_problems(cfg, mode)
    if problems:
        raise RunConfigError('\n'.join(f'error: {p}' for p in problems))


def _checked(method, mode: str):
    def run(self, *args, **kwargs):
        if self.cfg.get('run_checks', False):
            check_run(self.cfg, mode)
        return method(self, *args, **kwargs)
    run.__wrapped__ = method
    run.__doc__ = method.__doc__
    return run


def _print_run_config_error(previous):
    def hook(kind, value, traceback):
        if issubclass(kind, RunConfigError):
            print(str(value), file=sys.stderr)
            return
        previous(kind, value, traceback)
    hook.lrfg_run_checks = True
    return hook


def enable_run_checks() -> None:
    """Wrap ``Runner.train``, ``val`` and ``test`` with :func:`check_run` for configs that set
    ``run_checks = True``, and print an uncaught :class:`RunConfigError` as its lines only
    (idempotent)."""
    for mode in ('train', 'val', 'test'):
        method = getattr(Runner, mode)
        if not hasattr(method, '__wrapped__'):
            setattr(Runner, mode, _checked(method, mode))
    if not getattr(sys.excepthook, 'lrfg_run_checks', False):
        sys.excepthook = _print_run_config_error(sys.excepthook)
