# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
"""A tool prints its result, not the framework's: MMEngine logs every parameter's initialisation
when a model is built (thousands of lines for a benchmark of a few models), its FLOP counter warns
about each operator it does not count, and the OpenMMLab packages raise deprecation warnings.
Inside :func:`framework_logs` MMEngine's loggers show errors only and Python's warnings are not
shown, unless ``verbose``."""
import contextlib
import logging
import warnings


@contextlib.contextmanager
def framework_logs(verbose: bool = False):
    """MMEngine's current logger (and the ``mmengine`` logger) at ERROR and Python's warnings
    ignored inside the block, unless ``verbose``; everything is restored after it."""
    if verbose:
        yield
        return
    from mmengine.logging import MMLogger
    loggers = [MMLogger.get_current_instance(), logging.getLogger('mmengine')]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            yield
    finally:
        for logger, level in zip(loggers, levels):
            logger.setLevel(level)
