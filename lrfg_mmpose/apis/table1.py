# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
"""The paper's Table 1 as data: its eight ablation rows, each with its config file, its three
switches and the paper's figures. The ablation runner, the benchmark and the tests read this
table; nothing parses config file names."""
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Optional, Tuple

from ..fileio import repo_root



@dataclass(frozen=True)
class AblationRow:
    """One row of Table 1.

    Args:
        name: The row's name (``t1r1-baseline``): row number, then the switches on; its
            config is ``configs/ablation/lrfg_yolopose_<name>_coco-960.py``.
        fgcspp: FGCSPP instead of SPP (``backbone.use_fgcspp``).
        sca: Coordinate attention in the last two C3 blocks (``backbone.sca_cfg``).
        implicit: Implicit knowledge in the head and GhostConv in the PANet
            (``head.use_implicit``, ``neck.use_ghost``).
        paper_params: The paper's parameter count (M).
        paper_ap: The paper's COCO AP (%).
    """
    name: str
    fgcspp: bool
    sca: bool
    implicit: bool
    paper_params: float
    paper_ap: float

    @property
    def config(self) -> Path:
        return repo_root() / 'configs' / 'ablation' / f'lrfg_yolopose_{self.name}_coco-960.py'


TABLE1: Tuple[AblationRow, ...] = (
    AblationRow('t1r1-baseline', False, False, False, 15.1, 63.8),
    AblationRow('t1r2-fgcspp', True, False, False, 21.5, 64.5),
    AblationRow('t1r3-sca', False, True, False, 14.3, 65.5),
    AblationRow('t1r4-implicit', False, False, True, 13.9, 64.7),
    AblationRow('t1r5-fgcspp-sca', True, True, False, 20.7, 66.1),
    AblationRow('t1r6-fgcspp-implicit', True, False, True, 20.4, 64.8),
    AblationRow('t1r7-sca-implicit', False, True, True, 13.1, 65.9),
    AblationRow('t1r8-fgcspp-sca-implicit', True, True, True, 19.5, 66.4),
)
BY_NAME: Dict[str, AblationRow] = {row.name: row for row in TABLE1}


def ablation_row(config) -> Optional[AblationRow]:
    """The Table 1 row whose config is ``config`` (a path), or None."""
    path = Path(config).resolve()
    return next((row for row in TABLE1 if row.config.resolve() == path), None)


def row_name(config) -> str:
    """The Table 1 row name of an ablation config; anything else (a benchmark name such as
    ``yoloxpose_s``, another config) by its file stem."""
    row = ablation_row(config)
    return row.name if row else Path(str(config)).stem
