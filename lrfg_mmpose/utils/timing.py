# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
"""Timing side by side: functions run in turn, so that each sees the same machine state (these
machines are noisy; figures are compared as ratios of one interleaved run)."""
import statistics
import time
from typing import Callable, Dict, List


def _sync(device: str):
    if device.startswith('cuda'):
        import torch
        torch.cuda.synchronize()


def interleaved_times(fns: Dict[str, Callable[[], object]], repeats: int,
                      device: str = 'cpu') -> Dict[str, List[float]]:
    """Seconds of each call, one warm-up each, then the functions in turn ``repeats`` times
    (so that every function sees the same machine state)."""
    for fn in fns.values():
        fn()
    times = {name: [] for name in fns}
    for _ in range(repeats):
        for name, fn in fns.items():
            _sync(device)
            start = time.perf_counter()
            fn()
            _sync(device)
            times[name].append(time.perf_counter() - start)
    return times


def median_ms(times: List[float]) -> float:
    return 1e3 * statistics.median(times)
