# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
"""What the tools' command lines share, standard library only (the torch-free runtime's tools
use it too).

Argument types: a count that must be positive is refused by argparse in one line (``argument
--ngpus: 0 is not a positive integer``) before any work, never replaced by a default or left to
fail later as an AssertionError or a ZeroDivisionError. :func:`stop_on_sigterm`: ``kill`` stops
a tool as Ctrl-C does, so that what it has done is closed and kept.
"""
import argparse
import signal


def _integer(text: str, minimum: int, too_small: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f'{text!r} is not an integer') from None
    if value < minimum:
        raise argparse.ArgumentTypeError(f'{value} {too_small}')
    return value


def positive_int(text: str) -> int:
    """An integer of at least 1."""
    return _integer(text, 1, 'is not a positive integer (at least 1)')


def non_negative_int(text: str) -> int:
    """An integer of at least 0."""
    return _integer(text, 0, 'is negative; give 0 or more')


def unit_float(text: str) -> float:
    """A number between 0 and 1 (a score or IoU threshold)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f'{text!r} is not a number') from None
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f'{value} is not between 0 and 1')
    return value


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def stop_on_sigterm() -> None:
    """SIGTERM (``kill``, a container or job scheduler stopping the tool) and SIGHUP (the
    terminal closed) raise KeyboardInterrupt, as Ctrl-C does, in the main thread."""
    for name in ('SIGTERM', 'SIGHUP'):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), _interrupt)
