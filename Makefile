# callinsight: `make run` (install + the nightly flow on the bundled sample) and `make test`.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
OUT    ?= outputs
SAMPLE := flows/sample_data/tweetsumm
FIRST  := 2026-11-24
LAST   := 2026-11-26

.PHONY: install run test test-fast lint bench eval models clean

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	# torch is pinned in constraints.txt so pip takes the CPU build (see README, Installing).
	$(BIN)/pip install --quiet -c constraints.txt -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

## The bundled sample: three nights of real customer-care dialogues, one flow run per night.
run: $(STAMP)
	$(BIN)/callinsight backfill --input $(SAMPLE) --output $(OUT) --from $(FIRST) --to $(LAST)

test: $(STAMP)
	$(BIN)/pytest -q

test-fast: $(STAMP)
	$(BIN)/pytest -q -m "not slow"

lint: $(STAMP)
	$(BIN)/ruff check nlp flows tests

bench: $(STAMP)
	taskset -c 0 $(BIN)/python -m flows.bench.run
	$(BIN)/python -m flows.bench.issues_scale
	$(BIN)/python -m flows.bench.issues_scale --embedder minilm
	$(BIN)/python -m flows.bench.flow_scale

## Quality of every detector on ../shared/data (held-out and cross-corpus splits).
eval: $(STAMP)
	$(BIN)/callinsight eval

## Rebuild the trained artefacts under models/ from ../shared/data.
models: $(STAMP)
	$(BIN)/python -m flows.training.all

clean:
	rm -rf $(OUT)/*/ $(OUT)/_state .prefect .pytest_cache
