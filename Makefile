# camrec: `make run` records the seed's clip, `make test` runs every test.
# Each target first installs what is missing (Debian packages), then configures and builds.

BUILD ?= build
JOBS ?= 2
CMAKE_FLAGS ?= -DCMAKE_BUILD_TYPE=RelWithDebInfo

.PHONY: all deps build run test test-asan bench fuzz clean

all: build

deps:
	@bash scripts/install-deps.sh

build: deps
	@cmake -S . -B $(BUILD) $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD) -j$(JOBS)

# The seed's recording: test pattern, 1280x720 H.264 Main, 200 frames, into test.mp4.
run: build
	./$(BUILD)/camrec record -o test.mp4 --frames 200 --size 1280x720 --codec h264
	./$(BUILD)/camrec info test.mp4

test: build
	cd $(BUILD) && ctest -j$(JOBS) --output-on-failure --timeout 900

# The whole suite again under AddressSanitizer + UndefinedBehaviorSanitizer.
test-asan: deps
	@cmake -S . -B $(BUILD)-asan -DCMAKE_BUILD_TYPE=Debug -DCAMREC_SANITIZE=ON -DCAMREC_BENCH=OFF >/dev/null
	@cmake --build $(BUILD)-asan -j$(JOBS)
	cd $(BUILD)-asan && ctest -j$(JOBS) --output-on-failure --timeout 1800

bench: build
	bash bench/run.sh $(BUILD)

clean:
	rm -rf $(BUILD) $(BUILD)-asan $(BUILD)-fuzz
