# The documented entry points. Every target builds the environments it needs from the pinned locks.
PY       ?= python3.11
VENV     := .venv
SAMVENV  := .venv-sam
BIN      := $(VENV)/bin
SEEDS    ?= 1000
export PYTHONPATH := layers/tasksync:.

.PHONY: test run lint typecheck template apex unit sim bench org build clean lock

# The whole suite: lint, types, template checks, then every test (the simulation runs SEEDS seeds).
test: lint typecheck template apex
	$(BIN)/pytest -q tests
	$(MAKE) --no-print-directory sim SEEDS=$(SEEDS)

$(BIN)/.installed: requirements/dev.lock
	@echo "installing the Python environment ($(VENV)) from requirements/dev.lock: a few minutes, once" >&2
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q --require-virtualenv -r requirements/dev.lock
	touch $@

# The SAM CLI pins its own boto3 and pydantic, so it lives apart from the project's environment.
$(SAMVENV)/bin/.installed: requirements/sam.lock
	$(PY) -m venv $(SAMVENV)
	$(SAMVENV)/bin/pip install -q --upgrade pip
	$(SAMVENV)/bin/pip install -q --require-virtualenv -r requirements/sam.lock
	touch $@

lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(BIN)/.installed
	$(BIN)/mypy layers/tasksync functions local ops tests

template: $(BIN)/.installed $(SAMVENV)/bin/.installed
	$(BIN)/cfn-lint template.yaml
	$(SAMVENV)/bin/sam validate --lint --template-file template.yaml --region us-east-1

# The Salesforce relay's Apex, parsed offline by prettier-plugin-apex (Salesforce's own Apex parser),
# pinned in salesforce/package-lock.json: syntax and layout only, an org alone checks types and limits.
salesforce/node_modules/.installed: salesforce/package-lock.json
	cd salesforce && npm ci --no-audit --no-fund
	touch $@

apex: salesforce/node_modules/.installed
	cd salesforce && node_modules/.bin/prettier --check "force-app/**/*.{cls,trigger}"

unit: $(BIN)/.installed
	$(BIN)/pytest tests/unit

# The seeded randomized convergence run: `make sim SEEDS=5000`, or one seed again with `make sim SEED=s`.
sim: $(BIN)/.installed
	$(BIN)/python -m tests.sim $(if $(SEED),--seed $(SEED),--seeds $(SEEDS))

# The design targets' figures, printed (not timed tests: a noisy machine would make them flake).
bench: $(BIN)/.installed
	$(BIN)/python bench/webhook_cold_import.py
	$(BIN)/python bench/first_sync_memory.py

# The whole system on this machine (moto as AWS, the org emulator, the API and the page on one port):
# `make run PORT=3001 ORG_PORT=8444`. Prints TASKSYNC_* and SALESFORCE_* lines when ready; Ctrl-C stops it.
run: $(BIN)/.installed
	$(BIN)/python -m local.stack --port $(or $(PORT),3000) --org-port $(or $(ORG_PORT),8443)

# A Salesforce org emulator alone, over HTTPS; prints the variables a client needs (`make org PORT=8444`).
org: $(BIN)/.installed
	$(BIN)/python -m local.salesforce_org --port $(or $(PORT),8443)

build: $(SAMVENV)/bin/.installed
	$(SAMVENV)/bin/sam build

# Re-pin the environments after changing a group in pyproject.toml.
lock:
	rm -rf /tmp/tasksync-lock && $(PY) -m venv /tmp/tasksync-lock && /tmp/tasksync-lock/bin/pip install -q --upgrade pip
	/tmp/tasksync-lock/bin/pip install -q --group runtime && /tmp/tasksync-lock/bin/pip freeze > layers/tasksync/requirements.txt
	/tmp/tasksync-lock/bin/pip install -q --group dev && /tmp/tasksync-lock/bin/pip freeze > requirements/dev.lock

clean:
	rm -rf $(VENV) $(SAMVENV) .aws-sam .pytest_cache .mypy_cache .ruff_cache salesforce/node_modules
