"""Analyse COCO keypoint predictions beyond one AP: AP/AR per person size, OKS precision-recall
curves, per-keypoint OKS AP, median normalised error per keypoint, and the keypoint error types
of Ronchi & Perona (good, jitter, inversion, swap, miss), several prediction files side by side::

    python tools/analyze_results.py work_dirs/t1r1/predictions.keypoints.json \\
        work_dirs/t1r8/predictions.keypoints.json --names t1r1 t1r8 \\
        --ann data/coco/annotations/person_keypoints_val2017.json --out-dir work_dirs/analysis

A prediction file is COCO results (what MMPose's CocoMetric writes with
``--cfg-options test_evaluator.outfile_prefix=work_dirs/x/predictions``), the pickle of
``mim test ... --dump x.pkl``, or the ``predictions`` folder of tools/infer.py. The tables are printed and written to
OUT/analysis.md; the plots are OUT/pr_curves.png, OUT/error_types.png and OUT/per_keypoint.png.
Predictions with NaN/inf are dropped and counted, malformed ones refuse their file (one line);
a file that cannot be read is left out and the others analysed (exit status 1).
Another keypoint set: ``--metainfo`` its meta file (names, sigmas, flip pairs).
"""
import argparse
import sys

from lrfg_mmpose.analysis import analyse_files
from lrfg_mmpose.structures import keypoint_meta, pose_metainfo


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('predictions', nargs='+', help='COCO keypoint results (.json), mim test '
                        '--dump\'s .pkl, or a tools/infer.py predictions folder; one or more')
    parser.add_argument('--ann', required=True, help='the COCO keypoint annotation file')
    parser.add_argument('--out-dir', required=True, help='where the tables and plots go')
    parser.add_argument('--names', nargs='+', help='a name per prediction file (default: '
                        'the file names)')
    parser.add_argument('--metainfo', default='configs/_base_/datasets/coco.py',
                        help="the keypoint set's meta file (default: MMPose's COCO)")
    args = parser.parse_args()
    try:
        keypoints = keypoint_meta(pose_metainfo(args.metainfo))
    except Exception as e:  # MMPose's parser raises several kinds
        sys.exit(f'error: {args.metainfo}: not a keypoint meta file MMPose can read '
                 f'({type(e).__name__}: {e})')
    try:
        analyse_files(args.predictions, args.ann, keypoints, args.out_dir, args.names)
    except (FileNotFoundError, ValueError) as e:  # FilesLeftOut: the others were written
        sys.exit(f'error: {e}')


if __name__ == '__main__':
    main()
