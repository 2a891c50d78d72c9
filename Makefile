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
RANKER := data/demo-ranker
# `make es` runs Elasticsearch (the version es/run pins) on ES_PORT, NODES nodes; `make test` tests a 3-node cluster
# of it, and the serving tests once more against a 9.x node on ES9_PORT
ES_PORT ?= 9200
NODES ?= 1
ES9_VERSION ?= 9.5.3
ES9_PORT ?= 9250
export FM_RECSYS_ES_PORT := $(ES_PORT)
CLUSTER_URL := $(shell for i in 0 1 2; do printf 'http://127.0.0.1:%s,' $$(( $(ES_PORT) + i )); done | sed 's/,$$//')
ES9 := ES_VERSION=$(ES9_VERSION) FM_RECSYS_ES_PORT=$(ES9_PORT) es/run
RMSE_BAR ?= 0.856
NOTEBOOKS := $(sort $(basename $(notdir $(wildcard nbs/[0-9][0-9]_*.ipynb))))

.PHONY: venv chromium demo test checks docs export check-notebooks nbdev-test pytest pytest-es9 e2e outputs bench es es-stop serve lab

venv: $(STAMP)
$(STAMP): setup.py settings.ini
	python3 -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip setuptools wheel
	$(BIN)/pip install -q -e ".[dev]"
	touch $@

# Debian's Chromium, for the page's browser tests (Playwright drives it; its own browser download cannot work here)
chromium:
	@command -v chromium >/dev/null && exit 0
	[ "$$(id -u)" = 0 ] || { echo 'the browser tests need Debian'"'"'s chromium: sudo apt-get install chromium'; exit 1; }
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null

demo: venv
	$(BIN)/fm-recsys train --artifacts-dir data/demo
	$(BIN)/fm-recsys train --preset ranker --valid-frac 0 --artifacts-dir $(RANKER)  # the model to serve learns from every rating
	echo; echo '== new user: male, 18-24 (seed FM)'; $(BIN)/fm-recsys recommend --artifacts-dir data/demo --gender M --age 18-24
	echo; echo '== new user: female, 50-55 (seed FM)'; $(BIN)/fm-recsys recommend --artifacts-dir data/demo --gender F --age 50-55
	echo; echo '== known user 1 (ranker)'; $(BIN)/fm-recsys recommend --artifacts-dir $(RANKER) --user 1
	echo; echo '== a visitor who liked Toy Story, Aladdin and The Lion King (ranker)'
	$(BIN)/fm-recsys recommend --artifacts-dir $(RANKER) --liked 'Toy Story (1995)' --liked 'Aladdin (1992)' --liked 'Lion King, The (1994)'
	echo; echo '== movies like Toy Story (1995) (ranker)'; $(BIN)/fm-recsys similar --artifacts-dir $(RANKER) --movie 'Toy Story (1995)'

# Start the Elasticsearch nodes, run every check, and stop them again whatever happened.
test: venv chromium
	status=0
	NODES=3 ES_HEAP=512m es/run start && $(ES9) start || status=$$?
	[ $$status != 0 ] || $(MAKE) --no-print-directory checks || status=$$?
	es/run stop; $(ES9) stop
	exit $$status

checks: export ES_URL := $(CLUSTER_URL)
checks: check-notebooks nbdev-test pytest pytest-es9 e2e

# The notebooks are the source of the package: its modules, and the page's files from `%%writefile` cells.
export: venv
	$(BIN)/nbdev_export
	$(BIN)/python docs/notebook_files.py >/dev/null

# The notebooks are the source: cleaning them and exporting the package must change nothing.
check-notebooks: venv
	@state() { git status --porcelain -- nbs fm_recsys; git diff -- nbs fm_recsys | md5sum; }
	before=$$(state); $(BIN)/nbdev_clean; $(MAKE) --no-print-directory export; after=$$(state)
	if [ "$$before" != "$$after" ]; then git status --short -- nbs fm_recsys
	  echo 'nbdev_clean / make export changed the files above: commit the cleaned notebooks and the exported package'; exit 1; fi
	echo 'notebooks clean, package in sync'
	$(BIN)/python docs/notebook_outputs.py check

nbdev-test: venv
	$(BIN)/nbdev_test --n_workers 0 --timing

pytest: venv
	$(BIN)/pytest -q tests

# the official 8.x client against Elasticsearch 9.x
pytest-es9: venv
	ES_URL=http://127.0.0.1:$(ES9_PORT) $(BIN)/pytest -q tests/test_serving.py

# Every notebook end to end with papermill on the real data, the seed configuration (06 with side features, reduced,
# and once more with the ranker and two averaged members),
# executed copies kept in $(RUN)/_nbs.
e2e: venv
	@mkdir -p $(RUN)/_nbs
	for nb in $(NOTEBOOKS); do
	  params=(); [ $$nb = 01_model ] || params=(-p artifacts_dir ../$(RUN))  # 01_model reads no artifacts
	  [ $$nb = 02_training ] && params+=(-p k 120 -p epochs 10)
	  [ $$nb = 04_recommend ] && params+=(-p ranker_k 256 -p ranker_epochs 25 -p ranker_recvae_epochs 40)  # the liked-movies example with the preset's ranker
	  [ $$nb = 05_evaluation ] && params+=(-y 'side: [genres, year, rated, raters, ratings, day, neighbours]')  # side-feature models, reduced settings
	  echo "papermill $$nb $${params[*]}"
	  $(BIN)/papermill --cwd nbs nbs/$$nb.ipynb $(RUN)/_nbs/$$nb.ipynb "$${params[@]}" --log-level WARNING --no-progress-bar
	done
	echo "papermill 05_evaluation -p preset_name ranker -p k 64 -p epochs 8 -p members 2"  # the ranker, and averaging, at reduced settings
	$(BIN)/papermill --cwd nbs nbs/05_evaluation.ipynb $(RUN)/_nbs/05_evaluation_ranker.ipynb -p artifacts_dir ../$(RUN) -p preset_name ranker -p k 64 -p epochs 8 -p members 2 --log-level WARNING --no-progress-bar
	$(BIN)/python -c "import json, sys; m = json.load(open('$(RUN)/metrics.json')); r = m['valid_rmse']; \
	  print(f'seed configuration: validation RMSE {r:.4f} (bar {$(RMSE_BAR)}), {m[\"train_seconds\"]:.1f} s of training'); \
	  sys.exit(r > $(RMSE_BAR))"

# The outputs committed in nbs/ are the full run's: run every notebook as `e2e` does, against an Elasticsearch node of
# its own, and copy their outputs in (about 15 minutes). Commit the notebooks and docs/notebook_outputs.json after.
outputs: venv
	status=0
	ES_HEAP=1g es/run start || status=$$?
	[ $$status != 0 ] || ES_URL=http://127.0.0.1:$(ES_PORT) $(MAKE) --no-print-directory e2e || status=$$?
	es/run stop
	[ $$status != 0 ] || { $(BIN)/python docs/notebook_outputs.py copy $(RUN)/_nbs && $(BIN)/nbdev_clean; }
	exit $$status

# The tutorial as a static site, offline: the notebooks with their committed outputs and the API reference (Sphinx +
# myst-nb); open docs/_build/html/index.html. tests/test_docs.py builds it the same way and checks every page in Chromium.
docs: venv
	$(BIN)/python docs/site/build.py docs/_build/html

bench: venv
	$(BIN)/python bench/train_speed.py
	$(BIN)/python bench/serving.py
	$(BIN)/python bench/http_serving.py

serve: venv
	$(BIN)/fm-recsys serve --artifacts-dir $(RANKER)

es:
	NODES=$(NODES) es/run start

es-stop:
	es/run stop

lab: venv
	$(BIN)/pip install -q -e ".[lab]"
	$(BIN)/jupyter lab nbs
