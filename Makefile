# Heard: two commands. `make run` serves the demo on SQLite; `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
UV_VERSION := 0.13.8
# apt-get needs root; use sudo when we are not root and it is there.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run install test test-deps lint format check-deploy clean bench bench-deps

## Create the virtual environment and install the locked dependencies (again only when they change).
install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml uv.lock
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)
	@UV_PROJECT_ENVIRONMENT=$(VENV) $(BIN)/uv sync --frozen --inexact --quiet
	@touch $@

## Serve the site with the demo world at http://127.0.0.1:$(PORT), on SQLite. Keeps existing data.
run: install
	@mkdir -p var/static
	$(BIN)/python manage.py migrate --noinput
	HEARD_DEMO=true $(BIN)/python manage.py seed_demo
	HEARD_DEMO=true HEARD_SITE_URL=$${HEARD_SITE_URL:-http://127.0.0.1:$(PORT)} $(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

## What the browser tests need: Debian's chromium and the npm package axe-core.
test-deps: node_modules/axe-core/axe.min.js /usr/bin/chromium

/usr/bin/chromium:
	$(SUDO) apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null

node_modules/axe-core/axe.min.js: package.json package-lock.json
	@command -v npm >/dev/null || { $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq nodejs npm >/dev/null; }
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

## The whole suite, on SQLite unless DATABASE_URL says otherwise.
test: install test-deps
	@mkdir -p var/static
	$(BIN)/pytest

## What the benchmarks need: wrk (Debian's package), PostgreSQL and Redis running on 127.0.0.1.
bench-deps: /usr/bin/wrk

/usr/bin/wrk:
	$(SUDO) apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends wrk >/dev/null

## The performance targets (docs/performance.md), on PostgreSQL in its own database, heard_bench.
## The first run builds 1,000 services and 500,000 stories (about a minute), a challenge with
## 100,000 ideas and 1,000,000 supports (about a minute and a half), and Frontline's agencies with
## 100,000 open referrals in the big one's inbox (about 2 minutes); then about 15 minutes.
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/heard_bench
bench: install bench-deps
	@psql "$(dir $(BENCH_DATABASE_URL))postgres" -tAc "SELECT 1 FROM pg_database WHERE datname = '$(notdir $(BENCH_DATABASE_URL))'" | grep -q 1 \
		|| psql "$(dir $(BENCH_DATABASE_URL))postgres" -c "CREATE DATABASE $(notdir $(BENCH_DATABASE_URL))"
	DATABASE_URL=$(BENCH_DATABASE_URL) $(BIN)/python manage.py migrate --noinput
	DATABASE_URL=$(BENCH_DATABASE_URL) $(BIN)/python manage.py seed_scale --services 1000 --stories 500000 \
		--ideas 100000 --supports 1000000 --referrals 100000 --if-missing --yes-really
	BENCH_DATABASE_URL=$(BENCH_DATABASE_URL) $(BIN)/python benchmarks/pages.py
	BENCH_DATABASE_URL=$(BENCH_DATABASE_URL) $(BIN)/python benchmarks/story_submit.py
	BENCH_DATABASE_URL=$(BENCH_DATABASE_URL) $(BIN)/python benchmarks/vote_submit.py
	$(BIN)/python benchmarks/rake.py
	BENCH_DATABASE_URL=$(BENCH_DATABASE_URL) $(BIN)/python benchmarks/poll_results.py
	$(BIN)/python benchmarks/opinion_map.py
	BENCH_DATABASE_URL=$(BENCH_DATABASE_URL) $(BIN)/python benchmarks/codesign.py
	BENCH_DATABASE_URL=$(BENCH_DATABASE_URL) $(BIN)/python benchmarks/frontline.py
	$(BIN)/python benchmarks/linkage.py
	BENCH_DATABASE_URL=$(BENCH_DATABASE_URL) $(BIN)/python benchmarks/schedule.py

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

## `manage.py check --deploy` in production mode, with throwaway secrets; fails on any warning.
check-deploy: install
	DEBUG=false ALLOWED_HOSTS=heard.example.org HEARD_SITE_URL=https://heard.example.org \
	SECRET_KEY=$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(64))') \
	FIELD_ENCRYPTION_KEYS=$$($(BIN)/python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())') \
	$(BIN)/python manage.py check --deploy --fail-level WARNING

clean:
	rm -rf $(VENV) node_modules var/static
