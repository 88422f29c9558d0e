# Self-documenting: `make` or `make help` lists the targets.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DATA ?= data/headlines.csv
MODEL ?= models/headlines.model

.DEFAULT_GOAL := help
.PHONY: help install embeddings train evaluate corpus-check benchmark-accuracy benchmark-throughput benchmark-startup benchmark-tone-share benchmark-serve benchmark-summarize serve screenshots test test-fast lint format check lab clean

help:  ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{n[NR] = $$1; t[NR] = $$2; if (length($$1) > w) w = length($$1)} \
		END {for (i = 1; i <= NR; i++) printf "  make %-" w "s  %s\n", n[i], t[i]}'

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)  ## Create .venv (if missing) and install the package with its dev tools

embeddings:  ## Rebuild classifier/assets/semantic.npz: fine-tune MiniLM on the corpus, distil (torch in .venv-embeddings only; ~25 min)
	test -d .venv-embeddings || $(PYTHON) -m venv .venv-embeddings
	.venv-embeddings/bin/python -m pip install --quiet torch==2.13.0
	.venv-embeddings/bin/python -m pip install --quiet -r data/embeddings/requirements.txt
	.venv-embeddings/bin/python -m pip uninstall --quiet -y kernels || true
	.venv-embeddings/bin/python data/embeddings/finetune.py --data data/headlines.csv --out build/minilm-headlines
	.venv-embeddings/bin/python data/embeddings/build.py --model-dir build/minilm-headlines --pca-dims 128 --dtype int8 --slim \
		--out classifier/assets/semantic.npz
	@grep -q "$$(sha256sum classifier/assets/semantic.npz | cut -c1-64)" classifier/config.py \
		&& echo "semantic.npz matches SEMANTIC_TABLE_SHA256 in classifier/config.py" \
		|| (echo "semantic.npz differs from SEMANTIC_TABLE_SHA256 in classifier/config.py"; exit 1)

train: $(STAMP)  ## Train on the shipped corpus, print held-out figures, write models/
	$(BIN)/headlines train --data $(DATA) --model $(MODEL)

evaluate: $(STAMP)  ## Evaluate the model on a labelled file: make evaluate DATA=path.csv
	$(BIN)/headlines evaluate --data $(DATA) --model $(MODEL)

corpus-check: $(STAMP)  ## Check the corpus: validation, floors, openings, near-duplicates
	$(BIN)/headlines check-corpus --data $(DATA)

benchmark-accuracy: $(STAMP)  ## Score the model and every baseline on each real set in ../shared/dev
	$(BIN)/python benchmarks/accuracy.py --model $(MODEL)

benchmark-tone-share: $(STAMP)  ## Real-set tone and batch-held-out corpus tone per lexicon share of the tone head
	$(BIN)/python benchmarks/tone_share.py

benchmark-throughput: $(STAMP)  ## Rows per second and peak memory of predict against VADER (200,000 and 1,000,000 rows)
	$(BIN)/python benchmarks/throughput.py --model $(MODEL)

benchmark-startup: $(STAMP)  ## Cold start of predict for 1, 100 and 10,000 headlines against VADER's (time, memory)
	$(BIN)/python benchmarks/startup.py --model $(MODEL)

benchmark-serve: $(STAMP)  ## Load the service on loopback: requests/s, rows/s, latency, memory, against predict
	$(BIN)/python benchmarks/serve_load.py --model $(MODEL)

serve: $(STAMP)  ## Serve the model and its page at http://127.0.0.1:8000/ (Ctrl-C stops)
	$(BIN)/headlines serve --model $(MODEL)

screenshots: $(STAMP)  ## Screenshots of the page with results (desktop and phone) into docs/
	$(BIN)/python docs/screenshots.py --model $(MODEL)

benchmark-summarize: $(STAMP)  ## Seconds to summarise 1,000,000 predicted rows (library and command; target under 5 s)
	$(BIN)/python benchmarks/summarize.py

test: $(STAMP)  ## Run the whole test suite (what CI runs)
	$(BIN)/python -m pytest

test-fast: $(STAMP)  ## Run the tests except the slow end-to-end ones
	$(BIN)/python -m pytest -m "not slow"

lint: $(STAMP)  ## Check style with ruff
	$(BIN)/ruff check classifier tests benchmarks
	$(BIN)/ruff format --check classifier tests benchmarks

format: $(STAMP)  ## Reformat with ruff
	$(BIN)/ruff check --fix classifier tests benchmarks
	$(BIN)/ruff format classifier tests benchmarks

check: lint test  ## Lint, then test

lab: $(STAMP)  ## Open JupyterLab on the project with the package installed
	$(BIN)/python -m pip install --quiet -e '.[dev,lab]'
	$(BIN)/jupyter lab notebooks/

clean:  ## Remove the virtual environment, models and caches
	rm -rf $(VENV) models/*.model models/*.card.md .pytest_cache .ruff_cache
