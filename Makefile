# mamori — build, test, fuzz, bench, lint.
#
#   make                  build/mamori (release, -O2)
#   make CC=clang         same with clang
#   make SAN=1 BUILD=build/san   ASan+UBSan build (what the tests use)
#   make check            README's test command (scripts/test)
#   make SAN=1 BUILD=build/san fault   allocation-failure runs: allocation N
#                         of mamori's own code fails, N = 1, 2, 3 … until none
#                         is left; each run must return an error or the same
#                         result, never crash or leak (tests/fault/fault.h)
#   make fuzz FUZZ_SECONDS=60    libFuzzer targets, each for FUZZ_SECONDS
#   make bench            benchmarks with their baselines
#   make soak             the cluster and crash tests round after round, under
#                         CPU load (scripts/soak: SOAK_ROUNDS, SOAK_LOAD)
#   make lint             cppcheck + clang-format check + banned functions
#   make fmt              apply .clang-format to every C file
#
# Every module is a folder under src/; all of its .c files go into
# libmamori.a except src/cli, which makes the binary.

SHELL := /bin/bash
BUILD ?= build
SAN ?= 0
FUZZ_SECONDS ?= 30
FUZZ_CC ?= clang

PKGS := libhs jansson libsodium libzstd libcurl libmicrohttpd sqlite3 libevtx
PKGS += libpq libnats
# blocking (src/block)
PKGS += libnftables
# monthly report PDF (src/report)
PKGS += pangocairo fontconfig
# hub certificate reload (src/hub/tls.c): GnuTLS, under libmicrohttpd
PKGS += gnutls
TEST_PKGS := cmocka

# pkg-config name -> Debian package, for the one-line "install X" message.
pkg_deb_libhs := libhyperscan-dev
pkg_deb_jansson := libjansson-dev
pkg_deb_libsodium := libsodium-dev
pkg_deb_libzstd := libzstd-dev
pkg_deb_libcurl := libcurl4-openssl-dev
pkg_deb_libmicrohttpd := libmicrohttpd-dev
pkg_deb_sqlite3 := libsqlite3-dev
pkg_deb_libevtx := libevtx-dev
pkg_deb_cmocka := libcmocka-dev
pkg_deb_libpq := libpq-dev
pkg_deb_pangocairo := libpango1.0-dev
pkg_deb_fontconfig := libfontconfig-dev
pkg_deb_libnftables := libnftables-dev
pkg_deb_libnats := libnats-dev
pkg_deb_gnutls := libgnutls28-dev

missing_pkg = $(firstword $(foreach p,$(1),$(if $(shell pkg-config --exists $(p) && echo y),,$(p))))
check_pkgs = $(if $(call missing_pkg,$(1)),$(error missing library $(call missing_pkg,$(1)): install the Debian package $(pkg_deb_$(call missing_pkg,$(1))) (apt-get install $(pkg_deb_$(call missing_pkg,$(1)))) or run scripts/deps))

WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
        -Wmissing-prototypes -Wpointer-arith -Wvla
CFLAGS ?= -O2 -g
ifeq ($(SAN),1)
CFLAGS := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
          -fno-sanitize-recover=undefined
LDFLAGS += -fsanitize=address,undefined
endif

MODULE_DIRS := $(filter-out src/cli,$(wildcard src/*))
INCLUDES := $(addprefix -I,$(wildcard src/*))
ALL_CFLAGS = -std=c11 -D_GNU_SOURCE $(WARN) $(CFLAGS) $(INCLUDES) \
             $(shell pkg-config --cflags $(PKGS) 2>/dev/null) -MMD -MP
LIBS = $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lpthread -lm
LIBS += -lresolv

LIB_SRC := $(foreach d,$(MODULE_DIRS),$(wildcard $(d)/*.c))
CLI_SRC := $(wildcard src/cli/*.c)
# The default rules (rules/*.rules) are compiled into the library.
RULE_FILES := $(sort $(wildcard rules/*.rules))
GEN_SRC := $(BUILD)/gen/default-rules.c
LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/obj/%.o) $(BUILD)/obj/gen/default-rules.o
CLI_OBJ := $(CLI_SRC:%.c=$(BUILD)/obj/%.o)
UNIT_SRC := $(wildcard tests/unit/test-*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
FAULT_SRC := $(wildcard tests/fault/fault-*.c)
FAULT_BIN := $(FAULT_SRC:tests/fault/%.c=$(BUILD)/fault/%)
FUZZ_SRC := $(wildcard fuzz/fuzz-*.c)
FUZZ_BIN := $(FUZZ_SRC:fuzz/%.c=$(BUILD)/fuzz/%)

.PHONY: all deps-check tests fault check fuzz fuzz-build fuzz-smoke bench soak lint fmt format clean

all: deps-check $(BUILD)/mamori

deps-check:
	$(call check_pkgs,$(PKGS))
	@true

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

$(GEN_SRC): $(RULE_FILES) scripts/embed-rules
	@mkdir -p $(dir $@)
	scripts/embed-rules $(RULE_FILES) > $@.tmp && mv $@.tmp $@

$(BUILD)/obj/gen/default-rules.o: $(GEN_SRC)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

$(BUILD)/libmamori.a: $(LIB_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@
	ar rcs $@ $^

$(BUILD)/mamori: $(CLI_OBJ) $(BUILD)/libmamori.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

tests: deps-check $(UNIT_BIN) $(FAULT_BIN)
	$(call check_pkgs,$(TEST_PKGS))
	@true

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libmamori.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(BUILD)/libmamori.a $(LIBS) -lcmocka

# Fault binaries: mamori's own malloc/calloc/realloc/strdup/strndup calls
# are wrapped at link time so allocation N can be made to fail
# (tests/fault/fault.h).
FAULT_WRAP := -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc,--wrap=strdup,--wrap=strndup

$(BUILD)/fault/%: tests/fault/%.c tests/fault/fault.c tests/fault/fault.h $(BUILD)/libmamori.a
	@mkdir -p $(dir $@)
	$(CC) $(filter-out -MMD -MP,$(ALL_CFLAGS)) -Itests/fault $(LDFLAGS) $(FAULT_WRAP) \
	  -o $@ $< tests/fault/fault.c $(BUILD)/libmamori.a $(LIBS)

fault: deps-check $(FAULT_BIN)
	@for f in $(FAULT_BIN); do $$f || exit 1; done

check:
	scripts/test

# libFuzzer needs clang. The production sources are compiled once with the
# sanitizers and fuzzer coverage into one archive that every target links.
FUZZ_CFLAGS := -std=c11 -D_GNU_SOURCE -g -O1 $(INCLUDES) \
               $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
FUZZ_OBJ := $(LIB_SRC:%.c=$(BUILD)/fuzz/obj/%.o) $(BUILD)/fuzz/obj/gen/default-rules.o
FUZZ_LIB := $(BUILD)/fuzz/libmamori-fuzz.a

fuzz-build: $(FUZZ_BIN)

$(BUILD)/fuzz/obj/gen/default-rules.o: $(GEN_SRC)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link,address,undefined -c $< -o $@

$(BUILD)/fuzz/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link,address,undefined -MMD -MP -c $< -o $@

$(FUZZ_LIB): $(FUZZ_OBJ)
	rm -f $@
	ar rcs $@ $^

$(BUILD)/fuzz/%: fuzz/%.c $(wildcard fuzz/*.h) $(FUZZ_LIB)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer,address,undefined -o $@ $< $(FUZZ_LIB) $(LIBS)

fuzz: fuzz-build
	@for f in $(FUZZ_BIN); do \
	  name=$$(basename $$f); mkdir -p $(BUILD)/fuzz/corpus-$$name; \
	  echo "== $$name ($(FUZZ_SECONDS)s)"; \
	  $$f -max_total_time=$(FUZZ_SECONDS) -max_len=70000 -print_final_stats=1 \
	      $(BUILD)/fuzz/corpus-$$name fuzz/corpus/$$name 2>&1 | grep -E 'stat::number_of_executed_units|ERROR|SUMMARY' ; \
	  test $${PIPESTATUS[0]} -eq 0 || exit 1; \
	done

bench: all
	bench/run

soak:
	scripts/soak

lint:
	scripts/lint

fmt format:
	clang-format -i $$(git ls-files -co --exclude-standard 'src/*.c' 'src/*.h' 'tests/*.c' 'tests/*.h' 'fuzz/*.c' 'fuzz/*.h' 'bench/*.c')

clean:
	rm -rf build

-include $(LIB_OBJ:.o=.d) $(CLI_OBJ:.o=.d) $(FUZZ_OBJ:.o=.d)

# The incident first-response checklist (data/incident/first-response.tsv)
# is compiled into the library like the rules (src/hub/cases.c).
CHECKLIST_SRC := $(BUILD)/gen/checklist.c
$(BUILD)/libmamori.a: $(BUILD)/obj/gen/checklist.o
$(CHECKLIST_SRC): data/incident/first-response.tsv scripts/embed-checklist
	@mkdir -p $(dir $@)
	scripts/embed-checklist $< > $@.tmp && mv $@.tmp $@
$(BUILD)/obj/gen/checklist.o: $(CHECKLIST_SRC)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c $< -o $@
$(FUZZ_LIB): $(BUILD)/fuzz/obj/gen/checklist.o
$(BUILD)/fuzz/obj/gen/checklist.o: $(CHECKLIST_SRC)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link,address,undefined -c $< -o $@

# The web console (console/*) is compiled into the hub (src/hub/console.c
# serves it): scripts/embed-console writes $(BUILD)/gen/console-assets.c.
CONSOLE_FILES := $(sort $(wildcard console/*))
CONSOLE_GEN := $(BUILD)/gen/console-assets.c

$(CONSOLE_GEN): $(CONSOLE_FILES) scripts/embed-console
	@mkdir -p $(dir $@)
	scripts/embed-console $(CONSOLE_FILES) > $@.tmp && mv $@.tmp $@

$(BUILD)/obj/gen/console-assets.o: $(CONSOLE_GEN)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

$(BUILD)/fuzz/obj/gen/console-assets.o: $(CONSOLE_GEN)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link,address,undefined -c $< -o $@

$(BUILD)/libmamori.a: $(BUILD)/obj/gen/console-assets.o
$(FUZZ_LIB): $(BUILD)/fuzz/obj/gen/console-assets.o
