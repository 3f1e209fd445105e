# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
"""An image, a folder of images or a video through a :class:`Predictor`: pictures with
skeletons and JSON of predictions in MMPose's inferencer format (one file per image; one per
video, a list of ``{frame_id, instances}``)."""
import json
from pathlib import Path
from typing import Dict, List

import cv2
import numpy as np

from .predictor import Predictor
from .visualize import draw_people

IMAGE_SUFFIXES = {'.jpg', '.jpeg', '.png', '.bmp', '.webp', '.tif', '.tiff'}
VIDEO_SUFFIXES = {'.mp4', '.avi', '.mov', '.mkv', '.webm'}


def instances(people: Dict[str, np.ndarray]) -> List[dict]:
    """People as MMPose's inferencer writes them (``split_instances``)."""
    return [dict(keypoints=people['keypoints'][i].tolist(),
                 keypoint_scores=people['keypoint_scores'][i].tolist(),
                 bbox=[people['bboxes'][i].tolist()], bbox_score=float(people['scores'][i]))
            for i in range(len(people['scores']))]


def _keep(people: Dict[str, np.ndarray], bbox_thr: float) -> Dict[str, np.ndarray]:
    keep = people['scores'] > bbox_thr
    return {k: v[keep] for k, v in people.items()}


def run_on_media(predictor: Predictor, inputs, out_dir, bbox_thr: float = 0.3,
                 kpt_thr: float = 0.3) -> Path:
    """Pictures (or a video) to ``out_dir/vis``, predictions to ``out_dir/predictions``."""
    inputs, out = Path(inputs), Path(out_dir)
    if not inputs.exists():
        raise FileNotFoundError(f'{inputs}: no such image, folder or video')
    (out / 'vis').mkdir(parents=True, exist_ok=True)
    (out / 'predictions').mkdir(parents=True, exist_ok=True)
    if inputs.suffix.lower() in VIDEO_SUFFIXES:
        reader = cv2.VideoCapture(str(inputs))
        if not reader.isOpened():
            raise ValueError(f'{inputs}: cannot open the video')
        fps = reader.get(cv2.CAP_PROP_FPS) or 25
        writer, frames = None, []
        while True:
            ok, frame = reader.read()
            if not ok:
                break
            people = _keep(predictor(frame), bbox_thr)
            frames.append(dict(frame_id=len(frames), instances=instances(people)))
            if writer is None:
                writer = cv2.VideoWriter(str(out / 'vis' / inputs.name),
                                         cv2.VideoWriter_fourcc(*'mp4v'), fps,
                                         (frame.shape[1], frame.shape[0]))
            writer.write(draw_people(frame, people, predictor.meta, kpt_thr))
        reader.release()
        if writer is not None:
            writer.release()
        (out / 'predictions' / f'{inputs.stem}.json').write_text(json.dumps(frames, indent=1))
        return out
    paths = sorted(p for p in inputs.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES) \
        if inputs.is_dir() else [inputs]
    for path in paths:
        image = cv2.imread(str(path))
        if image is None:
            raise ValueError(f'{path}: not an image OpenCV can read')
        people = _keep(predictor(image), bbox_thr)
        cv2.imwrite(str(out / 'vis' / path.name), draw_people(image, people, predictor.meta,
                                                              kpt_thr))
        (out / 'predictions' / f'{path.stem}.json').write_text(
            json.dumps(instances(people), indent=1))
    return out
