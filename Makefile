# Entry points; README.md describes each. Paths may be relative or absolute.
RAW ?= raw
OUT ?= out
GOLD ?= tests/fixtures/gold.csv

.PHONY: build-dataset test typecheck evaluate explain docs diff notebook corpus bench

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

build-dataset: node_modules/.package-lock.json
	npx tsx pipeline/run.ts --raw "$(RAW)" --out "$(OUT)" $(if $(filter 1,$(STRICT)),--strict) $(if $(THREADS),--threads "$(THREADS)") $(if $(CACHE),--cache "$(CACHE)")

typecheck: node_modules/.package-lock.json
	npx tsc --noEmit

test: node_modules/.package-lock.json typecheck
	npx vitest run

evaluate: node_modules/.package-lock.json
	npx tsx tools/evaluate.ts --raw "$(RAW)" --gold "$(GOLD)"

explain: node_modules/.package-lock.json
	npx tsx tools/explain.ts --ref "$(REF)" --out "$(OUT)" --raw "$(RAW)"

docs: node_modules/.package-lock.json
	npx tsx tools/data-dictionary.ts

DIFF_JSON ?= diff.json
diff: node_modules/.package-lock.json
	@npx tsx tools/diff.ts --old "$(OLD)" --new "$(NEW)" --json "$(DIFF_JSON)"

# Executes notebooks/explore.ipynb against OUT with Debian's Jupyter (python3-ipykernel,
# python3-pandas, python3-matplotlib); fails when a cell fails.
notebook:
	OUT="$(abspath $(OUT))" RAW="$(abspath $(RAW))" PATH="/usr/bin:$$PATH" jupyter nbconvert --to notebook --execute notebooks/explore.ipynb --output-dir "$$(mktemp -d)"

# A synthetic corpus for scale tests; OUT here names the corpus folder (default corpus-<SIZE>).
SIZE ?= 10MB
corpus: node_modules/.package-lock.json
	npx tsx tools/corpus.ts --size "$(SIZE)" --out "$(if $(filter command line,$(origin OUT)),$(OUT),corpus-$(SIZE))"

# Speed and memory on synthetic corpora (not a test); REPEAT=3 for medians of three.
SIZES ?= 100MB 1GB
REPEAT ?= 1
bench: node_modules/.package-lock.json
	npx tsx tools/bench.ts --sizes "$(SIZES)" --repeat "$(REPEAT)"
