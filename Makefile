# The two commands of the README:
#   make up     start the whole service on its embedded defaults
#   make test   run the whole test suite
# Both create the virtual environment they need (.venv) on first use.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | sha256sum | cut -c1-12)
TOOLS := .venv-tools
PORT ?= 8000
HOST ?= 127.0.0.1
DATA_DIR ?= data

.PHONY: up test test-fast lint tools clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	rm -f $(VENV)/.installed-* && touch $@

# `docker compose config` validates docker-compose.yml in the tests. Where the Docker CLI has no
# compose plugin, docker-compose 1.29 (Python) does the same check; its PyYAML<6 pin is stale and
# PyYAML 5 no longer builds, so it is installed beside PyYAML 6, which it works with.
$(TOOLS)/.installed:
	test -x $(TOOLS)/bin/python || $(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/python -m pip install --quiet --no-deps docker-compose==1.29.2
	$(TOOLS)/bin/python -m pip install --quiet "PyYAML>=6,<7" "docker>=5,<7" dockerpty "jsonschema<4" \
		texttable "websocket-client<1" "python-dotenv<1" requests distro docopt "setuptools<70"
	touch $@

tools: $(TOOLS)/.installed

# The browser tests drive Debian's Chromium (never a browser downloaded by Playwright); on a Debian
# machine without it, it is installed here (as root, or through sudo).
CHROMIUM ?= /usr/bin/chromium
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)
$(CHROMIUM):
	@command -v apt-get >/dev/null || { echo "install Chromium, or point CALLREC_TEST_CHROMIUM at one"; exit 1; }
	$(SUDO) apt-get update -q && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q chromium

up: $(STAMP)
	$(BIN)/callrec up --host $(HOST) --port $(PORT) --data-dir $(DATA_DIR)

test: $(STAMP) $(TOOLS)/.installed $(CHROMIUM)
	PATH="$(CURDIR)/$(TOOLS)/bin:$$PATH" CALLREC_TEST_CHROMIUM=$(CHROMIUM) $(BIN)/python -m pytest -ra $(PYTEST_ARGS)

# The fast tier while iterating: unit tests only, no services, no models (seconds). `make test` is
# the whole suite, and what CI runs.
test-fast: $(STAMP)
	$(BIN)/python -m pytest -q tests/unit $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check recorder transcribe api storage tests bench
	$(BIN)/mypy

clean:
	rm -rf $(VENV) $(TOOLS) .pytest_cache
