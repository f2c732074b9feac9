# tolsim: the two Quick-start commands and a few conveniences. Real work is done by CMake presets.
JOBS ?= $(shell nproc)
PREFIX ?= /usr/local

.PHONY: all deps build demo test install clean

all: build

deps:
	@scripts/install-deps

build: deps
	@cmake --preset release >/dev/null
	@cmake --build --preset release -j $(JOBS)

demo: build
	@echo "demo: not yet wired"

test: build
	@ctest --preset release -j $(JOBS)

install: build
	cmake --install build --prefix $(PREFIX)

clean:
	rm -rf build build-debug build-asan
