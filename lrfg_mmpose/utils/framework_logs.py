# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
"""A tool prints its result, not the framework's: MMEngine logs every parameter's initialisation
when a model is built (thousands of lines for a benchmark of a few models), its FLOP counter warns
about each operator it does not count, the OpenMMLab packages raise deprecation warnings and
pycocotools prints each index it builds. Inside :func:`framework_logs` MMEngine's loggers show
errors only, Python's warnings are not shown and what is printed to stdout is dropped, unless
``verbose``: a tool prints its report after the block."""
import contextlib
import io
import logging
import warnings


@contextlib.contextmanager
def framework_logs(verbose: bool = False):
    """MMEngine's current logger (and the ``mmengine`` logger) at ERROR, Python's warnings
    ignored and stdout dropped inside the block, unless ``verbose``; everything is restored
    after it (errors and ``sys.exit`` messages go to stderr and stay)."""
    if verbose:
        yield
        return
    from mmengine.logging import MMLogger
    loggers = [MMLogger.get_current_instance(), logging.getLogger('mmengine')]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
            warnings.simplefilter('ignore')
            yield
    finally:
        for logger, level in zip(loggers, levels):
            logger.setLevel(level)
