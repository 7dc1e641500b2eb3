# guanxi — the two commands a newcomer needs:
#   make demo   installs what is missing, builds, and serves a demo shop (chain 2+1 plan, products,
#               an owner account, members in a small referral tree with paid orders, settled rewards,
#               closed days, a pending withdrawal and refund request) on 127.0.0.1:8080
#   make test   installs what is missing, builds with warnings as errors, runs every test (also under
#               address and undefined-behaviour sanitizers)
# and for measuring: make bench (the engine), make load (HTTP load of a 1,000,000-member shop with wrk;
# seeding it takes ~10 minutes the first time; figures in docs/benchmarks.md), make fuzz (every libFuzzer
# target for FUZZ_SECONDS each, default 60; crashing inputs in build/fuzz-artifacts/).
JOBS ?= $(shell nproc)

.PHONY: deps build web demo replay-demo test test-release test-asan test-web test-fuzz fuzz bench load clean
DEMO_DB ?= build/demo/guanxi.db
LISTEN ?= 127.0.0.1:8080

deps:
	./scripts/install-deps

build: deps
	cmake --preset release >/dev/null
	cmake --build --preset release -j $(JOBS)

# The web console (/admin/) and the member H5 store (/), built to web/dist (docs/web.md).
web: deps
	cd web && npm run build --silent

demo: build web
	mkdir -p $(dir $(DEMO_DB))
	./build/release/src/cli/guanxi serve --db $(DEMO_DB) --listen $(LISTEN) --plan plans/chain-2plus1-699.toml --demo --static web/dist

replay-demo: build
	./build/release/src/cli/guanxi replay --plan plans/chain-2plus1-699.toml tests/scenarios/spec-example-2.jsonl

test: test-release test-asan test-web test-fuzz

test-release: deps
	cmake --preset ci >/dev/null
	cmake --build --preset ci -j $(JOBS)
	ctest --preset ci -j $(JOBS)

test-asan: deps
	cmake --preset asan >/dev/null
	cmake --build --preset asan -j $(JOBS)
	ctest --preset asan -j $(JOBS)

# The web app: type check, unit tests (Vitest), then the end-to-end tests in headless Chromium against
# the ci build of `guanxi serve` (screenshots in build/e2e-artifacts).
test-web: deps
	cmake --preset ci >/dev/null
	cmake --build --preset ci -j $(JOBS) --target guanxi
	cd web && npm run build --silent
	cd web && npm run typecheck --silent
	cd web && npx vitest run
	cd web && GUANXI_BIN=$(CURDIR)/build/ci/src/cli/guanxi E2E_ARTIFACTS=$(CURDIR)/build/e2e-artifacts timeout 720 node --test --test-concurrency=1 e2e/shop.test.mjs e2e/screens.test.mjs e2e/forms.test.mjs e2e/reasons.test.mjs

# The fuzz targets (fuzz/, built by Debian's clang 14 under address and undefined-behaviour sanitizers),
# each for FUZZ_SECONDS on a scratch copy of its seed corpus (scripts/run-fuzz); a crash fails the target.
FUZZ_SECONDS ?= 60
fuzz: deps
	cmake --preset fuzz >/dev/null
	cmake --build --preset fuzz -j $(JOBS)
	./scripts/run-fuzz $(FUZZ_SECONDS)

# The same briefly, for `make test` (CI): 10 s per target, so that the step stays near 5 minutes with the
# clang build on 2 cores (docs/benchmarks.md, "Fuzzing").
test-fuzz: deps
	cmake --preset fuzz >/dev/null
	cmake --build --preset fuzz -j $(JOBS)
	./scripts/run-fuzz 10

bench: build
	./build/release/bench/engine_bench

load: build
	./bench/load/run.sh

clean:
	rm -rf build
