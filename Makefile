# Two commands set everything up on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: demo test coverage lint bench generate dist clean

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip

$(STAMP): pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install -q -e '.[all,test]'
	touch $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/qobserve demo

test: $(STAMP)
	$(PY) -m pytest -q

# the suite under coverage, subprocesses included; per package in the log, with a floor
coverage: $(STAMP)
	rm -f .coverage .coverage.*
	$(VENV)/bin/coverage run -m pytest -q
	$(VENV)/bin/coverage combine -q
	$(PY) .ci/coverage_by_package.py
	$(VENV)/bin/coverage report --format=total

lint: $(STAMP)
	$(VENV)/bin/ruff check qobserve tests benchmarks examples
	$(VENV)/bin/ruff format --check qobserve tests benchmarks examples
	$(VENV)/bin/mypy
	$(PY) -m pytest -q -p no:cacheprovider --doctest-modules qobserve --ignore=qobserve/__main__.py

bench: $(STAMP)
	$(PY) -m benchmarks

generate: $(STAMP)
	$(VENV)/bin/qobserve generate

# the sdist and the wheel (from the sdist), checked as PyPI would
dist: $(STAMP)
	rm -rf dist
	$(PY) -m build --no-isolation --outdir dist .
	$(VENV)/bin/twine check --strict dist/*

clean:
	rm -rf $(VENV) .qobserve build dist *.egg-info .coverage .coverage.* .pytest_cache .mypy_cache .ruff_cache
