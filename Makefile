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

# The default job: the shipped example trial, its endpoint table on the terminal, its results and report on disk.
DEMO_TRIAL = trials/example-crp-il6r.yaml
demo: build
	@echo ""
	@echo "tolsim demo: an in-silico trial of an IL-6-receptor antibody against placebo on CRP, 200 virtual patients"
	@echo "(an engine example on a small published model structure, not a calibrated disease model)."
	@echo ""
	@build/bin/tolsim trial $(DEMO_TRIAL) --out build/demo/example-crp-il6r --force
	@echo "demo: open build/demo/example-crp-il6r/report.html in a browser; spec: $(DEMO_TRIAL)"

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
