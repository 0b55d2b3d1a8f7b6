# The one place commands live. `make demo` and `make test` each do the whole set-up.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Every Python package `make` installs is pinned with its hashes: LOCK for this machine's venv
# (runtime + dev), sandboxes/requirements.txt for the image. `make lock` refreshes both.
LOCK := requirements.lock

.PHONY: demo test test-fast lint bench mutants docker test-deps image soak clean lock

# A venv (Debian's python3 has no ensurepip without python3-venv) with exactly the locked packages.
define locked_venv
@$(PYTHON) -c 'import ensurepip' 2>/dev/null || { [ "$$(id -u)" = 0 ] && apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv python3-pip >/dev/null; } || \
		{ echo "$(PYTHON) cannot make a venv: install python3-venv (Debian, Ubuntu)" >&2; exit 3; }
$(PYTHON) -m venv $(VENV)
$(BIN)/pip install --quiet --disable-pip-version-check --require-hashes -r $(LOCK)
endef

$(STAMP): $(LOCK) pyproject.toml
	$(locked_venv)
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps -e .
	@$(BIN)/pip check --disable-pip-version-check >/dev/null || { $(BIN)/pip check; \
		echo "$(LOCK) does not satisfy pyproject.toml: run make lock" >&2; exit 1; }
	touch $(STAMP)

# Re-resolve both locks after editing pyproject.toml or sandboxes/requirements.in, keeping every
# other pin; `make lock UPGRADE=1` moves every pin to the newest allowed release. The image's
# lock is resolved for Linux (its hashes cover every wheel, aarch64 too); the venv's for any
# platform from Python 3.11, with the image's versions as constraints (same pytest both sides).
UV_COMPILE = $(BIN)/uv pip compile --quiet --generate-hashes --python-version 3.11 \
	--custom-compile-command 'make lock' $(if $(UPGRADE),--upgrade)
lock: $(BIN)/uv
	$(UV_COMPILE) --python-platform x86_64-manylinux_2_17 \
		sandboxes/requirements.in -o sandboxes/requirements.txt
	$(UV_COMPILE) --universal pyproject.toml --extra dev sandboxes/requirements.in \
		-c sandboxes/requirements.txt -o $(LOCK)

$(BIN)/uv:
	$(locked_venv)

docker:
	sandboxes/host-setup.sh

# Test-only system packages from Debian: Chromium for browser tests (Playwright's own browser
# download is not used), PostgreSQL and Redis, which the web and worker tests start on loopback
# and stop after.
test-deps:
	@missing=""; command -v chromium >/dev/null || missing="chromium"; \
	ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || missing="$$missing postgresql"; \
	command -v redis-server >/dev/null || missing="$$missing redis-server"; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = 0 ] && [ -f /etc/debian_version ]; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
		else echo "install:$$missing (Debian: apt-get install$$missing)" >&2; exit 3; fi; \
	fi

image: $(STAMP) docker
	$(BIN)/grader sandbox build

demo: image
	$(BIN)/grader demo

test: image test-deps
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/pytest

test-fast: $(STAMP)
	$(BIN)/pytest -m "not docker and not browser"

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

soak: image
	$(BIN)/pytest tests/soak -m soak -s

bench: image
	$(BIN)/grader bench

# Mutation testing of every challenge's suite, timed (a benchmark; `make test` has a fast proof).
mutants: image
	$(BIN)/grader challenges validate --mutants

clean:
	rm -rf $(VENV) .cache reports/*/ .pytest_cache
