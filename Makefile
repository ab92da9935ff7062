# Safeguard: two commands do everything.
#   make run   — set up, migrate, load demo data, start web + Celery worker + beat (Ctrl-C stops all)
#   make test  — the whole test suite
# With DATABASE_URL and REDIS_URL set, both use PostgreSQL and Redis instead of SQLite and the
# file-system broker.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat requirements/base.txt requirements/dev.txt | cksum | cut -d' ' -f1)
PORT   ?= 8000
# Two test processes by default (pytest-xdist); override with PYTEST_ARGS="-n 0" to debug.
PYTEST_ARGS ?= -n auto
export SAFEGUARD_PORT := $(PORT)
# Links in emails (alerts are written with the change that causes them, demo data included).
export SAFEGUARD_BASE_URL ?= http://127.0.0.1:$(PORT)
# The demo school signs in through the test provider `make provider` runs (issue 20); a demo value,
# the same on both sides, never a real secret.
export SAFEGUARD_OIDC_SECRET_DEMO ?= demo-provider-secret

.PHONY: run test install lint lock vendor check-python clean-var provider

check-python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Safeguard needs Python 3.11 or newer; found " + sys.version.split()[0])'

$(STAMP): requirements/base.txt requirements/dev.txt | check-python
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements/base.txt -r requirements/dev.txt
	@rm -f $(VENV)/.installed-*
	@touch $@

install: $(STAMP)

run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	$(BIN)/python manage.py demo_logins --port $(PORT)
	exec $(BIN)/honcho -f Procfile.dev start

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The test OpenID Connect provider on 127.0.0.1:8100, for trying "sign in with your school account" by hand:
# the demo DSL, pastoral lead and head (tests/oidc_provider/demo_users.json), password provider-demo-pass.
provider: install
	$(BIN)/python -m tests.oidc_provider.run --port 8100 --data var/oidc-provider --client-id safeguard-demo --client-secret $(SAFEGUARD_OIDC_SECRET_DEMO) --redirect-uri http://127.0.0.1:$(PORT)/login/provider/callback/ --users tests/oidc_provider/demo_users.json

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

# Re-pin dependencies after editing requirements/*.in.
lock: install
	$(BIN)/pip-compile -q --strip-extras --allow-unsafe --no-emit-index-url --no-emit-find-links -o requirements/base.txt requirements/base.in
	$(BIN)/pip-compile -q --strip-extras --allow-unsafe --no-emit-index-url --no-emit-find-links -o requirements/dev.txt requirements/dev.in

clean-var:
	rm -rf var
