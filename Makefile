# The two commands of README: `make demo` (the embedded pipeline) and `make test` (ruff, then the tests;
# `make test NB=nbs/X.ipynb`: one notebook's tests only).
# Each creates or reuses .venv, installs vitp with the extras it needs, then runs.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin
EXTRAS ?= dev dist
# Cells flagged `#| slow` run in `make test`; `#| cuda` cells run only where CUDA is.
TEST_FLAGS ?= slow $(shell $(BIN)/python -c "import torch; print('cuda' if torch.cuda.is_available() else '')" 2>/dev/null)
export TORCH_EXTENSIONS_DIR ?= $(CURDIR)/$(VENV)/torch_extensions
export DS_BUILD_OPS := 0
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
# torch threads spin while they wait; with two workers on two cores that costs 3–5× (measured), so they sleep instead
export OMP_WAIT_POLICY := PASSIVE

.PHONY: install demo test lint test-nbs test-py check-sync readme outputs clean openmmlab test-openmmlab
STAMP := $(VENV)/.installed-$(subst $(eval) ,-,$(EXTRAS))

$(STAMP): settings.ini setup.py
	@test -n "$(PYTHON)" || { echo "no python3 found: install Python 3.11"; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[$(subst $(eval) ,$(comma),$(EXTRAS))]"
	@touch $@

comma := ,
install: $(STAMP)

# The embedded pipeline on the texture world (vitp.experiments.WORLD_SETTINGS; the data tree written once): ViTP with
# VRL r = 0.75 and its twin without VRL from the same random init, both ViTs exported, each fine-tuned beside a random
# ViT on texture land cover. One seed: one run per arm (the reproduction notebooks pair three).
demo: $(STAMP)
	$(BIN)/vitp_pretrain configs/embedded_texture.json
	$(BIN)/vitp_pretrain configs/embedded_texture.json drop_ratio=0 out_dir=runs/embedded/novrl
	$(BIN)/vitp_export runs/embedded/vitp/final runs/embedded/vit --overwrite
	$(BIN)/vitp_export runs/embedded/novrl/final runs/embedded/vit_novrl --overwrite
	$(BIN)/vitp_finetune configs/embedded_finetune.json
	$(BIN)/vitp_finetune configs/embedded_finetune.json backbone=runs/embedded/vit_novrl out_dir=runs/embedded/finetune/novrl
	$(BIN)/vitp_finetune configs/embedded_finetune.json backbone=random out_dir=runs/embedded/finetune/random
	$(BIN)/vitp_compare runs/embedded ViTP=runs/embedded/finetune/vitp no-VRL=runs/embedded/finetune/novrl \
	  random=runs/embedded/finetune/random --pretrains ViTP=runs/embedded/vitp no-VRL=runs/embedded/novrl
	@echo "results: runs/embedded/results.md, results.png  runs: runs/embedded/{vitp,novrl,finetune}  ViT: runs/embedded/vit"

# ruff.toml says what is checked: lint everywhere (vitp/'s findings are fixed in nbs/), format only the hand-written Python
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

check-sync: $(STAMP)
	bash .ci/check_sync.sh $(BIN)

test-nbs: $(STAMP)
	$(BIN)/nbdev_test --n_workers 2 --flags "$(TEST_FLAGS)" --timing
	@cuda_cells=$$(grep -l '#| cuda' nbs/*.ipynb 2>/dev/null | wc -l || true); \
	 if [[ "$(TEST_FLAGS)" != *cuda* && $$cuda_cells -gt 0 ]]; then echo "note: $$cuda_cells notebook(s) have #| cuda cells, not run here (no CUDA)"; fi

test-py: $(STAMP)
	$(BIN)/python -m pytest tests/ -n 2 -q

# `make test NB=nbs/05_vrl.ipynb`: only that notebook's tests (slow cells included), the quick loop while working on it
ifeq ($(strip $(NB)),)
test: lint check-sync test-nbs test-py
else
test: $(STAMP)
	@test -f "$(NB)" || { echo "NB=$(NB): no such notebook"; exit 1; }
	$(BIN)/nbdev_test --path "$(NB)" --flags "$(TEST_FLAGS)" --do_print --timing
endif

# The optional OpenMMLab extra (README, OpenMMLab): builds mmcv's ops once (~45 CPU-minutes), then its slow tests.
openmmlab: $(STAMP)
	bash .ci/install_openmmlab.sh $(VENV)

test-openmmlab: openmmlab
	$(BIN)/nbdev_test --path nbs/19_openmmlab.ipynb --flags "slow openmmlab" --timing
	$(BIN)/python -m pytest tests/test_openmmlab.py --openmmlab -q

readme: $(STAMP)
	$(BIN)/python .ci/make_readme.py

# The lesson notebooks are committed with their outputs: `make outputs` runs them again and writes them back, cleaned
LESSONS ?= nbs/05_vrl.ipynb nbs/06_vlm.ipynb nbs/07_learner.ipynb nbs/08_pretrain.ipynb
outputs: $(STAMP)
	$(BIN)/python .ci/execute_nbs.py $(LESSONS)

clean:
	rm -rf _proc _docs .pytest_cache
