# lrfg-mmpose: every target creates or reuses the environment first (tools/setup_env.sh).
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.lrfg-env-v1

.PHONY: env test demo overfit clean

env: $(STAMP)
	@bash tools/setup_env.sh

$(STAMP):
	bash tools/setup_env.sh

# The tests (fast on 2 CPU cores).
test: env
	$(PY) -m pytest tests -q

# The main job on the embedded real data: train, evaluate (COCO OKS AP), draw skeletons.
demo: env
	$(PY) tools/demo.py

clean:
	rm -rf work_dirs
