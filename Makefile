# Two commands matter: `make run` and `make test`. Both bootstrap first (idempotent, fast when nothing changed).
VENV ?= .venv
PY := $(VENV)/bin/python
BOOTSTRAP := bash installers/bootstrap.sh

.PHONY: setup run test test-fast bench lint format demo clean

setup:
	@$(BOOTSTRAP)

run: setup
	$(PY) -m studio gui demo

test: setup
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q -p no:cacheprovider

test-fast: setup
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q -m "not slow"

bench: setup
	QT_QPA_PLATFORM=offscreen $(PY) -m benchmarks.run --out bench-results/bench.json

lint: setup
	$(VENV)/bin/ruff check studio plugins tests benchmarks
	$(VENV)/bin/ruff format --check studio plugins tests benchmarks

format: setup
	$(VENV)/bin/ruff format studio plugins tests benchmarks
	$(VENV)/bin/ruff check --fix studio plugins tests benchmarks

demo: setup
	$(PY) -m studio.zoo.demo --force

clean:
	rm -rf $(VENV) .stamps resources/demo/generated
