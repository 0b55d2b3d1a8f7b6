# The one place commands live. `make demo` and `make test` each do the whole set-up.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test test-fast lint bench mutants docker test-deps image soak clean

$(STAMP): pyproject.toml sandboxes/requirements.txt
	@$(PYTHON) -m venv --help >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv python3-pip >/dev/null; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[dev]' -r sandboxes/requirements.txt
	touch $(STAMP)

docker:
	sandboxes/host-setup.sh

# Test-only system packages from Debian: Chromium for browser tests (Playwright's own browser
# download is not used) and PostgreSQL, which the web tests start on loopback and stop after.
test-deps:
	@missing=""; command -v chromium >/dev/null || missing="chromium"; \
	ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || missing="$$missing postgresql"; \
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
	$(BIN)/pytest

test-fast: $(STAMP)
	$(BIN)/pytest -m "not docker and not browser"

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

soak: image
	$(BIN)/pytest tests/soak -m soak -s

bench: image
	$(BIN)/grader bench

# Mutation testing of every challenge's suite, timed (a benchmark; `make test` has a fast proof).
mutants: image
	$(BIN)/grader challenges validate --mutants

clean:
	rm -rf $(VENV) .cache reports/*/ .pytest_cache
