# scribe — run `make help` for the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat requirements-dev.txt | sha256sum | cut -c1-12)
PYTEST_WORKERS ?= 2
# Terraform runs with the project's own CLI config (provider mirror when present), never ~/.terraformrc.
TF = TF_CLI_CONFIG_FILE=$$($(PY) -m scribe_local.tfcli) TF_IN_AUTOMATION=1 terraform

# Pipeline steps (CircleCI runs exactly these; tests run them against moto).
ENV ?= dev
TF_DIR ?= .
BACKEND_CONFIG ?=
PLAN_FILE = build/$(ENV).tfplan

# checkov has its own venv: it pins an old `packaging` that the dev tools in .venv cannot share.
CHECKOV_VENV := .cache/checkov-venv
CHECKOV_STAMP := $(CHECKOV_VENV)/.installed-$(shell sha256sum < requirements-checkov.txt 2>/dev/null | cut -c1-12)
# Every module and root, each scanned once. A root's scan also evaluates the modules it calls.
CHECKOV_DIRS := modules/bucket modules/lambda modules/api modules/ci-identity . bootstrap tests/fixtures/consumer
# The top-level root's scan skips the directories scanned on their own and the tool/output ones.
# checkov matches --skip-path against absolute paths (and as a plain substring), so anchor each
# pattern at this directory: an unanchored "tests" would skip everything in a clone under /x/tests/.
CHECKOV_ROOT_RE = $(shell $(PYTHON) -c 'import os, re; print(re.escape(os.getcwd()))')
CHECKOV_ROOT_SKIPS = $(foreach d,modules tests bootstrap build \.venv \.cache \.scribe,--skip-path '^$(CHECKOV_ROOT_RE)/$(d)(/.*)?$$')
# Offline: BC_SKIP_MAPPING and --skip-download keep checkov from calling the Bridgecrew/Prisma APIs.
CHECKOV = BC_SKIP_MAPPING=TRUE $(CHECKOV_VENV)/bin/checkov --framework terraform --compact --quiet \
	--download-external-modules false --skip-download

.PHONY: help venv package up down demo test lint checkov fmt validate unit bench clean plan apply smoke

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(STAMP): requirements-dev.txt
	@echo "[scribe] creating $(VENV) and installing requirements-dev.txt ..."
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@rm -f $(VENV)/.installed-* && touch $@

venv: $(STAMP) ## Create the Python virtualenv with the dev tools

package: $(STAMP) ## Build the Lambda zip (build/scribe.zip), byte-identical across builds
	@$(PY) lambda/package.py --src lambda/src --out build/scribe.zip

up: $(STAMP) ## Start moto, apply envs/local.tfvars, start the local gateway; prints API_URL
	@$(PY) -m scribe_local.stack up

down: $(STAMP) ## Destroy the local stack and stop what `make up` started
	@$(PY) -m scribe_local.stack down

demo: $(STAMP) ## up, POST a text, read it back from S3, down
	@$(PY) -m scribe_local.stack demo

plan: $(STAMP) ## init with envs/$(ENV).s3.tfbackend, save build/$(ENV).tfplan and its text (needs build/scribe.zip)
	@test -f $(TF_DIR)/build/scribe.zip || { echo "[scribe] $(TF_DIR)/build/scribe.zip is missing: run make package" >&2; exit 1; }
	@$(TF) -chdir=$(TF_DIR) init -input=false -reconfigure -backend-config=envs/$(ENV).s3.tfbackend $(if $(BACKEND_CONFIG),-backend-config=$(BACKEND_CONFIG))
	@$(TF) -chdir=$(TF_DIR) plan -input=false -var-file=envs/$(ENV).tfvars -out=$(PLAN_FILE)
	@$(TF) -chdir=$(TF_DIR) show -no-color $(PLAN_FILE) > $(TF_DIR)/build/$(ENV).plan.txt
	@echo "[scribe] saved $(TF_DIR)/$(PLAN_FILE) and $(TF_DIR)/build/$(ENV).plan.txt"

apply: $(STAMP) ## apply the saved plan build/$(ENV).tfplan exactly (never plans anew)
	@test -f $(TF_DIR)/$(PLAN_FILE) || { echo "[scribe] no saved plan $(TF_DIR)/$(PLAN_FILE): run make plan ENV=$(ENV)" >&2; exit 1; }
	@$(TF) -chdir=$(TF_DIR) apply -input=false $(PLAN_FILE)

smoke: $(STAMP) ## POST a unique text to the applied stack and read it back (ENV=local: the make up stack)
	@if [ "$(ENV)" = local ]; then $(PY) -m scribe_local.smoke --env-file .scribe/local.env; \
	 else $(PY) -m scribe_local.smoke --terraform-dir $(TF_DIR) $(if $(API_URL),--api-url $(API_URL)); fi

lint: $(STAMP) ## ruff, mypy and terraform fmt -check
	@$(VENV)/bin/ruff check .
	@$(VENV)/bin/ruff format --check .
	@$(VENV)/bin/mypy lambda/src lambda/package.py scribe_local tests
	@$(TF) fmt -check -recursive -diff .

$(CHECKOV_STAMP): requirements-checkov.txt
	@echo "[scribe] creating $(CHECKOV_VENV) and installing $$(grep -E '^checkov==' requirements-checkov.txt) (about half a minute) ..."
	@start=$$(date +%s); \
	 { test -x $(CHECKOV_VENV)/bin/python || $(PYTHON) -m venv $(CHECKOV_VENV); } && \
	 $(CHECKOV_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-checkov.txt && \
	 echo "[scribe] installed checkov $$($(CHECKOV_VENV)/bin/checkov --version) in $$(( $$(date +%s) - start )) s"
	@rm -f $(CHECKOV_VENV)/.installed-* && touch $@

checkov: $(CHECKOV_STAMP) ## checkov over every module and root (own venv, .cache/checkov-venv); fails on any failed check
	@summary=""; failed=""; \
	 for dir in $(CHECKOV_DIRS); do \
	   echo "[scribe] checkov $$dir"; \
	   if [ "$$dir" = . ]; then out=$$($(CHECKOV) --directory . $(CHECKOV_ROOT_SKIPS) 2>&1); rc=$$?; \
	   else out=$$($(CHECKOV) --directory "$$dir" 2>&1); rc=$$?; fi; \
	   echo "$$out"; \
	   counts=$$(grep -m1 '^Passed checks: ' <<<"$$out"); \
	   if [ -z "$$counts" ]; then counts="no checks ran"; rc=1; fi; \
	   summary="$$summary$$(printf '  %-24s %s' "$$dir" "$$counts")"$$'\n'; \
	   [ "$$rc" -eq 0 ] || failed="$$failed $$dir"; \
	 done; \
	 echo "[scribe] checkov $$($(CHECKOV_VENV)/bin/checkov --version) summary:"; printf '%s' "$$summary"; \
	 if [ -n "$$failed" ]; then echo "[scribe] checkov FAILED in:$$failed" >&2; exit 1; fi; \
	 echo "[scribe] checkov: 0 failed checks"

validate: $(STAMP) ## terraform validate every module, fixture and the root (temp copies)
	@$(PY) -m pytest tests/plan/test_validate.py -q

fmt: ## Format Terraform and Python
	@$(TF) fmt -recursive .
	@$(VENV)/bin/ruff format .

test: lint checkov package ## Lint, then every test: unit, validate, plan, apply, end-to-end (what CI runs)
	@$(PY) -m pytest -n $(PYTEST_WORKERS) --dist loadfile

unit: $(STAMP) ## Handler unit tests only (fast)
	@$(PY) -m pytest tests/unit -q

bench: $(STAMP) package ## Benchmarks side by side on moto: table, bench/results.json, bench/latency.png
	@$(PY) -m bench.run

clean: ## Remove build output and caches (not the venv)
	rm -rf build .cache .pytest_cache .mypy_cache .ruff_cache
