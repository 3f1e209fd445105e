"""Install lrfg-mmpose, an MMPose plugin for LRFG-YoloPose.

The OpenMMLab stack (torch, mmcv, mmdet, mmpose) is not declared: ``pip install -e .`` goes into
an environment that has it (the project's own: ``tools/setup_env.sh``; yours: docs/install.md,
"Install into your own environment") and pulls nothing. Declaring mmpose would make pip resolve its
``chumpy`` requirement, which does not build on current Python, and mmcv must match the
environment's torch. ``pip install -e .[runtime]`` adds what the torch-free runtime
(``lrfg_mmpose.deploy``: ONNX Runtime, OpenCV, numpy, SciPy for tracking, tqdm for progress) needs; ``[openvino]`` its OpenVINO backend;
``[int8]`` NNCF for INT8 export.
"""
import re
from pathlib import Path

from setuptools import find_packages, setup

version = re.search(r"__version__ = '([^']+)'",
                    Path('lrfg_mmpose/__init__.py').read_text()).group(1)

setup(
    name='lrfg-mmpose',
    version=version,
    description='LRFG-YoloPose (SCA, FGCSPP, implicit knowledge + GhostConv) as an MMPose plugin',
    long_description=Path('README.md').read_text() if Path('README.md').exists() else '',
    long_description_content_type='text/markdown',
    packages=find_packages(exclude=('tests', 'tests.*', 'configs', 'tools')),
    python_requires='>=3.8',
    install_requires=['numpy'],
    extras_require={
        'runtime': ['numpy', 'opencv-python-headless', 'onnxruntime', 'scipy', 'tqdm'],
        'openvino': ['numpy', 'opencv-python-headless', 'openvino', 'scipy', 'tqdm'],
        'int8': ['openvino', 'nncf'],
    },
    license='Apache-2.0',
)
