# The one place commands live. `make demo` and `make test` each do the whole set-up.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test test-fast lint bench docker browser image soak clean

$(STAMP): pyproject.toml sandboxes/requirements.txt
	@$(PYTHON) -m venv --help >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv python3-pip >/dev/null; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[dev]' -r sandboxes/requirements.txt
	touch $(STAMP)

docker:
	sandboxes/host-setup.sh

# Browser tests drive Debian's Chromium (Playwright's own browser download is not used).
browser:
	@command -v chromium >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } || \
		{ echo "install Chromium (Debian: apt-get install chromium)" >&2; exit 3; }

image: $(STAMP) docker
	$(BIN)/grader sandbox build

demo: image
	$(BIN)/grader demo

test: image browser
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

clean:
	rm -rf $(VENV) .cache reports/*/ .pytest_cache
