# Two commands matter on a fresh machine: `make demo` and `make test`.
# Both create .venv in the repo and install what they need first.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PROTO_DIR := nsplink/protocol/pb

.PHONY: install sysdeps test test-fast lint bench demo proto docs clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "nsplink needs Python 3.11 or newer")'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev,bench]'
	touch $(STAMP)

install: $(STAMP)

# System packages the tests run for real, installed only when missing and quiet when present:
# mosquitto for the bridge tests (issue 23), the system's Chromium for the console's browser tests
# (issue 22; never a downloaded browser). apt-get update only when a plain install fails.
CHROMIUM ?= /usr/bin/chromium
APT_GET = SUDO=$$(test "$$(id -u)" = 0 || echo sudo); \
	$$SUDO apt-get install -y -q $(1) >/dev/null 2>&1 || \
	{ $$SUDO apt-get update -q >/dev/null && $$SUDO apt-get install -y -q $(1) >/dev/null; }
sysdeps:
	@command -v mosquitto >/dev/null || test -x /usr/sbin/mosquitto || { \
	  echo "installing mosquitto for the bridge tests"; $(call APT_GET,mosquitto); }
	@test -x $(CHROMIUM) || command -v chromium >/dev/null || { \
	  echo "installing chromium for the console tests"; $(call APT_GET,chromium); }

test: $(STAMP) sysdeps
	$(PY) -m pytest -n 2 --dist loadfile -q

test-fast: $(STAMP) sysdeps
	$(PY) -m pytest -q -x -m "not slow"

lint: $(STAMP)
	$(VENV)/bin/ruff check nsplink tests benchmarks
	$(VENV)/bin/mypy

bench: $(STAMP)
	$(PY) -m benchmarks

demo: $(STAMP)
	$(PY) -m nsplink.demo

proto: $(STAMP)
	$(PY) -m nsplink.devtools.genproto

# Regenerate what the docs and the CLI derive from the code: the field reference, the gettext
# catalog of Typer's words (.po updated, .mo compiled), the export's JSON Schema and the guides'
# terminal captures.
docs: $(STAMP)
	$(PY) -m nsplink.devtools.fieldref
	$(PY) -m nsplink.app.exportschema
	$(PY) -m nsplink.devtools.clicatalog
	$(PY) -m nsplink.devtools.captures

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache
