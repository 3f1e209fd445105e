"""Check that the paper recipe trains and tests on this GPU (under ten minutes).

On the embedded images, at the paper config's 960: N training iterations with and without AMP
(as ``mim train --amp`` sets it), every loss finite, images/s and peak GPU memory, beside
MMPose's YOLOX-Pose-s at the same size; then ``predict()`` and a ``mim test`` pass (MMEngine's
test loop with CocoMetric). Prints one table and writes it as JSON::

    python tools/gpu_check.py                          # CUDA, paper config, 20 iterations
    python tools/gpu_check.py --device cpu --smoke     # the same code, tiny, on a CPU

AMP needs CUDA: on a CPU its rows say so. (:mod:`lrfg_mmpose.apis.gpu_check`)
"""
import argparse
import json
import platform
import sys
from pathlib import Path

import torch

from lrfg_mmpose.apis.gpu_check import (amp_overflow_check, mim_test_check, predict_check,
                                        train_check)
from lrfg_mmpose.cli import positive_int


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--config', default='configs/lrfg_yolopose_coco.py')
    parser.add_argument('--peer', default='yoloxpose_s', help="MMPose's model for the ratio "
                        "('none': skip)")
    parser.add_argument('--device', default='cuda')
    parser.add_argument('--size', type=positive_int, default=960)
    parser.add_argument('--batch-size', type=positive_int, default=16)
    parser.add_argument('--iters', type=positive_int, default=20)
    parser.add_argument('--smoke', action='store_true',
                        help='tiny: size 128, batch 2, 2 iterations, 2 test images')
    parser.add_argument('--work-dir', default='work_dirs/gpu_check')
    parser.add_argument('--json', default=None, help='default: WORK_DIR/gpu_check.json')
    args = parser.parse_args()
    if args.smoke:
        args.size, args.batch_size, args.iters = 128, 2, 2
    if args.device.startswith('cuda') and not torch.cuda.is_available():
        sys.exit('gpu_check: torch sees no CUDA device here; run with --device cpu (--smoke) '
                 'to check the code, or on a machine with a GPU')
    work_dir = Path(args.work_dir)
    work_dir.mkdir(parents=True, exist_ok=True)
    cuda = args.device.startswith('cuda')

    runs = [(args.config, args.size), *([(args.peer, args.size)] if args.peer != 'none' else [])]
    train = []
    for name, size in runs:
        for amp in (False, True):
            if amp and not cuda:
                train.append(dict(model=name, amp=True, size=size, skipped='AMP needs CUDA'))
                continue
            train.append(train_check(name, args.device, size, args.batch_size, args.iters, amp))
    overflow = amp_overflow_check(args.config, args.device, args.size, args.batch_size) \
        if cuda else dict(skipped='AMP needs CUDA')
    predict = predict_check(args.config, args.device, args.size, work_dir / 'predict')
    test = mim_test_check(args.config, args.size, work_dir / 'test',
                          2 if args.smoke else None)

    device = torch.cuda.get_device_name() if cuda else (platform.processor() or
                                                         platform.machine())
    ours = {r['amp']: r for r in train if r['model'] == args.config and 'images_per_s' in r}
    lines = [f'{device}, torch {torch.__version__}; batch {args.batch_size}, {args.iters} '
             f'iterations after one warm-up, on one fixed batch of embedded images.', '',
             '| model | input | AMP | wrapper | losses finite | loss first -> last | images/s | '
             'x ours (same AMP) | peak GPU MB |', '|---|---|---|---|---|---|---|---|---|']
    for r in train:
        if 'skipped' in r:
            lines.append(f"| {r['model']} | {r['size']} | on | - | - | - | {r['skipped']} | - | - |")
            continue
        ref = ours.get(r['amp'])
        mem = f"{r['peak_mem_mb']:.0f}" if r['peak_mem_mb'] is not None else '-'
        lines.append(f"| {r['model']} | {r['size']} | {'on' if r['amp'] else 'off'} | "
                     f"{r['wrapper']} | {'yes' if r['finite'] else 'NO'} | "
                     f"{r['first_loss']:.3f} -> {r['last_loss']:.3f} | {r['images_per_s']:.1f} | "
                     f"{r['images_per_s'] / ref['images_per_s']:.2f} | {mem} |")
    lines += ['', f"predict(): {predict['images']} val images on {predict['on_device']}, "
              f"{predict['people']} people kept (random weights), {predict['seconds']:.2f} s",
              f"mim test (MMEngine's test loop, CocoMetric): {test['images']} val images on "
              f"{test['on_device']}, AP {test['ap']:.3f} (random weights), "
              f"{test['seconds']:.1f} s"]
    if 'skipped' in overflow:
        lines.append(f"AMP overflow: {overflow['skipped']}")
    else:
        lines.append(f"AMP overflow (inf injected into loss_kpt once): step skipped "
                     f"{'yes' if overflow['step_skipped'] else 'NO'}, scale "
                     f"{overflow['scale_before']:g} -> {overflow['scale_after']:g}, counted "
                     f"{overflow['counted']} by NaNGuardHook without stopping, trained after "
                     f"{'yes' if overflow['trained_after'] else 'NO'}")
    print('\n'.join(lines))
    out = Path(args.json) if args.json else work_dir / 'gpu_check.json'
    out.write_text(json.dumps(dict(device=device, train=train, predict=predict, test=test,
                                   amp_overflow=overflow), indent=2))
    print(f'written: {out}')
    if not all(r.get('finite', True) for r in train) or not overflow.get(
            'step_skipped', True) or not overflow.get('trained_after', True):
        sys.exit(1)


if __name__ == '__main__':
    main()
