# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
"""Where an exported network spends its time in OpenVINO: the per-layer counters, grouped by
layer type and the kernel OpenVINO chose (``tools/benchmark.py --profile N``)."""
from pathlib import Path
from typing import Dict, List, Tuple

import numpy as np

from ..fileio import markdown_table


def layer_profile(path: Path, size: int, threads: int, precision: str = 'f32',
                  repeats: int = 10) -> List[dict]:
    """OpenVINO's per-layer counters of an exported model (``PERF_COUNT``), summed over
    ``repeats`` runs after one warm-up and grouped by layer type and the kernel OpenVINO chose
    (e.g. ``Convolution`` / ``brgconv_avx512_amx``): ``[dict(type, kernel, layers, ms)]`` with
    ms per run, largest first. Fused layers (status ``OPTIMIZED_OUT``) are not counted."""
    import openvino as ov
    compiled = ov.Core().compile_model(str(path), 'CPU', {
        'PERFORMANCE_HINT': 'LATENCY', 'INFERENCE_PRECISION_HINT': precision,
        'INFERENCE_NUM_THREADS': threads, 'PERF_COUNT': True})
    request = compiled.create_infer_request()
    x = np.random.default_rng(0).random((1, 3, size, size), dtype=np.float32)
    request.infer({0: x})
    groups = {}
    for _ in range(repeats):
        request.infer({0: x})
        for info in request.profiling_info:
            if info.status != info.Status.EXECUTED:
                continue
            key = (info.node_type, info.exec_type)
            entry = groups.setdefault(key, dict(type=key[0], kernel=key[1], layers=set(), ms=0.))
            entry['layers'].add(info.node_name)
            entry['ms'] += info.real_time.total_seconds() * 1e3 / repeats
    rows = sorted(groups.values(), key=lambda r: -r['ms'])
    for r in rows:
        r['layers'] = len(r['layers'])
    return rows


def profile_lines(profiles: Dict[Tuple[str, str], List[dict]], top: int) -> List[str]:
    """One Markdown table, a row per profiled network and precision: the counters' sum and the
    ``top`` costliest layer types (type, kernel, layers, share of the sum). The full rows are
    :func:`layer_profile`'s (the benchmark's JSON holds them)."""
    def cell(rows, total):
        return '; '.join(f"{r['type']} {r['kernel']} x{r['layers']} {r['ms'] / total:.0%}"
                         for r in rows[:top])
    table = []
    for (label, backend), rows in profiles.items():
        total = sum(r['ms'] for r in rows)
        table.append([label, backend, f'{total:.1f}', cell(rows, total)])
    return ['', f'OpenVINO\'s per-layer counters (PERF_COUNT) of each network, the {top} costliest '
            f'layer types (type, kernel, layers, share of the summed ms):', '',
            *markdown_table(['model@input', 'backend', 'summed ms', 'costliest layer types'],
                            table)]
