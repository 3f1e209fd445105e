# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
"""Training-time hooks (registered in MMPose's ``HOOKS``)."""
from .hooks import (AnchorRecallHook, NaNGuardHook, NonFiniteLossError, RNGStateHook, rng_states,
                    set_rng_states)

__all__ = ['AnchorRecallHook', 'NaNGuardHook', 'NonFiniteLossError', 'RNGStateHook', 'rng_states',
           'set_rng_states']
