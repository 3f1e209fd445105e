"""Do the head's anchors fit the training data? Best possible recall per level, and fitted anchors.

    python tools/anchors.py configs/lrfg_yolopose_coco-mini.py
    python tools/anchors.py configs/lrfg_yolopose_coco-body13-mini.py --generations 2000

Best possible recall: the fraction of the training people (labelled keypoints, not crowd) that
some anchor matches under the head's rule (box/anchor width and height ratios within
1/anchor_thr .. anchor_thr), at the training scale (each image letterboxed to the input size).
Then anchors fitted to those boxes (k-means + evolution, YOLOv5's autoanchor), never with a lower
recall than the config's, and the config lines that set them.
"""
import argparse

from lrfg_mmpose.analysis import (anchor_fitness, anchors_override, best_possible_recall,
                                  config_anchor_data, fit_anchors)
from lrfg_mmpose.cli import positive_int
from lrfg_mmpose.utils import load_config


def table(recall, anchors, strides) -> str:
    lines = ['| level | stride | anchors (w x h px) | people matched |', '|---|---|---|---|']
    for i, (level, stride) in enumerate(zip(anchors, strides)):
        sizes = ', '.join(f'{w:.0f}x{h:.0f}' for w, h in level)
        lines.append(f'| P{i + 3} | {stride} | {sizes} | {recall.per_level[i]:.4f} |')
    lines.append(f'| all | | | **{recall.overall:.4f}** ({recall.anchors_per_person:.2f} anchors '
                 f'per person) |')
    return '\n'.join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config')
    parser.add_argument('--generations', type=positive_int, default=1000,
                        help='evolution generations')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--no-fit', action='store_true', help='only the recall of the config')
    args = parser.parse_args()
    import lrfg_mmpose  # noqa: F401  (registers the dataset types)
    data = config_anchor_data(load_config(args.config))
    wh, thr = data['wh'], data['anchor_thr']
    w, h = data['input_wh']
    recall = best_possible_recall(wh, data['anchors'], thr)
    print(f'{args.config}: {recall.people} training people at {w}x{h}, anchor_thr {thr}\n')
    print('Config anchors: best possible recall')
    print(table(recall, data['anchors'], data['strides']))
    if args.no_fit:
        return
    fit = fit_anchors(wh, data['anchors'], thr, args.generations, args.seed)
    print(f'\nFitted anchors ({args.generations} generations, seed {args.seed}): best possible '
          f'recall')
    print(table(fit.recall, fit.anchors, data['strides']))
    before = anchor_fitness(wh, data['anchors'], thr)
    print(f'\nFitness (mean best-anchor ratio of the matched people, 1 = exact): {before:.3f} '
          f'(config) -> {fit.fitness:.3f} (fitted)')
    if fit.kept_current:
        print('The fitted anchors would match fewer people: keep the config\'s.')
    elif fit.recall.overall > recall.overall:
        print(f'To use them (recall {recall.overall:.4f} -> {fit.recall.overall:.4f}), add to the '
              f'config:\n{anchors_override(fit.anchors)}')
    else:
        print(f'The config\'s anchors already reach the same recall; the fitted ones only fit '
              f'closer. To use them anyway:\n{anchors_override(fit.anchors)}')


if __name__ == '__main__':
    main()
