# fm-recsys: `make demo` trains on MovieLens 1M and prints recommendations; `make test` runs every check CI runs.
SHELL := /bin/bash
.ONESHELL:
.SHELLFLAGS := -eu -o pipefail -c

VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Offline machines (CI) read the copy of MovieLens 1M beside the project; elsewhere the loader downloads it.
SHARED_ML1M := $(abspath ../shared/data/ml-1m)
ifeq ($(origin FM_RECSYS_DATA), undefined)
  ifneq ($(wildcard $(SHARED_ML1M)/ratings.dat),)
    export FM_RECSYS_DATA := $(SHARED_ML1M)
  endif
endif
RUN := data/runs/seed
# the local search node of `make es`; `make test` always tests against it
ES_PORT ?= 9200
export FM_RECSYS_ES_PORT := $(ES_PORT)
export FM_RECSYS_ES_TRANSPORT_PORT := $(shell echo $$(( $(ES_PORT) + 100 )))
RMSE_BAR ?= 0.856
NOTEBOOKS := $(sort $(basename $(notdir $(wildcard nbs/[0-9][0-9]_*.ipynb))))

.PHONY: venv demo test checks check-notebooks nbdev-test pytest e2e bench es es-stop lab

venv: $(STAMP)
$(STAMP): setup.py settings.ini
	python3 -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip setuptools wheel
	$(BIN)/pip install -q -e ".[dev]"
	touch $@

demo: venv
	$(BIN)/fm-recsys train --artifacts-dir data/demo
	echo; echo '== new user: male, 18-24'; $(BIN)/fm-recsys recommend --artifacts-dir data/demo --gender M --age 18-24
	echo; echo '== new user: female, 50-55'; $(BIN)/fm-recsys recommend --artifacts-dir data/demo --gender F --age 50-55
	echo; echo '== movies like Toy Story (1995)'; $(BIN)/fm-recsys similar --artifacts-dir data/demo --movie 'Toy Story (1995)'

# Start Elasticsearch, run every check, and stop it again whatever happened.
test: venv
	@$(MAKE) es
	status=0; $(MAKE) checks || status=$$?
	$(MAKE) es-stop
	exit $$status

checks: export ES_URL := http://127.0.0.1:$(ES_PORT)
checks: check-notebooks nbdev-test pytest e2e

# The notebooks are the source: cleaning them and exporting the package must change nothing.
check-notebooks: venv
	@state() { git status --porcelain -- nbs fm_recsys; git diff -- nbs fm_recsys | md5sum; }
	before=$$(state); $(BIN)/nbdev_clean; $(BIN)/nbdev_export; after=$$(state)
	if [ "$$before" != "$$after" ]; then git status --short -- nbs fm_recsys
	  echo 'nbdev_clean / nbdev_export changed the files above: commit the cleaned notebooks and the exported package'; exit 1; fi
	echo 'notebooks clean, package in sync'

nbdev-test: venv
	$(BIN)/nbdev_test --n_workers 0 --timing

pytest: venv
	$(BIN)/pytest -q tests

# Every notebook end to end with papermill on the real data, the seed configuration (06 with side features, reduced,
# and once more with the BPR loss and two averaged members),
# executed copies kept in $(RUN)/_nbs.
e2e: venv
	@mkdir -p $(RUN)/_nbs
	for nb in $(NOTEBOOKS); do
	  params=(); [ $$nb = 01_model ] || params=(-p artifacts_dir ../$(RUN))  # 01 reads no artifacts
	  [ $$nb = 02_training ] && params+=(-p k 120 -p epochs 10)
	  [ $$nb = 06_evaluation ] && params+=(-y 'side: [genres, year, rated, raters, ratings, day, neighbours]')  # side-feature models, reduced settings
	  echo "papermill $$nb $${params[*]}"
	  $(BIN)/papermill --cwd nbs nbs/$$nb.ipynb $(RUN)/_nbs/$$nb.ipynb "$${params[@]}" --log-level WARNING --no-progress-bar
	done
	echo "papermill 06_evaluation -p loss bpr -p members 2"  # the ranking loss's and the averaging's code paths, reduced settings
	$(BIN)/papermill --cwd nbs nbs/06_evaluation.ipynb $(RUN)/_nbs/06_evaluation_bpr.ipynb -p artifacts_dir ../$(RUN) -p loss bpr -p members 2 --log-level WARNING --no-progress-bar
	$(BIN)/python -c "import json, sys; m = json.load(open('$(RUN)/metrics.json')); r = m['valid_rmse']; \
	  print(f'seed configuration: validation RMSE {r:.4f} (bar {$(RMSE_BAR)}), {m[\"train_seconds\"]:.1f} s of training'); \
	  sys.exit(r > $(RMSE_BAR))"

bench: venv
	$(BIN)/python bench/train_speed.py
	$(BIN)/python bench/serving.py

es:
	es/run start

es-stop:
	es/run stop

lab: venv
	$(BIN)/pip install -q -e ".[lab]"
	$(BIN)/jupyter lab nbs
