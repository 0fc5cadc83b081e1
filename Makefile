# Every target sets itself up: the first run creates .venv and installs exactly requirements.lock
# (the dev and `embedded` extras included: `jisso up`'s servers; the production image has neither).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
WARM_BYTECODE := import sys; sys.dont_write_bytecode = False; \
	sys.pycache_prefix = sys.prefix + "/pycache"; \
	import devtools.up, devtools.smtp_sink, services.seed, services.runtime; \
	services.runtime.preload()

.PHONY: run test check lint format bench fuzz openapi sdk clean lock

$(STAMP): requirements.lock pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install -q "$$(grep -E '^uv==' requirements.lock)"
	@$(BIN)/uv pip sync -q --python $(BIN)/python requirements.lock
	@$(BIN)/uv pip install -q --python $(BIN)/python --no-deps --no-build-isolation -e .
	@# `jisso up`'s bytecode cache (services/bytecode.py) filled now, as an installer compiles at
	@# install time: a first `make run` compiles nothing, even with PYTHONDONTWRITEBYTECODE set.
	@$(BIN)/python -c '$(WARM_BYTECODE)'
	@touch $(STAMP)

# The contract tools from the npm registry (Spectral, openapi-typescript, tsc), exactly as
# tools/contract/package-lock.json pins them; node_modules stays there between runs. No install
# scripts run: the one a dependency has only reports usage.
CONTRACT_TOOLS := tools/contract
NODE_BIN := $(CONTRACT_TOOLS)/node_modules/.bin
NPM_STAMP := $(CONTRACT_TOOLS)/node_modules/.installed
OPENAPI_DOCUMENTS := openapi/registry.json openapi/review.json openapi/notify.json

$(NPM_STAMP): $(CONTRACT_TOOLS)/package.json $(CONTRACT_TOOLS)/package-lock.json
	@command -v npm >/dev/null || { echo "make: npm not found (Node.js 18.18+ and npm)"; exit 1; }
	@cd $(CONTRACT_TOOLS) && npm ci -s --ignore-scripts --prefer-offline --no-audit --no-fund
	@touch $(NPM_STAMP)

run: $(STAMP)
	$(BIN)/jisso up

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The edit-test loop: unit and db tests only (no e2e, chaos, browser or fuzz tier).
check: $(STAMP)
	$(BIN)/python -m pytest -m "unit or db" $(PYTEST_ARGS)

# Schemathesis with many more examples per operation, a fresh seed and the coverage phase
# (`make test` runs 5 of each kind with a fixed seed). FUZZ_EXAMPLES=1000 make fuzz for a long run.
fuzz: $(STAMP)
	FUZZ_EXAMPLES=$${FUZZ_EXAMPLES:-100} $(BIN)/python -m pytest tests/fuzz $(PYTEST_ARGS)

# B1–B5 against their floors on generated data; writes docs/performance.md (~9 min on two cores).
# BENCH_SCALE=10 make bench for ten times the data; BENCH_ARGS=--quick for a short look.
# B3 delivers into Postfix's C smtp-sink (Debian: apt-get install postfix; only the binary is
# used); without it B3 falls back to the Python sink, which bounds both sides, and says so.
bench: $(STAMP)
	@test -x /usr/sbin/smtp-sink || echo "bench: /usr/sbin/smtp-sink missing (apt-get install postfix): B3 uses the Python sink"
	$(BIN)/python -m bench $(BENCH_ARGS)

lint: $(STAMP) $(NPM_STAMP)
	$(BIN)/ruff check libs services devtools tools tests bench
	$(BIN)/ruff format --check libs services devtools tools tests bench
	$(BIN)/mypy libs services devtools tools
	$(NODE_BIN)/spectral lint --ruleset .spectral.yaml --fail-severity warn $(OPENAPI_DOCUMENTS)

format: $(STAMP)
	$(BIN)/ruff check --fix libs services devtools tools tests bench
	$(BIN)/ruff format libs services devtools tools tests bench

openapi: $(STAMP)
	$(BIN)/jisso openapi

# Partners' clients from the committed openapi/*.json into clients/ (not committed): a Python
# package per service and TypeScript types, type-checked; any warning not explained in
# tools/contract/known_warnings.py fails it (tools/contract/sdk.py).
sdk: $(STAMP) $(NPM_STAMP)
	$(BIN)/python -m tools.contract.sdk

clean:
	rm -rf $(VENV) .jisso $(CONTRACT_TOOLS)/node_modules clients

lock: $(STAMP)
	$(BIN)/uv pip compile -q pyproject.toml --extra dev --extra embedded --python-version 3.11 -o requirements.lock
	$(BIN)/uv pip compile -q pyproject.toml -c requirements.lock --python-version 3.11 -o deploy/requirements-runtime.lock
