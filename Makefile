# tolsim: the two Quick-start commands and a few conveniences. Real work is done by CMake presets.
JOBS ?= $(shell nproc)
PREFIX ?= /usr/local

.PHONY: all deps build build-asan demo test test-release test-asan install clean

all: build

deps:
	@scripts/install-deps

build: deps
	@cmake --preset release >/dev/null
	@cmake --build --preset release -j $(JOBS) -- --no-print-directory

# The default job: a shipped example simulated with its scenario, a short table on the terminal, the CSV on disk.
DEMO_MODEL = examples/immune-th17-treg.yaml
DEMO_SCENARIO = examples/immune-th17-treg.scenario.yaml
demo: build
	@mkdir -p build/demo
	@echo ""
	@echo "tolsim demo: a toy Th17/Treg/IL-6 loop (an engine example, not a calibrated disease model) given three"
	@echo "infusions of an IL-6-receptor blocker, 8 mg/kg every 4 weeks, and followed for a year."
	@echo ""
	@build/bin/tolsim simulate $(DEMO_MODEL) --scenario $(DEMO_SCENARIO) --out build/demo/immune-th17-treg.csv --summary
	@echo "demo: wrote build/demo/immune-th17-treg.csv (one row per day). Model: $(DEMO_MODEL), doses: $(DEMO_SCENARIO)"

# The whole suite, twice: the Release build, then the same tests under AddressSanitizer and UBSan (build-asan/).
test: test-release test-asan

test-release: build
	@ctest --preset release -j $(JOBS)

build-asan: deps
	@cmake --preset asan >/dev/null
	@cmake --build --preset asan -j $(JOBS) -- --no-print-directory

test-asan: build-asan
	@ctest --preset asan -j $(JOBS)

install: build
	cmake --install build --prefix $(PREFIX)

clean:
	rm -rf build build-debug build-asan
