# Two commands matter on a fresh machine: `make demo` and `make test`.
# Both create .venv in the repo and install what they need first.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PROTO_DIR := nsplink/protocol/pb

.PHONY: install sysdeps test test-fast lint bench demo proto clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "nsplink needs Python 3.11 or newer")'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev,bench]'
	touch $(STAMP)

install: $(STAMP)

# The console's browser tests drive the system's Chromium (never a downloaded one). Installed
# only when missing; quiet when present. Without root or apt it says so and the tests skip.
CHROMIUM ?= /usr/bin/chromium
sysdeps:
	@test -x $(CHROMIUM) || command -v chromium >/dev/null || { \
	  SUDO=$$(test "$$(id -u)" = 0 || echo sudo); \
	  echo "installing chromium for the console tests"; \
	  $$SUDO apt-get install -y -q chromium >/dev/null 2>&1 || \
	  { $$SUDO apt-get update -q >/dev/null && $$SUDO apt-get install -y -q chromium >/dev/null; } || \
	  echo "chromium could not be installed: the console's browser tests will skip"; }

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

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache
