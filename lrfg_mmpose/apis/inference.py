# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
"""Pose estimation on an image, a folder of images or a video with MMPose's inferencer."""
from pathlib import Path
from typing import Optional, Sequence, Union


def infer(inputs: Union[str, Sequence[str]], config: str, checkpoint: Optional[str], out_dir: str,
          device: str = 'cpu', bbox_thr: float = 0.3, kpt_thr: float = 0.3) -> Path:
    """Run ``MMPoseInferencer`` on ``inputs`` (a path, or a list of image paths) and write
    pictures with skeletons to ``out_dir/vis`` and one JSON of predictions per image or frame
    to ``out_dir/predictions``. ``bbox_thr`` filters people by score; ``kpt_thr`` hides
    keypoints below that confidence in the pictures."""
    import lrfg_mmpose  # noqa: F401  (registers the modules before the config is built)
    from mmpose.apis import MMPoseInferencer
    paths = [inputs] if isinstance(inputs, (str, Path)) else list(inputs)
    for path in paths:
        if not Path(path).exists():
            raise FileNotFoundError(f'{path}: no such image, folder or video')
    if checkpoint and not Path(checkpoint).is_file():
        raise FileNotFoundError(f'{checkpoint}: checkpoint not found (train one with `make demo` '
                                f'or `mim train mmpose {config}`)')
    inferencer = MMPoseInferencer(pose2d=str(config), pose2d_weights=checkpoint and str(checkpoint),
                                  device=device, show_progress=False)
    out = Path(out_dir)
    for path in paths:
        for _ in inferencer(str(path), vis_out_dir=str(out / 'vis'),
                            pred_out_dir=str(out / 'predictions'), bbox_thr=bbox_thr,
                            kpt_thr=kpt_thr, draw_bbox=True):
            pass
    return out
