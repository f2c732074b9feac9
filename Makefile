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

# The default job: an in-silico trial of MSC therapy added to methotrexate vs methotrexate alone in RA, on the
# composed immune/RA/MSC model; its endpoint table on the terminal, results and report (with the published
# benchmark numbers beside the simulated ones) on disk.
DEMO_TRIAL = trials/ra-msc-vs-control.yaml
demo: build
	@echo ""
	@echo "tolsim demo: umbilical-cord MSCs + methotrexate vs placebo + methotrexate in MTX-inadequate responders with"
	@echo "active RA, 150 virtual patients each treated in both arms, 24 weeks (models/ra-msc.yaml; published benchmarks in the report)."
	@echo ""
	@build/bin/tolsim trial $(DEMO_TRIAL) --out build/demo/ra-msc-vs-control --force
	@echo "demo: open build/demo/ra-msc-vs-control/report.html in a browser; spec: $(DEMO_TRIAL)"
	@echo "note: the RA model is only partly calibrated; 'agrees NO' above marks gaps documented in docs/calibration.md."

# The whole suite, twice: the Release build, then the same tests under AddressSanitizer and UBSan (build-asan/).
test: test-release test-asan

test-release: build
	@ctest --preset release -j $(JOBS)
	@awk '/^[0-9]+\/[0-9]+ Test: / { name = $$3 ~ /^conformance\./ ? substr($$3, 13) : "" } \
	      name != "" && /^[0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$$/ { print "SBML Test Suite (" name "): " $$0 }' \
	     build/Testing/Temporary/LastTest.log

build-asan: deps
	@cmake --preset asan >/dev/null
	@cmake --build --preset asan -j $(JOBS) -- --no-print-directory

test-asan: build-asan
	@ctest --preset asan -j $(JOBS)

install: build
	cmake --install build --prefix $(PREFIX)

clean:
	rm -rf build build-debug build-asan
