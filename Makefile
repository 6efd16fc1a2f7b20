# MRN Assess — the front door. `make help` lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help
PORT ?= 8000
VENV ?= .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py

# Find a Python >= 3.12: $(PYTHON) if given, then PATH, then pyenv's usual places.
PYTHON ?= $(shell for p in python3.13 python3.12 python3 $$HOME/.pyenv/versions/3.13*/bin/python3 $$HOME/.pyenv/versions/3.12*/bin/python3 /root/.pyenv/versions/3.13*/bin/python3 /root/.pyenv/versions/3.12*/bin/python3 /usr/local/bin/python3.1[2-9] /usr/bin/python3.1[2-9]; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' >/dev/null 2>&1 && { command -v $$p; break; }; done)

.PHONY: help venv run serve setup test test-fast lint format bench messages messages-update lock clean

help: ## List the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  make %-10s %s\n", $$1, $$2}'

$(BIN)/.installed: pyproject.toml requirements.lock
	@if [ -z "$(PYTHON)" ]; then echo "No Python 3.12 or newer found. Install one, or run: make PYTHON=/path/to/python3.12 ..." >&2; exit 1; fi
	@echo "Using $(PYTHON) ($$($(PYTHON) --version))"
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c requirements.lock -e ".[dev]"
	@touch $@

venv: $(BIN)/.installed ## Create the virtualenv and install the pinned dependencies

messages: venv ## Compile the translation catalogues (locale/*/LC_MESSAGES/django.po)
	@if ls locale/*/LC_MESSAGES/django.po >/dev/null 2>&1; then \
		MRN_TESTING=true $(MANAGE) compilemessages --ignore=.venv --ignore=node_modules >/dev/null; fi

MAKEMESSAGES_IGNORE := --ignore=.venv --ignore=static/vendor --ignore=node_modules --ignore=tests \
	--ignore=benchmarks --ignore=test-artifacts --ignore=docs --ignore=deploy --ignore=scripts

messages-update: venv ## Extract new strings into locale/fr/LC_MESSAGES/*.po; then translate them (no fuzzy)
	MRN_TESTING=true $(MANAGE) makemessages -l fr -d django --no-obsolete --add-location=file $(MAKEMESSAGES_IGNORE)
	@if grep -rqsE "\b(n|p|np)?gettext\(" static/js --include=*.js --exclude-dir=vendor; then \
		MRN_TESTING=true $(MANAGE) makemessages -l fr -d djangojs --no-obsolete --add-location=file $(MAKEMESSAGES_IGNORE); fi
	@msgfmt --check --statistics -o /dev/null locale/fr/LC_MESSAGES/django.po

setup: venv messages
	DJANGO_DEBUG=true $(MANAGE) migrate --noinput
	DJANGO_DEBUG=true $(MANAGE) load_reference_data

run: setup ## Set up on SQLite, load the framework and demo data, print the demo logins, serve on 127.0.0.1:$(PORT)
	DJANGO_DEBUG=true $(MANAGE) load_demo_data
	@bash scripts/import_baseline.sh "$(MANAGE)"
	@echo "Starting the background task worker (bulk PDF exports) and the web server on http://127.0.0.1:$(PORT)/"
	@DJANGO_DEBUG=true $(MANAGE) db_worker --no-reload >worker.log 2>&1 & echo $$! > .worker.pid; \
	trap 'kill $$(cat .worker.pid) 2>/dev/null; rm -f .worker.pid' EXIT INT TERM; \
	DJANGO_DEBUG=true $(MANAGE) runserver --noreload 127.0.0.1:$(PORT)

node_modules/vnu-jar/build/dist/vnu.jar: package.json package-lock.json
	@if command -v npm >/dev/null 2>&1; then npm ci --no-audit --no-fund --loglevel=error && touch $@; \
	else echo "npm not found: the browser tests skip the W3C validator (apt-get install npm)"; fi

# Test workers (pytest-xdist): one per core of the 2-core machines; TEST_WORKERS=0 runs in one process.
# --dist loadscope is refined in tests/conftest.py: a module runs whole on one worker, browser
# tests one at a time.
TEST_WORKERS ?= 2

test: venv messages node_modules/vnu-jar/build/dist/vnu.jar ## Run the whole test suite (SQLite, or PostgreSQL when DATABASE_URL is set)
	MRN_TESTING=true DJANGO_ALLOW_ASYNC_UNSAFE=true $(BIN)/pytest -q -n $(TEST_WORKERS) --dist loadscope $(PYTEST_ARGS)

lint: venv ## ruff check, ruff format --check, mypy (config in pyproject.toml), and no missing migrations
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	MRN_TESTING=true $(BIN)/mypy
	MRN_TESTING=true $(MANAGE) makemigrations --check --dry-run

format: venv ## Reformat the code with ruff
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: venv messages ## Benchmarks: prints figures and ratios (see docs/benchmarks.md)
	MRN_TESTING=true $(BIN)/python -m benchmarks

lock: venv ## Rewrite requirements.lock from the virtualenv
	@{ echo "# Exact versions of every installed package, used as pip constraints by the Makefile."; echo "# Regenerate with: make lock"; $(BIN)/pip freeze --exclude-editable; } > requirements.lock

clean: ## Remove the virtualenv, the SQLite database and generated files
	rm -rf $(VENV) db.sqlite3* staticfiles test-artifacts worker.log .worker.pid
