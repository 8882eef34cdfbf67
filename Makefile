# The two commands: `make run` serves the seed articles, `make test` runs the whole suite.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install run test lint typecheck screenshots eval eval-milvus bench bench-page bench-time bench-backends bench-million bench-scale clean

# Evaluation data: SQuAD v1.1 dev, its public half, shipped in eval/sets/squad-public.
SQUAD ?= eval/sets/squad-public/dev-v1.1-even-articles.json.gz
EVAL_DIR ?= data/eval
REPORT ?= docs/results/report.md

# The environment: a virtualenv with the project and its dev tools, rebuilt when
# pyproject.toml changes. torch is pinned to the CPU build in pyproject.toml.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# Serve on http://127.0.0.1:8000, ingesting seeds/ first when the index is empty.
run: install
	$(BIN)/qa serve

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy

# The browser tests need Debian's chromium (.ci/run installs it when missing).
test: lint typecheck
	$(BIN)/pytest

# The README's pictures of the page over the seed articles, to docs/screenshots.
screenshots: install
	QA_TEST_SCREENSHOTS=$(CURDIR)/docs/screenshots $(BIN)/pytest tests/test_page.py -k screenshots

# Retrieval quality, dense vs lexical vs hybrid, written to $(REPORT) and docs/benchmarks.md.
# Corpora are ingested once into $(EVAL_DIR) and reused (unchanged documents are skipped).
eval: install
	mkdir -p $(EVAL_DIR)
	printf '# Retrieval quality\n\n`make eval` on %s, %s.\n\n' "$$(date -u +%Y-%m-%d)" "$$(nproc) cores" > $(REPORT)
	if [ -f eval/sets/seeds.jsonl ] && ls seeds/*.* >/dev/null 2>&1; then \
	  $(BIN)/qa ingest seeds --index $(EVAL_DIR)/seeds-index && \
	  $(BIN)/qa eval eval/sets/seeds.jsonl --index $(EVAL_DIR)/seeds-index \
	    --json $(EVAL_DIR)/seeds.json --markdown $(REPORT); \
	else echo "eval/sets/seeds.jsonl or the seed articles are missing: seeds set skipped"; fi
	$(BIN)/qa ingest eval/sets/calder-strike/articles --index $(EVAL_DIR)/calder-index
	$(BIN)/qa eval eval/sets/calder-strike.jsonl --index $(EVAL_DIR)/calder-index \
	  --json $(EVAL_DIR)/calder-strike.json --markdown $(REPORT)
	$(BIN)/qa eval $(SQUAD) --index $(EVAL_DIR)/squad-index --json $(EVAL_DIR)/squad.json \
	  --markdown $(REPORT)
	$(BIN)/python -m bench.benchmarks_doc
	cat $(REPORT)

# The same sets on the Milvus backend (milvus-lite files in $(EVAL_DIR)), hybrid only, to
# docs/results/report-milvus.md.
MILVUS_REPORT ?= docs/results/report-milvus.md
eval-milvus: install
	mkdir -p $(EVAL_DIR)
	printf '# Retrieval quality on Milvus (milvus-lite)\n\n`make eval-milvus` on %s, %s.\n\n' "$$(date -u +%Y-%m-%d)" "$$(nproc) cores" > $(MILVUS_REPORT)
	QA_BACKEND=milvus QA_MILVUS_URI=$(EVAL_DIR)/seeds-milvus.db $(BIN)/qa ingest seeds
	QA_BACKEND=milvus QA_MILVUS_URI=$(EVAL_DIR)/seeds-milvus.db $(BIN)/qa eval \
	  eval/sets/seeds.jsonl --mode hybrid --markdown $(MILVUS_REPORT)
	QA_BACKEND=milvus QA_MILVUS_URI=$(EVAL_DIR)/squad-milvus.db $(BIN)/qa eval $(SQUAD) \
	  --index $(EVAL_DIR)/squad-milvus --mode hybrid --markdown $(MILVUS_REPORT)
	$(BIN)/python -m bench.benchmarks_doc
	cat $(MILVUS_REPORT)

# Ingest rate and /ask p50 of the local and Milvus backends, in turns, to
# docs/results/bench-backends.json (about five minutes).
bench-backends: install
	$(BIN)/python -m bench.backends --json docs/results/bench-backends.json
	$(BIN)/python -m bench.benchmarks_doc

# Speed and size of the server beside the plain recipe, written to docs/results/bench.json and
# docs/benchmarks.md; a few minutes, over the seed articles (the fixture articles while
# seeds/ is empty).
BENCH_ARTICLES ?= $(if $(wildcard seeds/*.md seeds/*.txt seeds/*.json seeds/*.jsonl),seeds,tests/fixtures/articles)
BENCH_INDEX ?= data/bench/$(notdir $(BENCH_ARTICLES))-index
BENCH_QUESTIONS := --questions-from $(SQUAD) --ingest-sample $(SQUAD)
bench: install
	$(BIN)/qa ingest $(BENCH_ARTICLES) --index $(BENCH_INDEX)
	$(BIN)/qa bench --index $(BENCH_INDEX) $(BENCH_QUESTIONS) --scale 100000 --json docs/results/bench.json
	$(MAKE) bench-page
	$(MAKE) bench-time
	$(BIN)/python -m bench.benchmarks_doc

# What reading and ranking by time adds to a question, over the dated strike story.
bench-time: install
	$(BIN)/python -m bench.dated --json docs/results/bench-time.json
	$(BIN)/python -m bench.benchmarks_doc

# The chat page in headless Chromium over the same index: Enter to painted, and its weight.
bench-page: install
	$(BIN)/qa ingest $(BENCH_ARTICLES) --index $(BENCH_INDEX)
	$(BIN)/python -m bench.page --index $(BENCH_INDEX) --questions eval/sets/seeds.jsonl \
	  --json docs/results/bench-page.json
	$(BIN)/python -m bench.benchmarks_doc

# The same at a million passages, to docs/results/bench-1m.json: builds a 4 GB synthetic index once
# into data/bench (about 35 minutes a million passages here), then takes about 20 minutes.
bench-million: install
	$(BIN)/qa ingest $(BENCH_ARTICLES) --index $(BENCH_INDEX)
	$(BIN)/qa bench --index $(BENCH_INDEX) $(BENCH_QUESTIONS) --scale 100000,1000000 \
	  --serve-scale 1000000 --json docs/results/bench-1m.json
	$(BIN)/python -m bench.benchmarks_doc

# The served index at each of SCALE_SIZES synthetic passages and a 10M projection
# (bench/scale.py), to docs/results/bench-scale.json: the first run builds each synthetic
# index into data/bench (about 4 KB and 35 minutes a million passages here).
SCALE_SIZES ?= 1000000,3000000
bench-scale: install
	$(BIN)/qa ingest $(BENCH_ARTICLES) --index $(BENCH_INDEX)
	$(BIN)/python -m bench.scale --index $(BENCH_INDEX) --sizes $(SCALE_SIZES) \
	  --questions-from $(SQUAD) --ingest-sample $(SQUAD) --json docs/results/bench-scale.json
	$(BIN)/python -m bench.benchmarks_doc

clean:
	rm -rf $(VENV) *.egg-info build test-artifacts data/encoder .pytest_cache .mypy_cache .ruff_cache
