"""Pose estimation on an image, a folder of images or a video: PyTorch (the config and a
checkpoint) or an exported model (ONNX Runtime / OpenVINO, no torch needed).

Saves pictures (or a video) with the predicted skeletons and one JSON of predictions per
image/frame (MMPose's format: keypoints, keypoint_scores, bbox, bbox_score per person)::

    python tools/infer.py demo.jpg --checkpoint work_dirs/demo/epoch_300.pth
    python tools/infer.py images/ --config configs/lrfg_yolopose_coco.py --checkpoint best.pth
    python tools/infer.py clip.mp4 --checkpoint best.pth --out-dir work_dirs/infer_clip
    python tools/infer.py images/ --backend onnxruntime --model work_dirs/export/epoch_300.onnx
    python tools/infer.py clip.mp4 --backend openvino --model work_dirs/export/epoch_300.xml
    python tools/infer.py clip.mp4 --checkpoint best.pth --track    # stable IDs, smoothed
    python tools/infer.py 0 --backend openvino --model m.xml --track --show       # webcam 0
    python tools/infer.py rtsp://camera/stream --backend onnxruntime --model m.onnx  # or http(s)://
    python tools/infer.py 4k_frames/ --backend openvino --model m.xml --tiles   # small, far people

``--tiles`` cuts each image into tiles of the model's input size (overlapping by
``--tile-overlap``), runs the model on each and on the whole image, and merges the people: a
person across a tile edge is taken from the tile that holds them whole
(:class:`lrfg_mmpose.deploy.TiledPredictor`).

A live source (a webcam index, an RTSP or HTTP(S) stream: MJPEG or video) is read in its own
thread that keeps only the newest frame: frames the model is too slow for are skipped and
counted, so the output stays current; the picture video plays at the source's timing with the
processed frames a second, the latency and the frames skipped drawn on it; ``--show`` opens a
window where a display exists (q or Esc stops). A source that stops is reopened
``--reconnects`` times, then the run ends with one line, everything done written.

``--track`` follows people through a video (or a folder of frames, in name order) with
:class:`lrfg_mmpose.deploy.PoseTracker` (ByteTrack's two rounds: people above ``--score-thr``,
then those above ``--track-low-thr`` for tracks still unmatched) and smooths each person's
keypoints with a 1-euro filter; every person in the JSON gets a ``track_id`` and is drawn in
its ID's colour. Only tracked people are written.

Ctrl-C or ``kill`` ends the run cleanly: everything done is written (a video's pictures closed
and playable, its predictions up to the last frame) with the summary, exit status 130. A video's
predictions are written as they come (``predictions/<video>.jsonl``, one line per frame), so
even ``kill -9`` keeps them. With ``--track``, frames of another size restart the tracks (said
once, counted in the summary).

A bad image in a folder (missing, empty, not an image, truncated) is skipped with a warning
naming it, the others are processed, and the run ends with a summary; the exit status is 1 when
anything was skipped (images or video frames). A single bad input, a video that cannot be
opened, or a checkpoint that does not fit the config gives one line naming the file and why.

MMPose's own demo runs the PyTorch path too (stopping at the first bad file): ``python
<mmpose>/demo/inferencer_demo.py INPUT --pose2d CONFIG --pose2d-weights CHECKPOINT``.
"""
import contextlib
import argparse
import sys
from pathlib import Path

from lrfg_mmpose.cli import non_negative_int, positive_int, stop_on_sigterm, unit_float
from lrfg_mmpose.deploy import BACKENDS, PoseTracker, open_media, open_predictor, run_on_media

ROOT = Path(__file__).resolve().parents[1]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('inputs', help='image, folder of images, video, webcam index (0) or '
                        'stream URL (rtsp://, http(s)://)')
    parser.add_argument('--backend', choices=list(BACKENDS), default='pytorch',
                        help='; '.join(f'{k}: {v}' for k, v in BACKENDS.items()))
    parser.add_argument('--config', default=str(ROOT / 'configs' / 'lrfg_yolopose_coco-mini.py'),
                        help='pytorch: the model config')
    parser.add_argument('--checkpoint', help='pytorch: the checkpoint')
    parser.add_argument('--model', help='onnxruntime/openvino: the exported .onnx or .xml '
                        '(tools/export.py), its .json sidecar next to it')
    parser.add_argument('--out-dir', default='work_dirs/infer')
    parser.add_argument('--device', default='cpu', help='pytorch: the device')
    parser.add_argument('--threads', type=positive_int, default=None, help='exported: CPU threads')
    parser.add_argument('--precision', default='f32', choices=['f32', 'bf16', 'f16'],
                        help='openvino: inference precision (bf16/f16 faster where supported)')
    parser.add_argument('--score-thr', '--bbox-thr', type=unit_float, default=0.3,
                        help='people scoring above this are kept (the one person filter)')
    parser.add_argument('--kpt-thr', type=unit_float, default=0.3,
                        help='minimum keypoint score drawn')
    parser.add_argument('--rect', action='store_true', help='rectangular inference: each image '
                        'letterboxed to its aspect ratio, sides padded to multiples of 64 only '
                        '(faster on non-square images; exported models need --dynamic-size)')
    parser.add_argument('--no-progress', action='store_true', help='no progress bar')
    parser.add_argument('--tiles', action='store_true', help='tiled inference: tiles of the '
                        'model\'s input size and the whole image, people merged (small people in '
                        'large frames)')
    parser.add_argument('--tile-overlap', type=unit_float, default=0.25,
                        help='with --tiles: overlap of neighbouring tiles, a fraction of a tile')
    parser.add_argument('--show', action='store_true', help='live sources: show the pictures '
                        'in a window (where a display exists)')
    parser.add_argument('--reconnects', type=non_negative_int, default=3,
                        help='live sources: times a source that stops is reopened')
    track = parser.add_argument_group('tracking (--track)')
    track.add_argument('--track', action='store_true', help='stable person IDs across frames '
                       'and smoothed keypoints')
    track.add_argument('--track-low-thr', type=unit_float, default=0.1, help='people scoring at '
                       'least this (below --score-thr) can continue a track, never start one; '
                       'an exported model needs its NMS score threshold at or below it')
    track.add_argument('--min-hits', type=positive_int, default=2,
                       help='frames in a row before a new person gets an ID')
    track.add_argument('--max-missed', type=non_negative_int, default=30,
                       help='frames an ID survives without its person')
    track.add_argument('--smooth-min-cutoff', type=float, default=0.02, help='1-euro cutoff '
                       'at rest, cycles per frame (lower: smoother, more lag)')
    track.add_argument('--smooth-beta', type=float, default=2.0, help='1-euro speed '
                       'coefficient (higher: less lag on fast motion, more jitter)')
    track.add_argument('--no-smooth', action='store_true', help='track without smoothing')
    parser.add_argument('--verbose', action='store_true',
                        help='pytorch backend: show MMEngine\'s logs while the model loads')
    args = parser.parse_args()
    if args.backend == 'pytorch' and not args.checkpoint:
        parser.error('--checkpoint is required with the pytorch backend')
    if args.tiles and args.rect:
        parser.error('--tiles and --rect: tiles are the model\'s input size; give one of them')
    if args.backend != 'pytorch' and not args.model:
        parser.error(f'--model (an exported model) is required with --backend {args.backend}')
    stop_on_sigterm()  # kill stops as Ctrl-C does: the video closed, predictions kept
    try:
        tracker = None
        if args.track:
            tracker = PoseTracker(
                high_thr=args.score_thr, low_thr=min(args.track_low_thr, args.score_thr),
                min_hits=args.min_hits, max_missed=args.max_missed,
                smooth=not args.no_smooth and dict(min_cutoff=args.smooth_min_cutoff,
                                                   beta=args.smooth_beta))
        media = open_media(args.inputs)  # fails early, before a model is loaded
        quiet = contextlib.nullcontext()
        if args.backend == 'pytorch':  # the exported backends never import MMEngine
            from lrfg_mmpose.utils import framework_logs
            quiet = framework_logs(args.verbose)
        with quiet:
            predictor = open_predictor(
                args.backend, args.checkpoint if args.backend == 'pytorch' else args.model,
                args.config, device=args.device, threads=args.threads, precision=args.precision,
                score_thr=tracker.low_thr if tracker else args.score_thr, rect=args.rect,
                tiles=args.tile_overlap if args.tiles else None)
        quantization = getattr(getattr(predictor, 'sidecar', None), 'quantization', None)
        if quantization and not quantization.get('ok', True):
            print(f'warning: {args.model}: its INT8 export measured a large loss against the '
                  f'float model (the sidecar\'s quantization entry); export with --int8-max-drop '
                  f'or deploy the float model')
        report = run_on_media(predictor, media, args.out_dir, args.kpt_thr,
                              not args.no_progress, tracker=tracker, show=args.show,
                              reconnects=args.reconnects)
    except (FileNotFoundError, ValueError) as e:  # BadImageError and CheckpointError included
        sys.exit(f'error: {e}')
    except KeyboardInterrupt:  # before the media loop started: nothing written yet
        sys.exit('interrupted before any image was processed')
    for line in report.summary():
        print(line)
    print(f'pictures: {report.out_dir / "vis"}\npredictions (JSON): '
          f'{report.out_dir / "predictions"}')
    if report.interrupted:
        sys.exit(130)  # the shell's status for a run stopped by Ctrl-C
    if not report.ok:
        sys.exit(1)


if __name__ == '__main__':
    main()
