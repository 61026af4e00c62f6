# Kindness Hub: `make run` for the site with demo content, `make test` for the suite.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8000
STAMP := $(VENV)/.installed
# `make run` runs the safe local mode (DJANGO_DEBUG unset: DEBUG off, a secret made
# in DATA_DIR, loopback hosts) with absolute links to its own port. DJANGO_DEBUG=1
# turns Django's debug pages on for development.
LOCAL := SITE_URL=$${SITE_URL:-http://127.0.0.1:$(PORT)}

.PHONY: run test install node-tools messages lint format demo worker clean-data screenshots

$(STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

# Node tools for the Lighthouse benchmark and browser test (bench/node/, npm ci from
# its lock file). Without npm, the Lighthouse test is skipped (and fails in CI).
NODE_STAMP := bench/node/node_modules/.installed
$(NODE_STAMP): bench/node/package.json bench/node/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		npm ci --prefix bench/node --no-audit --no-fund --loglevel error && touch $(NODE_STAMP); \
	else echo "npm is missing: the Lighthouse test will be skipped"; fi

node-tools: $(NODE_STAMP)

messages: install
	$(LOCAL) $(BIN)/python manage.py compiletranslations

demo: messages
	$(LOCAL) $(BIN)/python manage.py migrate --noinput
	$(LOCAL) $(BIN)/python manage.py demo_content

run: demo
	$(LOCAL) PORT=$(PORT) $(BIN)/python manage.py runsite --port $(PORT)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# The suite runs in TEST_WORKERS processes (pytest-xdist; each has its own test
# database, DATA_DIR and Redis database: tests/parallel.py). TEST_WORKERS=0 runs it in one.
TEST_WORKERS ?= 2

test: messages lint node-tools
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist worksteal $(PYTEST_ARGS)

worker: install
	$(LOCAL) $(BIN)/celery -A config worker --pool solo --loglevel INFO

clean-data:
	rm -rf var

# Screenshots of every public page at 390 and 1366 px into docs/screenshots/ (the site
# runs on its own temporary DATA_DIR with the demo content; Debian's Chromium).
screenshots: messages
	$(BIN)/python bench/screenshots.py
