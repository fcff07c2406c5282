# SPDX-License-Identifier: LGPL-2.1-or-later
# camrec: `make run` records the seed's clip, `make test` runs every test.
# Each target first installs what is missing (Debian packages), then configures and builds
# only what it runs: `make run` the library and the CLI, `make test` also the tests and
# examples, `make bench` the benchmarks.

BUILD ?= build
PREFIX ?= /usr/local
JOBS ?= 2
CMAKE_FLAGS ?= -DCMAKE_BUILD_TYPE=RelWithDebInfo
FUZZ_SECONDS ?= 60
FUZZ_CI_SECONDS ?= 45
FUZZ_TARGETS := fuzz_box_reader fuzz_demuxer fuzz_annexb fuzz_recover fuzz_muxer

.PHONY: all deps deps-build configure build run install deb test test-asan test-tsan bench fuzz fuzz-build fuzz-ci fuzz-run clean

all: build

deps:
	@bash scripts/install-deps.sh

deps-build:
	@bash scripts/install-deps.sh build

configure:
	@cmake -S . -B $(BUILD) $(CMAKE_FLAGS) >/dev/null

# The library, the CLI, the examples and the tests (not the benchmarks).
build: deps configure
	@cmake --build $(BUILD) -j$(JOBS)

# The seed's recording: test pattern, 1280x720 H.264 Main, 200 frames, into test.mp4.
# Builds the library and the CLI only, so a first run does not wait for the test suite.
run: deps-build configure
	@cmake --build $(BUILD) -j$(JOBS) --target camrec_cli camrec_python
	./$(BUILD)/camrec record -y -o test.mp4 --frames 200 --size 1280x720 --codec h264
	./$(BUILD)/camrec info test.mp4

# What `cmake --install` installs (see cmake/library.cmake), built without the tests.
INSTALL_TARGETS := camrec_cli camrec_shared camrec_static camrec_man camrec_changelog

# The library, headers, CMake package, camrec.pc, the CLI, man page and bash completion
# under PREFIX (DESTDIR=... stages them).
install: deps-build
	@cmake -S . -B $(BUILD) $(CMAKE_FLAGS) -DCMAKE_INSTALL_PREFIX=$(PREFIX) >/dev/null
	@cmake --build $(BUILD) -j$(JOBS) --target $(INSTALL_TARGETS)
	cmake --install $(BUILD)

# camrec_<version>_amd64.deb and camrec-dev_<version>_amd64.deb in BUILD (CPack; Depends from
# dpkg-shlibdeps). Install with: sudo apt-get install ./build/camrec_*.deb ./build/camrec-dev_*.deb
deb: deps
	@cmake -S . -B $(BUILD) $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD) -j$(JOBS) --target $(INSTALL_TARGETS)
	cd $(BUILD) && cpack -G DEB

test: build
	cd $(BUILD) && ctest -j$(JOBS) --output-on-failure --timeout 900

# The whole suite again under AddressSanitizer + UndefinedBehaviorSanitizer.
test-asan: deps
	@cmake -S . -B $(BUILD)-asan -DCMAKE_BUILD_TYPE=Debug -DCAMREC_SANITIZE=ON -DCAMREC_BENCH=OFF >/dev/null
	@cmake --build $(BUILD)-asan -j$(JOBS)
	cd $(BUILD)-asan && ctest -j$(JOBS) --output-on-failure --timeout 1800

# The concurrency tests (CTest label `concurrency`) under ThreadSanitizer: only their
# binary is built, so it stays cheap enough for every CI run.
test-tsan: deps
	@cmake -S . -B $(BUILD)-tsan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCAMREC_TSAN=ON -DCAMREC_BENCH=OFF >/dev/null
	@cmake --build $(BUILD)-tsan -j$(JOBS) --target test_concurrency
	cd $(BUILD)-tsan && TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" \
	  ctest -j$(JOBS) -L concurrency --output-on-failure --timeout 900

# libFuzzer targets (clang-14, ASan + UBSan) in their own build tree; see fuzz/run.sh.
fuzz-build: deps
	@CC=clang-14 CXX=clang++-14 cmake -S . -B $(BUILD)-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCAMREC_FUZZ=ON \
	  -DCAMREC_TESTS=OFF -DCAMREC_BENCH=OFF >/dev/null
	@cmake --build $(BUILD)-fuzz -j$(JOBS) --target fuzzers

# Every fuzzer for FUZZ_SECONDS from its seed corpus; any crash, leak, hang or OOM fails.
fuzz: fuzz-build
	@$(MAKE) --no-print-directory fuzz-run FUZZ_RUN_SECONDS=$(FUZZ_SECONDS)

# The short bounded run CI does.
fuzz-ci: fuzz-build
	@$(MAKE) --no-print-directory fuzz-run FUZZ_RUN_SECONDS=$(FUZZ_CI_SECONDS)

fuzz-run:
	@passed=0; failed=0; for t in $(FUZZ_TARGETS); do \
	  if BUILD=$(BUILD)-fuzz bash fuzz/run.sh $$t $(FUZZ_RUN_SECONDS); then passed=$$((passed + 1)); \
	  else failed=$$((failed + 1)); echo "FAILED: $$t (input in $(BUILD)-fuzz/artifacts/$$t/)"; fi; \
	done; echo "fuzz: $$passed passed, $$failed failed"; [ $$failed -eq 0 ]

bench: deps configure
	@cmake --build $(BUILD) -j$(JOBS) --target camrec_cli bench_measure bench_micro bench_day bench_channels
	bash bench/run.sh $(BUILD)

clean:
	rm -rf $(BUILD) $(BUILD)-asan $(BUILD)-tsan $(BUILD)-fuzz
