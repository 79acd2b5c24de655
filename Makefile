# scribe — run `make help` for the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# Installed from the hash-locked requirements-dev.lock (make lock regenerates it from .in).
STAMP := $(VENV)/.installed-$(shell sha256sum < requirements-dev.lock | cut -c1-12)
# pytest-xdist workers. The Terraform tests wait more than they compute (the provider's fixed
# delays: Route 53 changes, an S3 lifecycle's steady state, KMS, Lambda): on 2 cores, 4 workers
# keep both busy (make test's pytest: 492 s with 2 workers, 339 s with 4).
PYTEST_WORKERS ?= 4
# Terraform runs with the project's own CLI config (provider mirror when present), never ~/.terraformrc.
TF = TF_CLI_CONFIG_FILE=$$($(PY) -m scribe_local.terraform.cli_config) TF_IN_AUTOMATION=1 terraform

# Pipeline steps (CircleCI runs exactly these; tests run them against moto).
ENV ?= dev
TF_DIR ?= .
BACKEND_CONFIG ?=
PLAN_FILE = build/$(ENV).tfplan
TF_INIT = $(TF) -chdir=$(TF_DIR) init -input=false -reconfigure -backend-config=envs/$(ENV).s3.tfbackend $(if $(BACKEND_CONFIG),-backend-config=$(BACKEND_CONFIG))
# plan/apply: Terraform's stderr is shown as it comes and kept in build/$(ENV).<target>.err; when
# the run failed on a held state lock, lock.py says which lock, who holds it and how to clear it.
# tee -i: a cancelled CI job sends SIGINT to the whole process group; tee must outlive it, or
# Terraform, still saving its state and releasing the lock, dies writing to a closed pipe.
STDERR_KEPT = 2>&1 1>&3 | tee -i $(TF_DIR)/build/$(ENV).$@.err >&2; } 3>&1
LOCK_EXPLAINED = || { $(PY) -m scribe_local.terraform.lock explain --env $(ENV) $(TF_DIR)/build/$(ENV).$@.err; exit 1; }

# make up / make demo: AUTH=jwt deploys the API with a JWT authorizer and a local OIDC issuer.
AUTH ?=
AUTH_ARGS = $(if $(AUTH),--auth $(AUTH))

# The IAM evaluator (test-only, Node): @cloud-copilot/iam-simulate from its package-lock.json.
IAM_EVALUATOR := scribe_local/iam_evaluator
IAM_STAMP := $(IAM_EVALUATOR)/node_modules/.installed-$(shell sha256sum < $(IAM_EVALUATOR)/package-lock.json | cut -c1-12)

# checkov has its own venv: it pins an old `packaging` that the dev tools in .venv cannot share.
CHECKOV_VENV := .cache/checkov-venv
CHECKOV_STAMP := $(CHECKOV_VENV)/.installed-$(shell sha256sum < requirements-checkov.lock | cut -c1-12)
# The handler's tests also run under the AWS SDK of the Lambda runtimes (requirements-runtime.lock).
RUNTIME_VENV := .cache/runtime-venv
RUNTIME_STAMP := $(RUNTIME_VENV)/.installed-$(shell sha256sum < requirements-runtime.lock | cut -c1-12)
RUNTIME_TESTS := tests/unit/test_core.py tests/unit/test_apigw.py tests/unit/test_s3_faults.py
# pip installs only the locked versions, refuses any file whose hash is not in the lock and any
# dependency the lock does not pin (--require-hashes).
PIP_LOCKED = python -m pip install --quiet --disable-pip-version-check --require-hashes
LOCK_VENV := .cache/lock-venv
UV_COMPILE = $(LOCK_VENV)/bin/uv pip compile --quiet --universal --python-version 3.11 --generate-hashes

.PHONY: help venv lock package up down demo caller unit-runtime check check-tests test lint ruff mypy fmt-check validate docs docs-check \
	circleci-check github-check checkov fmt unit bench clean preflight create-api plan apply unlock recover release destroy faults smoke iam iam-evaluator

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-15s %s\n", $$1, $$2}'

$(STAMP): requirements-dev.lock
	@echo "[scribe] creating $(VENV) and installing requirements-dev.lock (hash-checked) ..."
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(VENV)/bin/$(PIP_LOCKED) -r requirements-dev.lock
	@rm -f $(VENV)/.installed-* && touch $@

venv: $(STAMP) ## Create the Python virtualenv with the dev tools (from the hash lock)

lock: ## Re-resolve requirements-*.in into the hash locks requirements-*.lock (needs PyPI)
	@test -x $(LOCK_VENV)/bin/uv || { $(PYTHON) -m venv $(LOCK_VENV) && $(LOCK_VENV)/bin/python -m pip install --quiet uv; }
	@$(UV_COMPILE) requirements-dev.in -o requirements-dev.lock
	@$(UV_COMPILE) requirements-checkov.in -o requirements-checkov.lock
	@$(UV_COMPILE) requirements-runtime.in -o requirements-runtime.lock
	@echo "[scribe] wrote requirements-{dev,checkov,runtime}.lock: review the diff, then make test"

package: $(STAMP) ## Build the Lambda zip (build/scribe.zip), byte-identical across builds
	@$(PY) lambda/package.py --src lambda/src --out build/scribe.zip

up: $(STAMP) $(IAM_STAMP) ## Start moto, apply envs/local.tfvars, start the local gateway; prints API_URL and the caller's keys (AUTH=jwt: JWT authorizer, local issuer)
	@$(PY) -m scribe_local.stack up $(AUTH_ARGS)

down: $(STAMP) ## Destroy the local stack and stop what `make up` started
	@$(PY) -m scribe_local.stack down

demo: $(STAMP) $(IAM_STAMP) ## up, POST a signed text (AUTH=jwt: with the token), read it back from S3, down
	@$(PY) -m scribe_local.stack demo $(AUTH_ARGS)

caller: $(STAMP) $(IAM_STAMP) ## Issue a caller of the running local stack with the identity policy POLICY=<file.json>; prints its keys
	@test -n "$(POLICY)" || { echo "[scribe] name the identity policy: make caller POLICY=<file.json>" >&2; exit 1; }
	@$(PY) -m scribe_local.stack caller --policy "$(POLICY)"

preflight: $(STAMP) ## Before any apply: does envs/$(ENV).tfvars' writer.reserved_concurrency fit the account's Lambda concurrency? (exit 1 with the fix when not)
	@$(PY) -m scribe_local.preflight --env $(ENV) --root $(TF_DIR)

create-api: $(STAMP) ## First deploy of ENV: create only its HTTP API and print the api_id that bootstrap/ must pin (until then the deploy role reaches nothing below an API)
	@mkdir -p $(TF_DIR)/build
	@$(TF_INIT)
	@set -o pipefail; { $(TF) -chdir=$(TF_DIR) apply -input=false -no-color -auto-approve -var-file=envs/$(ENV).tfvars -target=module.api.aws_apigatewayv2_api.this $(STDERR_KEPT) $(LOCK_EXPLAINED)
	@api_id=$$($(TF) -chdir=$(TF_DIR) output -raw api_id) && echo "[scribe] $(ENV)'s HTTP API is $$api_id. Next: set api_id = \"$$api_id\" for $(ENV) in your bootstrap/accounts/<account>.tfvars, apply bootstrap/ (an administrator), then run make plan and make apply ENV=$(ENV)"

plan: $(STAMP) ## init with envs/$(ENV).s3.tfbackend, save build/$(ENV).tfplan and its text (needs build/scribe.zip)
	@test -f $(TF_DIR)/build/scribe.zip || { echo "[scribe] $(TF_DIR)/build/scribe.zip is missing: run make package" >&2; exit 1; }
	@$(TF_INIT)
	@set -o pipefail; { $(TF) -chdir=$(TF_DIR) plan -input=false -no-color -var-file=envs/$(ENV).tfvars -out=$(PLAN_FILE) $(STDERR_KEPT) | tee -i $(TF_DIR)/build/$(ENV).plan.txt $(LOCK_EXPLAINED)
	@echo "[scribe] saved $(TF_DIR)/$(PLAN_FILE) and $(TF_DIR)/build/$(ENV).plan.txt"

# apply: first the run's record of intent next to the state (what it is about to create, for
# make recover: scribe_local/terraform/intent.py); a finished apply removes it.
apply: $(STAMP) ## apply the saved plan build/$(ENV).tfplan exactly (never plans anew), with a record of intent for make recover
	@test -f $(TF_DIR)/$(PLAN_FILE) || { echo "[scribe] no saved plan $(TF_DIR)/$(PLAN_FILE): run make plan ENV=$(ENV)" >&2; exit 1; }
	@$(PY) -m scribe_local.terraform.intent write --env $(ENV) --tf-dir $(TF_DIR) --plan $(PLAN_FILE) > $(TF_DIR)/build/$(ENV).intent
	@set -o pipefail; { $(TF) -chdir=$(TF_DIR) apply -input=false $(PLAN_FILE) $(STDERR_KEPT) $(LOCK_EXPLAINED)
	@$(PY) -m scribe_local.terraform.intent done --env $(ENV) --tf-dir $(TF_DIR) --run-id "$$(cat $(TF_DIR)/build/$(ENV).intent)"

# LOCK_ID reaches the recipe as an environment variable (make exports command-line variables),
# never spliced into its shell text: a CI job passes what a person typed.
unlock: $(STAMP) ## clear ENV's state lock LOCK_ID (make plan names it) left by a run that is gone; refuses any other lock
	@test -n "$$LOCK_ID" || { echo "[scribe] name the lock: make unlock ENV=$(ENV) LOCK_ID=<id> (make plan ENV=$(ENV) prints it when a lock holds the state)" >&2; exit 1; }
	@test -f $(TF_DIR)/envs/$(ENV).s3.tfbackend || { echo "[scribe] no $(TF_DIR)/envs/$(ENV).s3.tfbackend: ENV names one of the pipeline's environments ($$(cd $(TF_DIR)/envs && ls *.s3.tfbackend | sed 's/.s3.tfbackend//' | paste -sd' '))" >&2; exit 1; }
	@$(TF_INIT) >/dev/null
	@$(PY) -m scribe_local.terraform.lock unlock --env $(ENV) --tf-dir $(TF_DIR) --lock-id "$$LOCK_ID"

recover: $(STAMP) ## adopt ENV's resources that exist in the account but not in state (a killed run) with import blocks; refuses what lacks the stack's name and tag
	@test -f $(TF_DIR)/build/scribe.zip || { echo "[scribe] $(TF_DIR)/build/scribe.zip is missing: run make package" >&2; exit 1; }
	@test -f $(TF_DIR)/envs/$(ENV).s3.tfbackend || { echo "[scribe] no $(TF_DIR)/envs/$(ENV).s3.tfbackend: ENV names one of the pipeline's environments" >&2; exit 1; }
	@$(TF_INIT) >/dev/null
	@$(PY) -m scribe_local.terraform.recover --env $(ENV) --tf-dir $(TF_DIR)

# release: the release job of both CI configs, on main after the tests (standard library only: no
# venv). RELEASE_REMOTE is where tags live (an https URL in CI, authorised by GITHUB_TOKEN);
# GITHUB_REPOSITORY (owner/repo) also publishes the GitHub release with the CHANGELOG section.
release: ## Tag the CHANGELOG's newest version (vX.Y.Z) once and publish its notes; refuses a version that goes backwards
	@python3 -m scribe_local.release --remote "$${RELEASE_REMOTE:-origin}" $${GITHUB_REPOSITORY:+--repository "$$GITHUB_REPOSITORY"}

destroy: $(STAMP) ## destroy ENV's stack; stops before deleting anything while a kept bucket (force_destroy = false) holds objects
	@test -f $(TF_DIR)/build/scribe.zip || { echo "[scribe] $(TF_DIR)/build/scribe.zip is missing: run make package" >&2; exit 1; }
	@$(TF_INIT) >/dev/null
	@$(PY) -m scribe_local.terraform.destroy_guard --env $(ENV) --tf-dir $(TF_DIR)
	@set -o pipefail; { $(TF) -chdir=$(TF_DIR) destroy -auto-approve -input=false -no-color -var-file=envs/$(ENV).tfvars $(STDERR_KEPT) $(LOCK_EXPLAINED)

smoke: $(STAMP) ## POST a unique text to the applied stack and read it back (ENV=local: the make up stack)
	@if [ "$(ENV)" = local ]; then $(PY) -m scribe_local.smoke --env-file .scribe/local.env; \
	 else $(PY) -m scribe_local.smoke --terraform-dir $(TF_DIR) $(if $(API_URL),--api-url $(API_URL)); fi

# make lint = the pre-commit hooks of .pre-commit-config.yaml, one target each (no pre-commit needed).
lint: ruff mypy fmt-check validate docs-check circleci-check github-check ## Every static check: ruff, mypy, terraform fmt and validate, README tables, CircleCI and GitHub Actions schemas

ruff: $(STAMP) ## ruff lint and format check of the Python
	@$(VENV)/bin/ruff check .
	@$(VENV)/bin/ruff format --check .

mypy: $(STAMP) ## mypy --strict over the handler, the packager, scribe_local and the tests
	@$(VENV)/bin/mypy lambda/src lambda/package.py scribe_local tests bench

fmt-check: $(STAMP) ## terraform fmt -check over every .tf, .tfvars and .tftest.hcl
	@$(TF) fmt -check -recursive -diff .

validate: $(STAMP) ## terraform validate of the root, bootstrap, every module and example (temp copies)
	@$(PY) -m scribe_local.terraform.validate

docs: $(STAMP) ## Regenerate the input/output tables of every README (root, bootstrap, modules, examples)
	@$(PY) -m scribe_local.terraform.docs

docs-check: $(STAMP) ## Fail when a README table differs from the .tf files (fix: make docs)
	@$(PY) -m scribe_local.terraform.docs --check

circleci-check: $(STAMP) ## .circleci/config.yml against the CircleCI schema (bundled with check-jsonschema)
	@$(VENV)/bin/check-jsonschema --builtin-schema vendor.circle-ci .circleci/config.yml

github-check: $(STAMP) ## .github/workflows/*.yml against the GitHub Actions workflow schema (bundled with check-jsonschema)
	@$(VENV)/bin/check-jsonschema --builtin-schema vendor.github-workflows .github/workflows/*.yml

$(CHECKOV_STAMP): requirements-checkov.lock
	@echo "[scribe] creating $(CHECKOV_VENV) and installing $$(grep -oE '^checkov==[^ ]+' requirements-checkov.lock) (hash-checked, about half a minute) ..."
	@start=$$(date +%s); \
	 { test -x $(CHECKOV_VENV)/bin/python || $(PYTHON) -m venv $(CHECKOV_VENV); } && \
	 $(CHECKOV_VENV)/bin/$(PIP_LOCKED) -r requirements-checkov.lock && \
	 echo "[scribe] installed checkov $$($(CHECKOV_VENV)/bin/checkov --version) in $$(( $$(date +%s) - start )) s"
	@rm -f $(CHECKOV_VENV)/.installed-* && touch $@

checkov: $(STAMP) $(CHECKOV_STAMP) ## checkov over the root, bootstrap, every module and example (own venv); fails on any failed check
	@$(PY) -m scribe_local.checks.checkov

$(IAM_STAMP): $(IAM_EVALUATOR)/package-lock.json
	@command -v npm >/dev/null 2>&1 || { echo "[scribe] npm is missing: install Node.js >= 18 with npm (apt-get install nodejs npm), then run make again" >&2; exit 1; }
	@echo "[scribe] installing the IAM evaluator ($(IAM_EVALUATOR)/package-lock.json, integrity-checked by npm ci) ..."
	@cd $(IAM_EVALUATOR) && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	@rm -f $(IAM_EVALUATOR)/node_modules/.installed-* && touch $@

iam-evaluator: $(IAM_STAMP) ## Install the test-only IAM policy evaluator (npm ci, pinned and integrity-checked)

iam: $(STAMP) $(IAM_STAMP) package ## CI identity evaluated as AWS would: attack table and recorded deploy calls; writes build/iam/report.json
	@$(PY) -m scribe_local.iam.report

fmt: $(STAMP) ## Format Terraform and Python
	@$(TF) fmt -recursive .
	@$(VENV)/bin/ruff format .

$(RUNTIME_STAMP): requirements-runtime.lock
	@echo "[scribe] creating $(RUNTIME_VENV) with the Lambda runtimes' $$(grep -oE '^botocore==[^ ]+' requirements-runtime.lock) (hash-checked) ..."
	@{ test -x $(RUNTIME_VENV)/bin/python || $(PYTHON) -m venv $(RUNTIME_VENV); } && \
	 $(RUNTIME_VENV)/bin/$(PIP_LOCKED) -r requirements-runtime.lock
	@rm -f $(RUNTIME_VENV)/.installed-* && touch $@

unit-runtime: $(RUNTIME_STAMP) ## The handler's unit, adapter and fault tests under the Lambda runtimes' boto3/botocore
	@echo "[scribe] handler tests under $$($(RUNTIME_VENV)/bin/python -c 'import botocore; print("botocore", botocore.__version__)')"
	@$(RUNTIME_VENV)/bin/python -m pytest -q -p no:cacheprovider -n $(PYTEST_WORKERS) $(RUNTIME_TESTS)

# The test tiers. make check: before every commit (the pre-commit hooks), about 2.5 minutes warm on
# 2 cores: lint and every test that applies nothing (unit, local gateway, IAM evaluator, docs,
# CI configs, plans). make test: everything, as CI runs it, with one case of every fault class;
# make faults: the whole fault matrix, every variant (CI runs it on a schedule).
CHECK_TESTS := tests/unit tests/local tests/aws tests/iam tests/docs tests/ci tests/plan tests/bench/test_capacity.py
PYTEST_FILES = $(PY) -m pytest -n $(PYTEST_WORKERS) --dist loadfile --no-loadscope-reorder

check: lint check-tests ## Before each commit (the pre-commit hooks run it): lint, then every test that applies nothing (about 2.5 min warm)

check-tests: $(STAMP) package $(IAM_STAMP) ## The tests of make check: unit, local gateway, IAM evaluator, docs, CI configs, plans (no apply); the handler property with 250 examples (make test: 1000)
	@SCRIBE_PROPERTY_EXAMPLES=250 $(PYTEST_FILES) -q $(CHECK_TESTS)

test: lint checkov package $(IAM_STAMP) unit-runtime ## Lint, then every test: unit (also under the runtime SDK), plan, apply, end-to-end, one case of each fault class (what CI runs); build/test-times.json
	@$(PYTEST_FILES) -m "not exhaustive" --test-times=build/test-times.json

faults: $(STAMP) package $(IAM_STAMP) ## The whole fault matrix, every variant (make test runs one case of each class; CI runs this on a schedule): build/faults/*.txt
	@echo "[scribe] the fault matrix (tests/faults), every variant: about 20 min on 2 cores"
	@$(PYTEST_FILES) --test-times=build/faults/test-times.json tests/faults

unit: $(STAMP) ## Handler unit tests only (fast)
	@$(PY) -m pytest tests/unit -q

bench: $(STAMP) package ## Benchmarks side by side on moto: table, bench/results.json, bench/latency.png
	@$(PY) -m bench.run

clean: ## Remove build output and caches (not the venv)
	rm -rf build .cache .pytest_cache .mypy_cache .ruff_cache
