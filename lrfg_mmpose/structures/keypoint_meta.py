# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
"""A keypoint set: its meta file as a config gives it, and the parsed set as the sidecar, the
drawing code and the predictors hold it. Numpy only; :func:`pose_metainfo` imports MMPose's
parser when called."""
import numpy as np


def keypoint_meta(meta: dict) -> dict:
    """The keypoint set of MMPose's parsed dataset meta (``parse_pose_metainfo``): names,
    skeleton, flip indices, OKS sigmas, keypoint and link colours (RGB)."""
    num_kpts = int(meta['num_keypoints'])
    return dict(
        names=[meta['keypoint_id2name'][i] for i in range(num_kpts)],
        skeleton=[list(map(int, link)) for link in meta['skeleton_links']],
        flip_indices=list(map(int, meta['flip_indices'])),
        sigmas=[float(s) for s in meta['sigmas']],
        keypoint_colors=np.asarray(meta['keypoint_colors']).astype(int).tolist(),
        skeleton_colors=np.asarray(meta['skeleton_link_colors']).astype(int).tolist())


def meta_file(metainfo) -> str:
    """The meta file of a keypoint set given as a path or as the datasets' ``metainfo``
    (``dict(from_file=...)``), the two forms a config writes."""
    if isinstance(metainfo, dict):
        if 'from_file' not in metainfo:
            raise ValueError(f'metainfo {metainfo!r}: give dict(from_file=<meta file>) or '
                             f'the meta file path')
        return metainfo['from_file']
    return str(metainfo)


def pose_metainfo(metainfo) -> dict:
    """MMPose's parsed dataset meta (keypoint names, skeleton, sigmas, ...) of ``metainfo``
    in either form of :func:`meta_file`. A relative ``configs/...`` path that is not a file here
    is MMPose's own (``configs/_base_/datasets/coco.py``), read from its installed configs
    without MMPose's warning that the local file does not exist."""
    from mmpose.datasets.datasets.utils import parse_pose_metainfo  # MMPose only here
    return parse_pose_metainfo(dict(from_file=local_meta_file(meta_file(metainfo))))


def local_meta_file(path: str) -> str:
    """``path``, or MMPose's installed copy of it where ``path`` is a relative ``configs/...``
    path that is not a file here (``configs/_base_/datasets/coco.py`` run from outside an
    MMPose checkout): the file MMPose's parser would fall back to, with a warning, itself."""
    import os.path as osp
    if osp.isfile(path) or osp.isabs(path):
        return path
    import mmpose
    bundled = osp.join(osp.dirname(mmpose.__file__), '.mim', path)
    return bundled if osp.isfile(bundled) else path


def resolve_meta_files(cfg) -> None:
    """Every keypoint meta file a config names (``metainfo=dict(from_file=...)``, the head's
    ``metainfo``) made :func:`local_meta_file`, in place."""
    if hasattr(cfg, 'items'):  # a dict, an MMEngine Config or ConfigDict
        for key, value in list(cfg.items()):
            if key == 'from_file' and isinstance(value, str):
                cfg[key] = local_meta_file(value)
            elif key == 'metainfo' and isinstance(value, str):
                cfg[key] = local_meta_file(value)
            else:
                resolve_meta_files(value)
    elif isinstance(cfg, (list, tuple)):
        for value in cfg:
            resolve_meta_files(value)
