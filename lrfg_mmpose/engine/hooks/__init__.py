# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
from .anchor_recall_hook import AnchorRecallHook
from .nan_guard_hook import NaNGuardHook, NonFiniteLossError
from .rng_state_hook import RNGStateHook, rng_states, set_rng_states

__all__ = ['AnchorRecallHook', 'NaNGuardHook', 'NonFiniteLossError', 'RNGStateHook', 'rng_states',
           'set_rng_states']
