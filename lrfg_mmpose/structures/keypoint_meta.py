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
    in either form of :func:`meta_file`."""
    from mmpose.datasets.datasets.utils import parse_pose_metainfo  # MMPose only here
    return parse_pose_metainfo(dict(from_file=meta_file(metainfo)))
