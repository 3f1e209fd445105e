# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
"""Timing side by side, the one timer of the package's benchmarks: functions run in turn, so that
each sees the same machine state (machines are noisy; figures are compared as ratios of one
interleaved run), and the name of the CPU every figure is stated with. Standard library only
(torch imported to synchronise a CUDA device)."""
import platform
import statistics
import time
from typing import Callable, Dict, Hashable, List


def _sync(device: str):
    if device.startswith('cuda'):
        import torch
        torch.cuda.synchronize()


def interleaved_times(fns: Dict[Hashable, Callable[[], object]], repeats: int,
                      device: str = 'cpu', alternate: bool = False,
                      warmup: bool = True) -> Dict[Hashable, List[float]]:
    """Seconds of each call, one warm-up each (unless ``warmup=False``: the caller has run
    them already), then the functions in turn ``repeats`` times (so that every function sees
    the same machine state); ``alternate`` reverses the order every other round, so that no
    function always runs after the same one."""
    for fn in fns.values() if warmup else ():
        fn()
    times = {name: [] for name in fns}
    items = list(fns.items())
    for r in range(repeats):
        for name, fn in (items[::-1] if alternate and r % 2 else items):
            _sync(device)
            start = time.perf_counter()
            fn()
            _sync(device)
            times[name].append(time.perf_counter() - start)
    return times


def median_ms(times: List[float]) -> float:
    return 1e3 * statistics.median(times)


def cpu_name() -> str:
    """The CPU's model name (``/proc/cpuinfo``), else what ``platform`` knows."""
    try:
        with open('/proc/cpuinfo') as f:
            return next(line.split(':', 1)[1].strip() for line in f
                        if line.startswith('model name'))
    except (OSError, StopIteration):
        return platform.processor() or platform.machine()
