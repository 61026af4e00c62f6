# Kindness Hub: `make run` for the site with demo content, `make test` for the suite.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8000
STAMP := $(VENV)/.installed

.PHONY: run test install messages lint format demo worker clean-data

$(STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

messages: install
	$(BIN)/python manage.py compiletranslations

demo: messages
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py demo_content

run: demo
	PORT=$(PORT) $(BIN)/python manage.py runsite --port $(PORT)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

test: messages lint
	$(BIN)/python -m pytest $(PYTEST_ARGS)

worker: install
	$(BIN)/celery -A config worker --pool solo --loglevel INFO

clean-data:
	rm -rf var
