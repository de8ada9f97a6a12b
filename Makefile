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

# System packages the tests run for real (issue 23: the bridge tests start a mosquitto broker).
sysdeps:
	command -v mosquitto >/dev/null || command -v /usr/sbin/mosquitto >/dev/null || (apt-get update && apt-get install -y mosquitto)

test: $(STAMP) sysdeps
	$(PY) -m pytest -n 2 --dist loadfile -q

test-fast: $(STAMP)
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
# catalog of Typer's words (.po updated, .mo compiled) and the guides' terminal captures.
docs: $(STAMP)
	$(PY) -m nsplink.devtools.fieldref
	$(PY) -m nsplink.devtools.clicatalog
	$(PY) -m nsplink.devtools.captures

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache
