# lrfg-mmpose: every target creates or reuses the environment first (tools/setup_env.sh).
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.lrfg-env-v2

.PHONY: env test test-fast demo overfit benchmark clean

env: $(STAMP)
	@bash tools/setup_env.sh

$(STAMP):
	bash tools/setup_env.sh

# All the tests (CI runs this): 14-15 minutes on 2 CPU cores (Intel Xeon, the environment in place).
test: env
	$(PY) -m pytest tests -q

# All but the few long end-to-end checks marked `slow` (over-fitting, kill-and-resume,
# MMPose's tools in subprocesses): about 5 minutes on the same machine.
test-fast: env
	$(PY) -m pytest tests -q -m "not slow"

# The main job on the embedded real data: train, evaluate (COCO OKS AP), draw skeletons.
demo: env
	$(PY) tools/demo.py

# Proof of learning: over-fit a few real images, ours and MMPose's YOLOX-Pose-s side by side.
overfit: env
	$(PY) tools/overfit_check.py

# Parameters, FLOPs, latency, train step and memory against MMPose's bundled models.
benchmark: env
	mkdir -p work_dirs && $(PY) tools/benchmark.py --markdown work_dirs/benchmark.md --json work_dirs/benchmark.json

clean:
	rm -rf work_dirs
