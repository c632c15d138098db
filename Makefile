# Five Clear: `make run` to try it, `make test` to check it.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt | sha1sum | cut -c1-12)
TASKS ?= 100000

.PHONY: run test lint typecheck format worker beat bench migrate seed install messages browsers cluster cluster-stop cluster-status

# Production installs requirements.txt alone; a developer's and CI's venv adds the tools.
$(STAMP): requirements.txt requirements-dev.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt -r requirements-dev.txt
	@rm -f $(VENV)/.installed-*
	@touch $(STAMP)

install: $(STAMP)

# Pin everything again from the short lists of direct dependencies (requirements*.in), keeping
# the versions already pinned unless an .in file asks for another (pip-tools).
requirements: install
	$(VENV)/bin/pip-compile --quiet --no-header --strip-extras --no-emit-index-url --no-emit-find-links --output-file requirements.txt requirements.in
	$(VENV)/bin/pip-compile --quiet --no-header --strip-extras --no-emit-index-url --no-emit-find-links --output-file requirements-dev.txt requirements-dev.in

migrate: install
	$(PY) manage.py migrate --noinput

seed: migrate
	$(PY) manage.py seed_demo

run: seed
	$(PY) manage.py runserver 127.0.0.1:8000

test: install
	$(PY) -m pytest $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/mypy

# mypy alone, with the Django and DRF stubs ([tool.mypy] in pyproject.toml; docs/decisions.md,
# "Type checking"): `lint` runs it too.
typecheck: install
	$(VENV)/bin/mypy

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

messages: install
	cd $(CURDIR) && $(PY) manage.py makemessages -l vi --no-obsolete && $(PY) manage.py compilemessages

worker: install
	$(VENV)/bin/celery -A config worker --loglevel=info --concurrency=2

beat: install
	$(VENV)/bin/celery -A config beat --loglevel=info

bench: install
	$(PY) manage.py bench --tasks $(TASKS)

# nginx in front of two gunicorn nodes, two Celery workers and one beat, on DATABASE_URL and
# REDIS_URL (docs/operations.md). `make cluster` starts what is not running; `cluster-stop` ends all.
cluster: install
	@command -v nginx >/dev/null || test -x /usr/sbin/nginx || (apt-get update -qq && apt-get install -y -qq nginx-light)
	$(PY) deploy/cluster.py start

cluster-stop:
	$(PY) deploy/cluster.py stop

cluster-status:
	$(PY) deploy/cluster.py status

browsers:
	@command -v chromium >/dev/null || (apt-get update -qq && apt-get install -y -qq chromium)

# The long runs of tests/reliability (docs/reliability.md): bounded by these counts.
SOAK_SECONDS ?= 180
SOAK_CLIENTS ?= 8
SOAK_WORKERS ?= 3
FUZZ_EXAMPLES ?= 20
RELIABILITY_ARGS ?= -p no:cacheprovider -m slow

.PHONY: soak fuzz

soak: install
	SOAK_SECONDS=$(SOAK_SECONDS) SOAK_CLIENTS=$(SOAK_CLIENTS) SOAK_WORKERS=$(SOAK_WORKERS) \
		$(PY) -m pytest tests/reliability/test_soak.py $(RELIABILITY_ARGS)

fuzz: install
	FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(PY) -m pytest tests/reliability/test_fuzz.py $(RELIABILITY_ARGS)
