# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
"""A keypoint set as the sidecar, the drawing code and the predictors hold it (numpy only)."""
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
