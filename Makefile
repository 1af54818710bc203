# extractwatch: `make help` lists the targets.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.DEFAULT_GOAL := help

.PHONY: help install kafka-up kafka-down run train test test-tools eval eval-swarm-sizes soak bench lint clean

help: ## list the targets
	@grep -E '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-11s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "Python >= 3.11 is required" >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

install: $(STAMP) ## create .venv/ with extractwatch and the test tools in it

kafka-up: $(STAMP) ## start the local Kafka broker (fetches its jars once) and create the topics
	infra/kafka/kafka.sh up
	$(BIN)/extractwatch topics

kafka-down: ## stop the local Kafka broker
	infra/kafka/kafka.sh down

run: $(STAMP) ## broker, worker, 2 h of simulated history, then live traffic; alerts on screen (Ctrl-C stops); PAGERDUTY=1 adds the bridge and a local PagerDuty
	PAGERDUTY=$(PAGERDUTY) infra/demo.sh

train: $(STAMP) ## the prior model checkpoint from scenario-library seeds 101-199 (~8 min)
	$(BIN)/extractwatch train --out models/prior.ckpt

# Both tiers share the two cores (-n 2). The unit tier splits by file, so the eval gate's fixture
# is built by one xdist worker, not both (pytest 9 drops the group suffix that xdist's loadgroup
# relies on). Integration tests isolate themselves by app id, topics, groups and ports, and a worker
# that frees its core (worksteal) takes tests queued for the other; the broker fault tests (marked
# alone) stop or freeze the broker they share, so they run last, by themselves.
test: $(STAMP) kafka-up test-tools ## the whole suite: unit, doctests and integration tests on the real broker
	$(BIN)/pytest -m "not integration" -n 2 --dist loadfile --durations=10
	$(BIN)/pytest -m "integration and not alone" -n 2 --dist worksteal --durations=30
	$(BIN)/pytest -m "integration and alone" --durations=5

test-tools: ## install Prometheus and kcat (Debian's packages), real clients of the integration tests
	infra/debian/install.sh

eval: $(STAMP) ## every row set cold and warm: library seeds 1-3, independent 11-12, ablations (~30 min); fails on a missed gated target
	$(BIN)/extractwatch eval --seeds 1,2,3 --duration 3d --independent-seeds 11,12 --ablation-seed 3 \
		--ablation-duration 2d --feedback-share 0.3 --label-delay 2h --jobs 2 --out docs/eval --check

eval-swarm-sizes: $(STAMP) ## swarms of 22 and 961 accounts, the ends of the cluster target's range (~40 s)
	$(BIN)/python -m streams.evaluation.swarm_sizes

soak: $(STAMP) kafka-up ## a worker for 1 h at 1,000 events/s with client churn and 10 min expiry; RSS, lag, snapshots, clients in docs/soak/
	$(BIN)/python -m streams.soak --minutes 60 --rate 1000 --expiry-s 600 --out docs/soak

bench: $(STAMP) kafka-up ## throughput, latency and state size on the real broker, side by side (~16 min); bench/results.json
	$(BIN)/extractwatch bench

lint: $(STAMP) ## ruff
	$(BIN)/ruff check streams models tests

clean: kafka-down ## stop the broker and delete its data (topics, offsets, state)
	rm -rf .data
