# Set-up and everyday commands. `make demo` and `make test` install what they need.
SWIFT ?= swift
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
DEMO_DIR ?= demo
# Release builds are static executables: the Swift runtime and libraries, libzstd, libstdc++ and
# libc all linked in, so a binary runs on any x86-64 Linux without them and starts with no
# dynamic loader at all: `traceanalyze --version` in 2.1 ms instead of 3.7 ms with the Swift
# runtime alone linked statically (the loader relocated 41,000 addresses and bound 1,900 symbols
# of libstdc++ and libzstd; some 4 ms more before the Swift runtime itself was linked
# statically), the 1-minute trace's analysis 2.4 ms sooner.
# The binary loads at a fixed address (the stack, heap and mappings are still randomised); none
# of the libc calls that need shared libraries at run time (name service, dlopen) is made.
# The toolchain's lld links them: the default linker warns about a libc call inside the static
# FoundationEssentials, which is not ours to change. Link-time optimisation across modules (the
# simulator inlines TraceFormat's and swift-collections' code it calls per event) cuts each
# simulated minute from 98.7M to 94.0M instructions and analysing a 10-minute trace by 3.9%; traces
# and reports are byte-identical. It adds about 45 s to a clean release build.
# Concrete generic types (`KeyedDecodingContainer<CodingKeys>`, ArgumentParser's `Option<String?>`)
# are reached through their metadata accessors, not looked up by mangled name: the lookup checks
# each generic requirement by scanning all 4,479 protocol conformance records of the binary, which
# was half the instructions of analysing a 1 s trace (22.8M -> 16.3M; docs/performance.md).
RELEASE_BUILD = $(SWIFT) build -c release -Xswiftc -static-executable -Xswiftc -use-ld=lld --experimental-lto-mode=full \
	-Xswiftc -Xfrontend -Xswiftc -disable-concrete-type-metadata-mangled-name-accessors

.PHONY: deps test-deps build release test demo bench bench-instructions fuzz clean

# libzstd-dev provides zstd.h and libzstd.pc for the CZstd system library target; the zstd command
# seeds the fuzzing corpus (make test, make fuzz) and is the yardstick of make bench.
deps:
	@if ! pkg-config --exists libzstd 2>/dev/null || ! command -v zstd >/dev/null; then \
		echo "installing libzstd-dev, pkg-config and zstd (apt)"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq libzstd-dev pkg-config zstd >/dev/null; \
	fi

# pyzstd is an independent reader of the zstd seekable format, used by one interoperability test.
test-deps: deps
	@python3 -c 'import pyzstd' 2>/dev/null || python3 -m pip install -q pyzstd >/dev/null 2>&1 || \
		echo "pyzstd unavailable: the seekable-format interoperability test will be skipped"

build: deps
	$(SWIFT) build

release: deps
	$(RELEASE_BUILD)

# Then a short fuzzing run of each target, so that the fuzzing harnesses (linked outside SwiftPM)
# keep compiling, the reader meets a few thousand mutated traces and the analysis a few hundred
# mutated event streams on every run.
test: test-deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build
	FUZZ_SECONDS=15 FUZZ_DIR=/tmp/raft-trace-fuzz-smoke Fuzz/run.sh

# The main job: record the rejoin scenario without pre-vote and explain it in an HTML report.
demo: deps
	$(RELEASE_BUILD) --product raftrecord
	$(RELEASE_BUILD) --product traceanalyze
	@mkdir -p $(DEMO_DIR)
	.build/release/raftrecord run --scenario rejoin -o $(DEMO_DIR)/rejoin.trace
	.build/release/traceanalyze $(DEMO_DIR)/rejoin.trace
	.build/release/traceanalyze $(DEMO_DIR)/rejoin.trace --report html --verify-advice -o $(DEMO_DIR)/rejoin.html
	.build/release/traceanalyze $(DEMO_DIR)/rejoin.trace --report chrome -o $(DEMO_DIR)/rejoin.chrome.json
	@echo "open $(DEMO_DIR)/rejoin.html in a browser (rejoin.chrome.json opens in ui.perfetto.dev)"

bench: release
	Benchmarks/run.sh

# libFuzzer + AddressSanitizer on the trace reader and on the analysis with its reports
# (FUZZ_SECONDS each, default 300; FUZZ_TARGETS="trace" or "analysis" for one; make test runs 15 s).
fuzz: deps
	Fuzz/run.sh

# Instruction counts (valgrind), steady from run to run where wall time is not.
bench-instructions: release
	Benchmarks/instructions.sh

clean:
	rm -rf .build $(DEMO_DIR)
