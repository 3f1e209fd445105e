#!/usr/bin/env bash
# Create (or reuse) the project's virtual environment with the OpenMMLab stack on torch 2.14.
#
# Versions: torch 2.14.1 + torchvision 0.29.1, mmengine 0.10.7, mmcv 2.1.0 (compiled ops),
# mmdet 3.3.0, mmpose 1.3.2, numpy<2; onnx 1.23.2, onnxruntime 1.32.0, openvino 2026.4.1;
# nncf 3.4.0 (INT8 export) and ultralytics 8.4.190 (the deployment benchmark's peers; not a
# dependency of the package).
# mmcv 2.1.0 must be compiled with -std=c++20 against
# torch >= 2.10; the wheel is built once and cached outside the checkout in $LRFG_WHEEL_CACHE
# (default ~/.cache/lrfg-mmpose/wheels), so later fresh clones install in minutes.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
VENV=${LRFG_VENV:-$ROOT/.venv}
CACHE=${LRFG_WHEEL_CACHE:-$HOME/.cache/lrfg-mmpose/wheels}
STAMP=$VENV/.lrfg-env-v2
PY=${PYTHON:-python3}

EXTRAS=(nncf==3.4.0 ultralytics==8.4.190)
if [ -f "$STAMP" ]; then
  # Environment exists; make sure the package itself is (still) installed in develop mode,
  # and the INT8 / benchmark extras added since the environment was made.
  "$VENV/bin/python" -c "import nncf, ultralytics" 2>/dev/null || \
    "$VENV/bin/pip" install -q -c "$ROOT/tools/constraints.txt" "${EXTRAS[@]}"
  "$VENV/bin/python" -c "import lrfg_mmpose" 2>/dev/null || \
    "$VENV/bin/pip" install -q --no-deps --no-build-isolation -e "$ROOT"
  exit 0
fi

echo "[setup_env] creating $VENV (first run: about 15-20 min if mmcv must be compiled)"
t0=$(date +%s)
"$PY" -m venv "$VENV"
PIP="$VENV/bin/pip"
CONSTRAINTS=$ROOT/tools/constraints.txt
"$PIP" install -q --upgrade "pip<26" 
"$PIP" install -q -c "$CONSTRAINTS" torch==2.14.1 torchvision==0.29.1
"$PIP" install -q -c "$CONSTRAINTS" mmengine==0.10.7 "numpy<2" opencv-python-headless \
  "setuptools>=77,<81" wheel ninja

PYTAG=$("$VENV/bin/python" -c 'import sys; print(f"cp{sys.version_info[0]}{sys.version_info[1]}")')
KEY="torch2.14.1-$PYTAG"
mkdir -p "$CACHE/$KEY"
WHEEL=$(ls "$CACHE/$KEY"/mmcv-2.1.0-*.whl 2>/dev/null | head -n1 || true)
if [ -z "$WHEEL" ]; then
  echo "[setup_env] compiling mmcv 2.1.0 with ops (-std=c++20); cached in $CACHE/$KEY"
  SRC=$(mktemp -d)
  "$PIP" download -q --no-deps --no-binary :all: --no-build-isolation -d "$SRC" mmcv==2.1.0
  tar -xzf "$SRC"/mmcv-2.1.0.tar.gz -C "$SRC"
  # torch >= 2.10 headers refuse C++17 ("C++20 or later compatible compiler is required").
  sed -i 's/-std=c++14/-std=c++20/g; s/-std=c++17/-std=c++20/g' "$SRC/mmcv-2.1.0/setup.py"
  # CPU ops only, on any machine: mmcv's build compiles CUDA ops whenever torch sees a GPU
  # (FORCE_CUDA=0 does not stop it; that needs nvcc and far longer), so the build sees none.
  # The package needs no mmcv op (NMS is torchvision's, with CPU and CUDA kernels), so this
  # wheel serves GPU training too.
  echo "[setup_env] building mmcv's CPU ops only (GPUs hidden from the build: CUDA_VISIBLE_DEVICES=)"
  (cd "$SRC/mmcv-2.1.0" && CUDA_VISIBLE_DEVICES= MMCV_WITH_OPS=1 FORCE_CUDA=0 \
     MAX_JOBS=${MAX_JOBS:-$(nproc)} "$PIP" wheel -q --no-build-isolation --no-deps -w "$CACHE/$KEY" .)
  rm -rf "$SRC"
  WHEEL=$(ls "$CACHE/$KEY"/mmcv-2.1.0-*.whl | head -n1)
fi
"$PIP" install -q --no-deps "$WHEEL"

# mmpose declares chumpy, which does not build on modern Python: install without deps,
# then the packages mmpose/mmdet really import.
"$PIP" install -q --no-deps mmpose==1.3.2 mmdet==3.3.0
"$PIP" install -q -c "$CONSTRAINTS" json_tricks munkres scipy matplotlib pillow pycocotools \
  xtcocotools shapely terminaltables tqdm six openmim pytest
# Deployment: ONNX export, ONNX Runtime and OpenVINO (numpy<2 and ml-dtypes 0.5 from the
# constraints: onnx would otherwise pull numpy 2).
"$PIP" install -q -c "$CONSTRAINTS" onnx==1.23.2 onnxruntime==1.32.0 openvino==2026.4.1
# INT8 export (NNCF) and the Ultralytics peers of the deployment benchmark.
"$PIP" install -q -c "$CONSTRAINTS" "${EXTRAS[@]}"
"$PIP" install -q --no-deps --no-build-isolation -e "$ROOT"

"$VENV/bin/python" - <<'PY'
import nncf, onnx, onnxruntime, openvino, ultralytics  # noqa: F401
import mmcv, mmdet, mmengine, mmpose, numpy, torch
from mmcv.ops import batched_nms  # noqa: F401  (compiled ops present)
import mmpose.models, mmdet.models  # noqa: F401
print(f"[setup_env] torch {torch.__version__}, mmcv {mmcv.__version__}, mmengine {mmengine.__version__}, "
      f"mmdet {mmdet.__version__}, mmpose {mmpose.__version__}, numpy {numpy.__version__}")
PY
touch "$STAMP"
echo "[setup_env] ready in $(( $(date +%s) - t0 )) s"
