# Developer tooling. `make help` lists the targets.
#   make test   lint, migrations check and pytest against project-local PostgreSQL/Redis
#   make run    web + Celery worker + beat on http://127.0.0.1:$(PORT) with demo data
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-print-directory

VENV := .venv
PORT ?= 8000
PYTEST_ARGS ?=
BACKUP_DIR ?= backups
export PORT PYTEST_ARGS

.PHONY: help setup venv install node test-deps test lint run services-up services-down \
        services-status clean bench bench-deps bench-reminders scan scan-deps \
        cluster cluster-test cluster-deps backup restore messages messages-update

# One line per target (tests/test_docs.py checks that every .PHONY target is here).
help:
	@echo "make run             check the ports, set up, migrate, load demo data, run web + worker + beat"
	@echo "                     + mail and text sinks (ports: PORT, MAIL_SINK_PORT, TEXT_SINK_PORT,"
	@echo "                     LOCAL_PG_PORT, LOCAL_REDIS_PORT; TWILIO_ACCOUNT_SID set: real Twilio)"
	@echo "make test            set up, then ruff, lint-imports, makemigrations --check, pytest"
	@echo "                     (PYTEST_ARGS=...), then cluster-test (CLUSTER_TEST=0 leaves it out)"
	@echo "make lint            ruff and lint-imports (the import layers) only"
	@echo "make bench           the everyday pages on a large organisation vs a baseline (BENCH_*=sizes)"
	@echo "make bench-reminders 10,000 emails and 10,000 texts by 2 workers vs plain smtplib / the twilio"
	@echo "                     library's loop; sweep query on 1M rows (BENCH_PARTS=emails,texts,sweep)"
	@echo "make scan            wapiti + sqlmap against the app with demo data (SCAN_SECONDS=180 ATTACK_SECONDS=30)"
	@echo "make cluster         web1+web2 behind nginx (TLS), db + replica, redis, 2 workers, beat as test hosts (root)"
	@echo "make cluster-test    the 7 multi-host checks on those hosts, then down (skipped without root/ip netns)"
	@echo "make backup          pg_dump (no session/cache rows) + signed manifest to BACKUP_DIR=$(BACKUP_DIR); never the keys"
	@echo "make restore         BACKUP=dir: signature first, restore as a non-superuser, then verify schema, counts, keys"
	@echo "make setup           create $(VENV) (Python >= 3.12) and install requirements.lock (= make install)"
	@echo "make install         the same: pip install only when requirements.lock changed"
	@echo "make venv            create $(VENV) only (PYTHON=/path/to/python3.12 to choose)"
	@echo "make node            npm ci for the browser tests (axe-core), after test-deps"
	@echo "make test-deps       PostgreSQL, Redis, Chromium and npm: apt-get as root, else the commands"
	@echo "make bench-deps      wrk for make bench"
	@echo "make scan-deps       wapiti, sqlmap and curl for make scan"
	@echo "make cluster-deps    nginx, wrk and curl for make cluster (as root)"
	@echo "make messages        compile locale/*/LC_MESSAGES/django.po to .mo (test, run and bench do it)"
	@echo "make messages-update add the marked strings to every language's django.po (then translate them)"
	@echo "make services-up     start/reuse project-local PostgreSQL + Redis, write .run/env"
	@echo "make services-down   stop the servers that services-up started"
	@echo "make services-status show what answers"
	@echo "make clean           stop project-local servers, remove .run and $(VENV)"
	@echo "make help            this list"

# ------------------------------------------------------------------ setup

# (Re)create the venv only when it is missing or not a working Python >= 3.12.
venv:
	@if ! $(VENV)/bin/python -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then \
	  py="$$(bash scripts/find-python.sh)"; \
	  echo "==> creating $(VENV) with $$py"; \
	  "$$py" -m venv --clear $(VENV); \
	fi

# pip install only when requirements.lock is newer than the stamp.
install: venv
	@if [ ! -f requirements.lock ]; then \
	  echo "make: requirements.lock (pinned Python dependencies) is missing" >&2; exit 1; \
	fi
	@if [ ! $(VENV)/.installed -nt requirements.lock ]; then \
	  echo "==> installing requirements.lock into $(VENV)"; \
	  $(VENV)/bin/python -m pip install --disable-pip-version-check --progress-bar off \
	    -r requirements.lock; \
	  touch $(VENV)/.installed; \
	fi

setup: install

# Chromium and npm for the browser tests, PostgreSQL and Redis: installed with apt-get
# when missing and we are root, otherwise the install commands are printed.
test-deps:
	@extra=(); \
	if [ ! -x /usr/bin/chromium ] && ! command -v chromium >/dev/null 2>&1; then extra+=(chromium fonts-liberation); fi; \
	if ! command -v npm >/dev/null 2>&1; then extra+=(nodejs npm); fi; \
	bash scripts/services.sh install $${extra[@]+"$${extra[@]}"}

# npm ci only when package-lock.json is newer than node_modules' own copy of it.
node: test-deps
	@if [ ! node_modules/.package-lock.json -nt package-lock.json ]; then \
	  echo "==> npm ci"; \
	  npm ci --no-audit --no-fund; \
	fi
	@test -f node_modules/axe-core/axe.min.js || { echo "make: node_modules/axe-core/axe.min.js missing" >&2; exit 1; }

# ------------------------------------------------------------------ main targets

test: test-deps install node messages
	@bash scripts/test.sh

# The ports are checked before anything is installed: on a shared machine another
# checkout may hold one, and the message says which variable to change.
# Ctrl-C stops web/worker/beat and then the servers this target started (scripts/run.sh).
run:
	@bash scripts/run.sh check-ports
	@$(MAKE) install messages
	@bash scripts/run.sh

lint: install
	@.venv/bin/ruff check .
	@.venv/bin/lint-imports --no-cache

bench-reminders: install
	@bash scripts/bench.sh reminders

bench-deps:
	@command -v wrk >/dev/null 2>&1 || bash scripts/services.sh install wrk

bench: install bench-deps messages
	@bash scripts/bench.sh pages

scan-deps:
	@extra=(); \
	command -v wapiti >/dev/null 2>&1 || extra+=(wapiti); \
	command -v sqlmap >/dev/null 2>&1 || extra+=(sqlmap); \
	command -v curl >/dev/null 2>&1 || extra+=(curl); \
	bash scripts/services.sh install $${extra[@]+"$${extra[@]}"}

scan: install scan-deps
	@bash scripts/scan.sh

# Network namespaces need root; nginx comes from Debian (apt-get as root).
cluster-deps:
	@if [ "$$(id -u)" -eq 0 ]; then \
	  extra=(); \
	  command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || extra+=(nginx); \
	  command -v wrk >/dev/null 2>&1 || extra+=(wrk); \
	  command -v curl >/dev/null 2>&1 || extra+=(curl); \
	  bash scripts/services.sh install $${extra[@]+"$${extra[@]}"}; \
	fi

# Ctrl-C takes every host down (scripts/cluster/).
cluster: install cluster-deps messages
	@.venv/bin/python -m scripts.cluster up

# Bounded: the run stops itself at 9.5 minutes (after waiting, at most 11, for another
# cluster run on this machine to end); timeout(1) is the backstop.
cluster-test: install cluster-deps messages
	@$$(command -v timeout >/dev/null 2>&1 && echo timeout -s INT -k 60 1260) .venv/bin/python -m scripts.cluster test

backup: install
	@bash scripts/backup.sh backup

restore: install
	@bash scripts/backup.sh restore

# The translations: msgfmt (GNU gettext, from Debian) compiles each catalogue
# when its .po is newer than its .mo; --check refuses a broken format string.
messages:
	@command -v msgfmt >/dev/null 2>&1 || bash scripts/services.sh install gettext
	@for po in locale/*/LC_MESSAGES/django.po; do \
	  mo="$${po%.po}.mo"; \
	  if [ ! "$$mo" -nt "$$po" ]; then msgfmt --check -o "$$mo" "$$po"; fi; \
	done

# Every marked string into every language's catalogue (new ones empty, gone
# ones kept as obsolete); the tests fail until each is translated.
messages-update: install
	@for dir in locale/*/; do \
	  .venv/bin/python manage.py makemessages -l "$$(basename "$$dir")" --no-location --no-wrap \
	    --ignore=.venv --ignore=node_modules --ignore=tests --ignore=bench --ignore=scripts; \
	done

services-up:
	@bash scripts/services.sh up

services-down:
	@bash scripts/services.sh down

services-status:
	@bash scripts/services.sh status

clean:
	@if [ -d .run ]; then bash scripts/services.sh down --all; fi
	@if [ -L .run/pg ]; then rm -rf "$$(readlink .run/pg)"; fi
	rm -rf .run $(VENV)
