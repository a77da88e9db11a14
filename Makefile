# The commands the README names. Each finds a Python >= 3.12 and prepares .venv itself.
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-$(shell cksum < requirements.txt | cut -d' ' -f1)
PYTEST_ARGS ?=

.PHONY: run test lint format check messages bench clean

$(STAMP): requirements.txt
	@python=$$(scripts/find-python) || exit 1; \
	if [ ! -x $(PY) ] || ! $(PY) -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then \
		echo "Creating $(VENV) with $$python"; rm -rf $(VENV); "$$python" -m venv $(VENV) || exit 1; \
	fi
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	@rm -f $(VENV)/.installed-*; touch $@

## run: the portal with demo data (web, Celery worker and beat) on http://127.0.0.1:8000/
run: $(STAMP)
	$(PY) scripts/devstack.py run

## test: the whole suite on PostgreSQL with a real Celery worker on Redis
test: $(STAMP)
	$(PY) scripts/devstack.py exec --purpose test -- $(PY) -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(STAMP)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

## check: Django's system checks and missing migrations
check: $(STAMP)
	$(PY) scripts/devstack.py exec --purpose test -- sh -c 'DEBUG=on $(PY) manage.py check && DEBUG=on $(PY) manage.py makemigrations --check --dry-run'

## messages: extract and compile the translations (needs GNU gettext)
messages: $(STAMP)
	DEBUG=on $(PY) manage.py makemessages -l zh_Hans -l zh_Hant --no-obsolete -i '.venv/*' -i 'var/*' -i 'tests/*' -i 'bench/*'
	DEBUG=on $(PY) manage.py compilemessages -i '.venv' -i 'var'

## bench: the performance benchmarks of bench/ (figures as ratios to a same-run baseline)
bench: $(STAMP)
	$(PY) scripts/devstack.py exec --purpose bench -- $(PY) -m bench

clean:
	rm -rf var/postgres-test var/redis-test .pytest_cache
