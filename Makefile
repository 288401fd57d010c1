# Oneway: `make run` to try it, `make test` to check it. See README.md.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
export PORT ?= 8000
export ONEWAY_DATA_DIR ?= $(CURDIR)/var
PG_TEST_URL ?= postgres://postgres@127.0.0.1:5432/test
APT_TEST_PACKAGES := chromium flite ffmpeg espeak-ng pocketsphinx-testdata nginx gettext

.PHONY: run test lint install install-test js system-test-deps migrate seed web worker clean bench \
	messages compile-messages

$(VENV)/.installed: pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11 is required ($(PYTHON) not found)"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed pyproject.toml
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed js compile-messages

install-test: $(VENV)/.installed-test js system-test-deps compile-messages

# Candidates' languages (issue 16). The .po catalogs are committed, the .mo files are built
# here (GNU gettext's msgfmt). `make messages` re-extracts the candidate-facing strings
# (oneway.core.catalog) into every catalog, keeping the translations made so far.
compile-messages: $(VENV)/.installed
	@command -v msgfmt >/dev/null || { echo "GNU gettext (msgfmt) is required: apt-get install gettext"; exit 1; }
	$(PY) -m oneway compilemessages -v0 --ignore '.venv' --ignore 'node_modules' --ignore 'var'

messages: $(VENV)/.installed
	$(PY) -m oneway candidate_messages

# The recorder's tus client comes from the npm registry; vendored into static at install.
js: src/oneway/candidate/static/candidate/vendor/.installed

src/oneway/candidate/static/candidate/vendor/.installed: package.json scripts/vendor-js.sh
	@if [ -f package.json ]; then \
		npm install --no-audit --no-fund --silent && \
		mkdir -p src/oneway/candidate/static/candidate/vendor && \
		{ [ ! -f scripts/vendor-js.sh ] || bash scripts/vendor-js.sh; } && \
		touch $@; \
	fi

package.json:
	@true

# Browser tests drive Debian's Chromium; speech for them comes from flite (German and Spanish
# from espeak-ng, human read speech from pocketsphinx-testdata); benchmarks use ffmpeg;
# tests/deploy runs Debian's nginx with deploy/nginx/oneway.conf.
system-test-deps:
	@missing=""; for p in $(APT_TEST_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "Installing system packages:$$missing"; \
		if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi; \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

migrate: install
	$(PY) -m oneway migrate --noinput
	$(PY) -m oneway createcachetable

seed: migrate
	$(PY) -m oneway seed_demo

run: migrate
	$(PY) -m oneway collectstatic --noinput -v0
	$(PY) -m oneway seed_demo
	$(PY) -m oneway runstack --port $(PORT)

lint: $(VENV)/.installed-test
	$(VENV)/bin/ruff check src tests $(wildcard bench)
	$(VENV)/bin/ruff format --check src tests $(wildcard bench)
	$(VENV)/bin/mypy

test: install-test
	$(MAKE) --no-print-directory lint
	bash scripts/run-tests.sh

bench: install-test
	bash bench/run-all.sh

clean:
	rm -rf $(VENV) var node_modules
