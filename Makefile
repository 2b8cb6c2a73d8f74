# Entry points; README.md describes each. Paths may be relative or absolute.
RAW ?= raw
OUT ?= out
GOLD ?= tests/fixtures/gold.csv
DIFF_JSON ?= diff.json
# corpus: its size; OUT names the corpus folder there (default corpus-<SIZE>).
SIZE ?= 10MB
# bench: corpus sizes and repetitions (REPEAT=3 for medians of three).
SIZES ?= 100MB 1GB
REPEAT ?= 1
# notebook: the jupyter command (tests/safety/makefile.test.ts passes a stand-in).
JUPYTER ?= jupyter

# Values reach commands as one shell word each, taken literally: make expands nothing in
# them ($(value), and unexport, because make expands what it exports; unexport also defines a
# variable not yet defined, as empty, so defaults come before it) and the shell nothing
# either (single quotes, each ' written as '\''). So REF='`touch x`' is text, never a command.
quote = '$(subst ','\'',$(value $(1)))'
unexport RAW OUT GOLD REF OLD NEW DIFF_JSON EXIT_CODE STRICT THREADS PARTITIONS LAUNCHER WORK CPUS_PER_TASK MEM SLURM_PARTITION TIME_LIMIT CACHE DEBUG SIZE SIZES REPEAT JUPYTER FIGURES_ONLY RECORD SEASON

.PHONY: build-dataset test typecheck evaluate calibrate catalog-coverage explain docs diff notebook corpus bench

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

# The programs below run as JavaScript bundled from the TypeScript sources (tools/bundle.ts),
# remade whenever a source changed; dist/meta.json is written last. Silent, so that what a
# program prints (make diff's report) is all that a target prints.
dist/meta.json: node_modules/.package-lock.json $(wildcard pipeline/*.ts pipeline/*/*.ts schemas/*.ts tools/*.ts)
	@npx tsx tools/bundle.ts dist

build-dataset: dist/meta.json
	DEBUG=$(call quote,DEBUG) node dist/run.mjs --raw $(call quote,RAW) --out $(call quote,OUT) $(if $(filter 1,$(value STRICT)),--strict) \
	  $(if $(value THREADS),--threads $(call quote,THREADS)) $(if $(value PARTITIONS),--partitions $(call quote,PARTITIONS)) \
	  $(if $(value CACHE),--cache $(call quote,CACHE)) $(if $(value LAUNCHER),--launcher $(call quote,LAUNCHER)) $(if $(value WORK),--work $(call quote,WORK)) \
	  $(if $(value CPUS_PER_TASK),--cpus-per-task $(call quote,CPUS_PER_TASK)) $(if $(value MEM),--mem $(call quote,MEM)) \
	  $(if $(value SLURM_PARTITION),--slurm-partition $(call quote,SLURM_PARTITION)) $(if $(value TIME_LIMIT),--time $(call quote,TIME_LIMIT))

typecheck: node_modules/.package-lock.json
	npx tsc --noEmit

test: node_modules/.package-lock.json typecheck dist/meta.json
	npx vitest run

# FIGURES_ONLY=1 prints no paragraph's text (for the blind set); RECORD=<file> writes the figures as JSON.
evaluate: dist/meta.json
	node dist/evaluate.mjs --raw $(call quote,RAW) --gold $(call quote,GOLD) $(if $(filter 1,$(value FIGURES_ONLY)),--figures-only) \
	  $(if $(value RECORD),--record $(call quote,RECORD))

# Fits the episode scores' calibration (pipeline/link/calibration.json) on the development set, never the blind set.
calibrate: node_modules/.package-lock.json
	npx tsx tools/calibrate.ts

# Per episode, the storylines, guests and terms the catalog has for it (SEASON=3 for one season).
catalog-coverage: node_modules/.package-lock.json
	npx tsx tools/catalog-coverage.ts $(if $(value SEASON),--season $(call quote,SEASON))

explain: dist/meta.json
	node dist/explain.mjs --ref $(call quote,REF) --out $(call quote,OUT) --raw $(call quote,RAW)

docs: dist/meta.json
	node dist/data-dictionary.mjs

# Exits 0 whether or not anything changed (the output says which); EXIT_CODE=1 makes a
# change fail it, like `git diff --exit-code` (make reports any failure as exit 2).
diff: dist/meta.json
	@node dist/diff.mjs --old $(call quote,OLD) --new $(call quote,NEW) --json $(call quote,DIFF_JSON) $(if $(filter 1,$(value EXIT_CODE)),--exit-code)

# Executes notebooks/explore.ipynb against OUT with Debian's Jupyter (python3-ipykernel,
# python3-pandas, python3-matplotlib); fails when a cell fails.
notebook:
	OUT="$$(realpath -m -- $(call quote,OUT))" RAW="$$(realpath -m -- $(call quote,RAW))" PATH="/usr/bin:$$PATH" $(call quote,JUPYTER) nbconvert --to notebook --execute notebooks/explore.ipynb --output-dir "$$(mktemp -d)"

# A synthetic corpus for scale tests; OUT here names the corpus folder (default corpus-<SIZE>).
corpus: dist/meta.json
	node dist/corpus.mjs --size $(call quote,SIZE) --out $(if $(filter command line,$(origin OUT)),$(call quote,OUT),corpus-$(call quote,SIZE))

# Speed and memory on synthetic corpora (not a test); REPEAT=3 for medians of three.
bench: dist/meta.json
	node dist/bench.mjs --sizes $(call quote,SIZES) --repeat $(call quote,REPEAT)

# A one-node Slurm cluster on this machine for the Slurm launcher (docs/cluster.md): state, logs
# and slurm.conf in CLUSTER_DIR. test-cluster brings it up when needed and leaves it running.
CLUSTER_DIR ?= /tmp/satc-slurm
unexport CLUSTER_DIR
.PHONY: cluster-up cluster-down test-cluster

cluster-up:
	bash tools/cluster/up.sh $(call quote,CLUSTER_DIR)

cluster-down:
	bash tools/cluster/down.sh $(call quote,CLUSTER_DIR)

test-cluster: dist/meta.json cluster-up
	SLURM_CONF="$$(realpath -m -- $(call quote,CLUSTER_DIR))/slurm.conf" REQUIRE_CLUSTER=1 npx vitest run tests/launch/slurm-cluster.test.ts tests/launch/slurm-build.test.ts
