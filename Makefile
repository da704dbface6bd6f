# heatflow's handy commands: the docker compose stack (docker-compose.yaml), backfills, logs,
# database shell and backup, tests. `make help` lists them. Guide: docs/compose.md.
#
#   make containers_build containers_init containers_up      # the stack; web page on :8080
#   make backfill BACKFILL_START=2022-01-01 BACKFILL_END=2022-01-31
#   make demo                                                 # all of it, 2022 on the simulator
#
# Configuration: $(ENV_FILE) (default .env, created from .env.example with random secrets when
# missing). Variables given on the command line or in the shell win over it.

SHELL := /bin/bash
.DEFAULT_GOAL := help

ENV_FILE ?= .env
# `docker compose` (v2) where present, else docker-compose (1.29 is what Debian packages)
COMPOSE_CMD ?= $(shell docker compose version >/dev/null 2>&1 && echo 'docker compose' || echo docker-compose)
COMPOSE = $(COMPOSE_CMD) --env-file $(ENV_FILE)

# a variable from the environment / command line, else from $(ENV_FILE), else a default
env_value = $(or $($(1)),$(shell sed -n 's/^$(1)=//p' $(ENV_FILE) 2>/dev/null | tail -n 1),$(2))
PROJECT := $(call env_value,COMPOSE_PROJECT_NAME,heatflow)
IMAGE := $(call env_value,HEATFLOW_IMAGE,heatflow:latest)
WEB_PUBLISH := $(call env_value,HEATFLOW_WEB_PUBLISH,127.0.0.1:8080)

# the worker reaches the engine through the socket: give it the socket's group
export DOCKER_GID ?= $(shell stat -c %g $${DOCKER_SOCKET:-/var/run/docker.sock} 2>/dev/null || echo 0)

DAG ?= tado_etl
BACKFILL_START ?= 2022-01-01
BACKFILL_END ?= 2022-12-31
BACKFILL_ARGS ?=
DEMO_START ?= 2022-01-01
DEMO_END ?= 2022-12-31
SERVICE ?=
BACKUP_DIR ?= .heatflow/backups
UP_TIMEOUT_S ?= 180
# -T (no TTY) when make's standard input is not a terminal, e.g. in CI or `make psql <file.sql`
TTY_FLAG := $(shell [ -t 0 ] || echo -T)
HEATFLOW = $(COMPOSE) exec $(TTY_FLAG) scheduler node bin/heatflow.js

.PHONY: help containers_build containers_standins containers_init containers_up containers_down \
	containers_clean containers_ps backfill logs psql db_backup test test_e2e demo tado_login tado_status

help: ## this list
	@grep -hE '^[a-zA-Z_.-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  make %-20s %s\n", $$1, $$2}'

$(ENV_FILE): .env.example ## create the env file from .env.example with random secrets (only when missing)
	@if [ -e "$@" ]; then touch "$@"; exit 0; fi; \
	 pw=$$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n'); tok=$$(od -An -tx1 -N24 /dev/urandom | tr -d ' \n'); \
	 sed -e "s/^POSTGRES_PASSWORD=.*/POSTGRES_PASSWORD=$$pw/" -e "s/^HEATFLOW_WEB_TOKEN=.*/HEATFLOW_WEB_TOKEN=$$tok/" .env.example >"$@"; \
	 chmod 600 "$@"; echo "created $@ from .env.example (random POSTGRES_PASSWORD and HEATFLOW_WEB_TOKEN)"

containers_build: $(ENV_FILE) ## build the heatflow image; pull postgres/redis unless present
	scripts/build-images.sh --tag $(IMAGE)
	@for img in $$($(COMPOSE) config | sed -n 's/^ *image: //p' | sort -u); do \
	  [ "$$img" = "$(IMAGE)" ] && continue; \
	  docker image inspect "$$img" >/dev/null 2>&1 && { echo "$$img: present"; continue; }; \
	  docker pull "$$img" || { echo "cannot pull $$img: no registry? 'make containers_standins' builds local stand-ins"; exit 1; }; \
	done

containers_standins: $(ENV_FILE) ## no registry: build local stand-ins (node, postgres, redis) and select them in the env file
	@vars=$$(scripts/build-standins.sh --tag $(IMAGE)) || exit 1; \
	 for kv in $$vars; do k=$${kv%%=*}; \
	   if grep -q "^$$k=" $(ENV_FILE); then sed -i "s|^$$k=.*|$$kv|" $(ENV_FILE); else echo "$$kv" >>$(ENV_FILE); fi; \
	   echo "$(ENV_FILE): $$kv"; done

containers_init: $(ENV_FILE) ## start postgres and redis, migrate the database (heatflow db migrate)
	$(COMPOSE) up -d postgres redis
	$(COMPOSE) run --rm init

containers_up: $(ENV_FILE) ## start the whole stack and wait until the web page answers
	$(COMPOSE) up -d --remove-orphans
	@id=$$($(COMPOSE) ps -q webserver); for i in $$(seq 1 $(UP_TIMEOUT_S)); do \
	  s=$$(docker inspect -f '{{.State.Health.Status}}' "$$id" 2>/dev/null); \
	  [ "$$s" = healthy ] && { echo "heatflow is up: http://$(WEB_PUBLISH)"; exit 0; }; sleep 1; done; \
	  $(COMPOSE) ps; $(COMPOSE) logs --tail=30 webserver; echo "webserver not healthy after $(UP_TIMEOUT_S) s"; exit 1

containers_down: $(ENV_FILE) ## stop the stack (the worker drains first); volumes are kept
	-$(COMPOSE) stop worker
	@ids=$$(docker ps -aq --filter network=$(PROJECT)_default --filter label=heatflow.run_id); \
	  [ -z "$$ids" ] || { echo "removing task containers left on $(PROJECT)_default"; docker rm -f $$ids >/dev/null; }
	$(COMPOSE) down --remove-orphans

containers_clean: containers_down ## containers_down, and delete the volumes (database, queue, data)
	$(COMPOSE) down --volumes --remove-orphans

containers_ps: $(ENV_FILE) ## the stack's containers and their health
	$(COMPOSE) ps

backfill: $(ENV_FILE) ## backfill DAG (tado_etl) from BACKFILL_START to BACKFILL_END (default: 2022), and wait
	$(HEATFLOW) dags backfill $(DAG) -s $(BACKFILL_START) -e $(BACKFILL_END) $(BACKFILL_ARGS)

logs: $(ENV_FILE) ## follow the logs (SERVICE=worker for one service)
	$(COMPOSE) logs -f --tail=100 $(SERVICE)

psql: $(ENV_FILE) ## a psql shell on the stack's database
	$(COMPOSE) exec $(TTY_FLAG) postgres sh -c 'exec psql -U "$$POSTGRES_USER" -d "$$POSTGRES_DB"'

db_backup: $(ENV_FILE) ## pg_dump of the stack's database into BACKUP_DIR (custom format: pg_restore)
	@umask 077; mkdir -p $(BACKUP_DIR); f=$(BACKUP_DIR)/heatflow-$$(date -u +%Y%m%dT%H%M%SZ).dump; \
	 $(COMPOSE) exec -T postgres sh -c 'exec pg_dump -U "$$POSTGRES_USER" -d "$$POSTGRES_DB" --format=custom' >"$$f" \
	 && echo "backup: $$f ($$(du -h "$$f" | cut -f1))" || { rm -f "$$f"; exit 1; }

test: ## the test suite (npm test: needs Postgres, Redis and Docker, see README)
	npm test

test_e2e: ## the compose stack end to end (stand-in images, 7-day backfill, row counts, web page)
	npx vitest run -c test/e2e/vitest.config.ts

demo: containers_build containers_init containers_up ## build, init, up, backfill 2022 on the simulator, print the address
	$(MAKE) --no-print-directory backfill DAG=tado_etl BACKFILL_START=$(DEMO_START) BACKFILL_END=$(DEMO_END)
	@echo; echo "heatflow: http://$(WEB_PUBLISH)   (make logs, make psql, make containers_down)"

tado_login: $(ENV_FILE) ## sign in to the real tado° API (device flow), token on the data volume
	$(COMPOSE) run --rm --no-deps scheduler node bin/heatflow.js tado login

tado_status: $(ENV_FILE) ## the saved tado° sign-in and the daily request quota
	$(COMPOSE) run --rm --no-deps scheduler node bin/heatflow.js tado status
