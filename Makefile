# The one place commands live. `make demo` and `make test` each do the whole set-up.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test test-fast lint bench docker image clean

$(STAMP): pyproject.toml sandboxes/requirements.txt
	@$(PYTHON) -m venv --help >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv python3-pip >/dev/null; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[dev]' -r sandboxes/requirements.txt
	touch $(STAMP)

docker:
	sandboxes/host-setup.sh

image: $(STAMP) docker
	$(BIN)/grader sandbox build

demo: image
	$(BIN)/grader demo

test: image
	$(BIN)/ruff check .
	$(BIN)/pytest

test-fast: $(STAMP)
	$(BIN)/pytest -m "not docker"

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: image
	$(BIN)/grader bench

clean:
	rm -rf $(VENV) .cache reports/*/ .pytest_cache
