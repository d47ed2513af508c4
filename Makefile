# Lodestar — the two commands a new user needs are `make run` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

HOST ?= 127.0.0.1
PORT ?= 8000
export LODESTAR_DATA_DIR ?= $(CURDIR)/var
# DEMO=0 (or LODESTAR_DEMO=0) starts without the demo organisation: on an empty database the
# browser opens the first-start setup (/setup/); `manage.py setup_company` does the same from the shell.
DEMO ?= $(if $(LODESTAR_DEMO),$(LODESTAR_DEMO),1)
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
# The first interpreter that is Python 3.12 or newer (pyenv resolves `python3` via .python-version).
PYTHON ?= $(shell for p in python3.12 python3.13 python3.14 python3; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' 2>/dev/null \
	&& { echo $$p; break; }; done)

.PHONY: help run test e2e bench lint format messages check-python venv worker clean-venv fonts office

help:
	@echo "make run    install, migrate, load the demo organisation (first start only) and serve on http://$(HOST):$(PORT)"
	@echo "           DEMO=0: no demo; an empty database opens the first-start setup (/setup/)"
	@echo "make test   install and run the whole test suite (SQLite; set DATABASE_URL for PostgreSQL)"
	@echo "make e2e    browser journeys in Debian's Chromium (installs it when missing)"
	@echo "make bench  SCALE=S|M|L DB=sqlite|postgres: build a generated organisation once and time the key pages"
	@echo "make lint   ruff (lint + format check), mypy and the layers of the apps (lint-imports)"
	@echo "make messages  extract and compile translations"
	@echo "make fonts  a Chinese font for the PDF reports (Debian's fonts-noto-cjk; nothing to do when one is there)"

check-python:
	@if [ -z "$(PYTHON)" ]; then \
		echo "Lodestar needs Python 3.12 or newer (Django 6 requires it)."; \
		echo "Install it, e.g. 'pyenv install 3.12' (this folder's .python-version asks for 3.12),"; \
		echo "or 'apt-get install python3.12 python3.12-venv', then run make again."; \
		exit 1; \
	fi

$(BIN)/.installed: pyproject.toml | check-python
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $@

venv: $(BIN)/.installed

# The annual report's PDF (WeasyPrint) needs a font that covers Chinese, or it prints empty boxes.
# A no-op when fontconfig already lists one (e.g. fonts-wqy-microhei or fonts-noto-cjk).
fonts:
	@if command -v fc-list >/dev/null 2>&1 && [ -n "$$(fc-list :lang=zh family 2>/dev/null)" ]; then :; else \
		echo "Installing Debian's fonts-noto-cjk (a Chinese font for the PDF reports)..."; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		{ $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq --no-install-recommends fontconfig fonts-noto-cjk; } \
		|| { echo "Could not install a Chinese font. Install one by hand (apt-get install fonts-noto-cjk):"; \
		     echo "without it the annual report's PDF is refused with a clear message."; exit 1; }; \
		fc-list :lang=zh family | grep -q . || { echo "Still no Chinese font listed by fc-list :lang=zh."; exit 1; }; \
	fi

# The exchange tests round-trip our xlsx files through LibreOffice (a file it saved must import): without
# it they would skip on a fresh machine and CI would stay green without having run them.
office:
	@# Calc itself, not only soffice: with Writer alone installed, soffice cannot load an xlsx.
	@if [ -e /usr/lib/libreoffice/program/libsclo.so ] || ls /opt/libreoffice*/program/libsclo.so >/dev/null 2>&1; then :; else \
		echo "Installing Debian's libreoffice-calc-nogui (the exchange tests save our xlsx files with it)..."; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		{ $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq --no-install-recommends libreoffice-calc-nogui; } \
		|| echo "Could not install LibreOffice: the tests of files saved by LibreOffice will be skipped."; \
	fi

run: venv fonts
	@mkdir -p "$(LODESTAR_DATA_DIR)"
	$(MANAGE) migrate --noinput
	@if [ "$(DEMO)" != "0" ]; then $(MANAGE) seed_demo; fi
	$(MANAGE) schedule_tasks
	@echo ""
	@echo "Lodestar is starting on http://$(HOST):$(PORT)/  (data in $(LODESTAR_DATA_DIR))"
	@if [ "$(DEMO)" = "0" ]; then \
		echo "No demo (DEMO=0): on an empty database the browser leads to http://$(HOST):$(PORT)/setup/ to set up your company."; \
	else $(MANAGE) seed_demo --print-logins | tail -n +2; fi
	@echo "The background task worker runs beside the web server. Stop both with Ctrl-C."
	@$(MANAGE) run_worker >"$(LODESTAR_DATA_DIR)/worker.log" 2>&1 & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(MANAGE) runserver --noreload $(HOST):$(PORT)

worker: venv
	$(MANAGE) run_worker

# Both cores by default (pytest-xdist); TEST_WORKERS=0 runs in one process.
TEST_WORKERS ?= 2
test: venv fonts office
	@mkdir -p "$(LODESTAR_DATA_DIR)"
	$(BIN)/pytest lodestar -q -n $(TEST_WORKERS) $(PYTEST_ARGS)

e2e: venv
	@# Chromium, and a CJK font so the failure screenshots show Chinese instead of empty boxes.
	@{ command -v chromium >/dev/null 2>&1 && fc-list 2>/dev/null | grep -qi "wqy\|noto.*cjk"; } || { \
		echo "Installing Debian's chromium and a Chinese font for the browser journeys..."; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq --no-install-recommends chromium fonts-wqy-microhei; }
	@mkdir -p "$(LODESTAR_DATA_DIR)"
	DJANGO_ALLOW_ASYNC_UNSAFE=true $(BIN)/pytest e2e -q -p no:randomly $(PYTEST_ARGS)

# Benchmarks (bench/README.md): SCALE=S|M|L, DB=sqlite|postgres, FRESH=1 to rebuild the data.
SCALE ?= S
DB ?= sqlite
bench: venv
	SCALE=$(SCALE) DB=$(DB) PY=$(BIN)/python bench/bench.sh

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

format: venv
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# No source locations in the .po files: gettext versions wrap them differently, so each machine
# rewrote thousands of lines; without them a new string is a few lines of diff.
messages: venv
	$(MANAGE) makemessages -l zh_Hans -l en --no-obsolete --no-wrap --add-location=never -i ".venv/*" -i "static/*" -i "var/*" -i "e2e/*" -i "bench/*"
	$(MANAGE) compilemessages -i ".venv"

clean-venv:
	rm -rf $(VENV)
