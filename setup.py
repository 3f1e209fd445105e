"""Install lrfg-mmpose, an MMPose plugin for LRFG-YoloPose.

The OpenMMLab stack (torch, mmcv with compiled ops, mmdet, mmpose) is installed by
``tools/setup_env.sh`` (``make env``): mmcv 2.1.0 must be compiled against torch 2.14 and
mmpose's declared ``chumpy`` dependency does not build, so they are not listed here.
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
    install_requires=['mmpose>=1.3.0', 'mmengine>=0.10.0', 'numpy<2'],
    license='Apache-2.0',
)
