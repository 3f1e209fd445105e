# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
"""A tool prints its result, not the framework's: MMEngine logs every parameter's initialisation
when a model is built (thousands of lines for a benchmark of a few models), its FLOP counter warns
about each operator it does not count, the OpenMMLab packages raise deprecation warnings and
pycocotools prints each index it builds. Inside :func:`framework_logs` MMEngine's loggers show
errors only and Python's warnings are not shown, unless ``verbose``; with ``drop_stdout`` what is
printed to stdout is dropped too (for a tool that prints its report after the block)."""
import contextlib
import io
import logging
import sys
import warnings


@contextlib.contextmanager
def framework_logs(verbose: bool = False, drop_stdout: bool = False):
    """Logging below ERROR (MMEngine's loggers, whichever is current, included) and Python's
    warnings off inside the block (stdout dropped too with ``drop_stdout``), unless
    ``verbose``; everything is restored after it (errors and ``sys.exit`` messages go to stderr
    and stay)."""
    if verbose:
        yield
        return
    before = logging.root.manager.disable
    logging.disable(logging.WARNING)
    try:
        with warnings.catch_warnings(), contextlib.redirect_stdout(
                io.StringIO() if drop_stdout else sys.stdout):
            warnings.simplefilter('ignore')
            yield
    finally:
        logging.disable(before)
