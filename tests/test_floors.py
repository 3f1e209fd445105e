# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
"""The package's floors: a module imports only from its own floor and those below it.

Each floor's modules are imported, bottom up in one fresh interpreter, with every floor above it
blocked (an import of a blocked package raises), and the bottom two floors with torch and
OpenMMLab blocked too, so the torch-free runtime stays torch-free. Imports made inside functions are checked from
the source, with the one documented exception: the PyTorch backend builds the model floors when
one is made.
"""
import ast
import json
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / 'lrfg_mmpose'
# bottom to top; README's "The package" table
FLOORS = (('structures', 'fileio', 'cli', 'timing'),  # numpy, OpenCV, the standard library
          ('deploy',),  # the runtime: ONNX Runtime / OpenVINO
          ('models', 'datasets', 'evaluation', 'utils'),  # torch, MMPose
          ('analysis', 'convert', 'engine', 'export'),
          ('apis',))  # what the tools run
TORCH_FREE = 2  # floors below this one import no torch, mmcv, mmengine, mmdet, MMPose
# (module, package it imports inside a function): the PyTorch predictor registers the modules
# and reads the config and checkpoint when it is made (lrfg_mmpose.deploy.torch_predictor)
LAZY_UPWARD = {('deploy.torch_predictor', ''), ('deploy.torch_predictor', 'utils')}


def floor_of(part: str) -> int:
    """The floor of a top-level part; '' (``import lrfg_mmpose``: its ``__init__`` registers the
    models, datasets, metrics and the engine's hooks) is the engine's."""
    return next(i for i, names in enumerate(FLOORS) if (part or 'engine') in names)


def modules():
    """Dotted names (without ``lrfg_mmpose.``) of every module, with its path."""
    for path in sorted(PACKAGE.rglob('*.py')):
        parts = path.relative_to(PACKAGE).with_suffix('').parts
        if parts == ('__init__', ):
            continue
        yield '.'.join(parts[:-1] if parts[-1] == '__init__' else parts), path


def imported_parts(name: str, path: Path):
    """(lineno, top part of the package imported, inside a function?) of each import."""
    package = name.split('.')[:-1] if path.name != '__init__.py' else name.split('.')
    tree = ast.parse(path.read_text())
    functions = (ast.FunctionDef, ast.AsyncFunctionDef)
    nested = {id(n) for f in ast.walk(tree) if isinstance(f, functions)
              for n in ast.walk(f) if n is not f}
    for node in ast.walk(tree):
        targets = []
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[:len(package) - node.level + 1]
                mod = base + (node.module.split('.') if node.module else [])
            elif (node.module or '').split('.')[0] == 'lrfg_mmpose':
                mod = node.module.split('.')[1:]
            else:
                continue
            targets = [mod + [a.name] if not mod else mod for a in node.names]
        elif isinstance(node, ast.Import):
            targets = [a.name.split('.')[1:] for a in node.names
                       if a.name.split('.')[0] == 'lrfg_mmpose']
        for mod in targets:
            yield node.lineno, (mod[0] if mod else ''), id(node) in nested


def test_no_import_reaches_up_a_floor_in_the_source():
    names = {part for floor in FLOORS for part in floor}
    tops = {p.stem if p.is_file() else p.name for p in PACKAGE.iterdir()
            if (p.suffix == '.py' and p.stem != '__init__') or (p / '__init__.py').exists()}
    assert tops == names, f'modules without a floor: {tops ^ names}'
    upward = []
    for name, path in modules():
        own = floor_of(name.split('.')[0])
        for lineno, part, lazy in imported_parts(name, path):
            if (name, part) in LAZY_UPWARD and lazy:
                continue
            if floor_of(part) > own:
                upward.append(f'{path.relative_to(PACKAGE.parent)}:{lineno} imports '
                              f'lrfg_mmpose.{part or "(the package: every floor)"}')
    assert not upward, '\n'.join(upward)


CHILD = r'''
import importlib, importlib.abc, json, pkgutil, sys, types
package, floors, torch_free, heavy = sys.argv[1], *map(json.loads, sys.argv[2:])
blocked = set()

class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split('.')[0] in blocked or (
                name.startswith('lrfg_mmpose.') and name.split('.')[1] in blocked):
            raise ImportError(f'{name} is above this floor')
        return None

sys.meta_path.insert(0, Block())
root = types.ModuleType('lrfg_mmpose')  # the package without its __init__ (which registers all)
root.__path__ = [package]
sys.modules['lrfg_mmpose'] = root
done = []
for level, floor in enumerate(floors):  # bottom up: what is below is imported already
    blocked = {part for upper in floors[level + 1:] for part in upper}
    blocked |= set(heavy) if level < torch_free else set()
    done.append([])
    for part in floor:
        mod = importlib.import_module(f'lrfg_mmpose.{part}')
        done[-1].append(mod.__name__)
        for info in pkgutil.walk_packages(getattr(mod, '__path__', []), mod.__name__ + '.'):
            importlib.import_module(info.name)
            done[-1].append(info.name)
print(json.dumps(done))
'''


def test_each_floor_imports_with_the_floors_above_it_blocked():
    """One interpreter, floor by floor from the bottom: each floor's modules imported while every
    floor above it (and, below the model floors, torch and OpenMMLab) cannot be imported."""
    heavy = ['torch', 'torchvision', 'mmcv', 'mmengine', 'mmdet', 'mmpose']
    res = subprocess.run([sys.executable, '-c', CHILD, str(PACKAGE), json.dumps(FLOORS),
                          json.dumps(TORCH_FREE), json.dumps(heavy)],
                         capture_output=True, text=True)
    assert res.returncode == 0, res.stderr[-3000:]
    imported = json.loads(res.stdout.strip().splitlines()[-1])
    for floor, names in zip(FLOORS, imported):
        expected = {name for name, _ in modules() if name.split('.')[0] in floor}
        assert {m[len('lrfg_mmpose.'):] for m in names} == expected, floor
