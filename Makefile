# adac - GNU Makefile.  `make` builds lib/libadac.a and every program in
# tools/ (adac-live also links live/'s archive, libadac-live.a); `make
# check` runs the unit and CLI tests; SANITIZE=1 builds and tests
# everything under AddressSanitizer and UBSan in a separate tree.

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
LIBDIR ?= $(PREFIX)/lib
# headers go to INCDIR/adac: a consumer writes #include <adac/ir.h>
INCDIR ?= $(PREFIX)/include
# The compile worker is found at BINDIR/../libexec/adac/ (or through
# $ADAC_FAUST_WORKER): keep LIBEXECDIR beside BINDIR.
LIBEXECDIR ?= $(PREFIX)/libexec
MANDIR ?= $(PREFIX)/share/man
PKGDIR ?= $(LIBDIR)/pkgconfig

CC ?= cc
CFLAGS ?= -O2 -g
# -Werror only where a warning must stop the work: `make check`, which CI
# runs (.ci/run), and whoever asks (WERROR=-Werror).  A user building a
# release with a newer compiler is not stopped by a warning it adds.
WERROR ?=
WARN = -std=c11 -Wall -Wextra $(WERROR) -Wshadow -Wstrict-prototypes \
       -Wmissing-prototypes -Wno-missing-field-initializers
CPPFLAGS += -D_DEFAULT_SOURCE -D_POSIX_C_SOURCE=200809L -Ilib
# LAPACKE, ARPACK and OpenBLAS are not linked: lib/linalg.c opens them on
# first use (-ldl), which saves every program that does not need them the
# time to load them at start-up.
LDLIBS = -ljansson -lsndfile -lfftw3 -ldl -lpthread -lm
# live/ is adac-live's real-time host (audio drivers, HTTP, OSC, QR codes):
# an archive of its own, so that libadac and adac.pc need none of these.
# It may include lib/'s headers; lib/ never includes live/'s.
LIVE_CPPFLAGS = -Ilive
LIVE_LDLIBS = -lmicrohttpd -lcurl -llo -lqrencode -ljack
# plugin/ is adac-plugin's builder and the LV2 host (liblilv) that
# adac-plugin verifies with and adac-diff renders a bundle with: an
# archive of its own too, so that libadac needs no plugin host.
# liblilv, the LV2 host library: plugin/, and the live plugin's test host
LILV_CFLAGS := $(shell pkg-config --cflags lilv-0)
LILV_LIBS := $(shell pkg-config --libs lilv-0)
PLUGIN_CPPFLAGS = -Iplugin $(LILV_CFLAGS)
PLUGIN_LDLIBS = $(LILV_LIBS)

# The library's API as installed: the pipeline's stages and what their
# prototypes need.  The rest of lib/*.h is internal to libadac and its
# programs (cli.h, the worker's protocol, the numerics' helpers).
PUBLIC_H := error.h ir.h lower.h certify.h freq.h emit_faust.h diff.h \
            render.h faust_jit.h response.h sim.h model.h export.h \
            structure.h certificate.h precision.h version.h fixpoint.h
# what a consumer of the static library links after -ladac (adac.pc)
PC_REQUIRES := jansson sndfile fftw3
PC_LIBS := -ldl -lpthread -lm

# Only the programs that call libfaust load it (and LLVM): a tool that does
# not costs no start-up time for it.
LDFLAGS += -Wl,--as-needed

ifeq ($(SANITIZE),1)
BUILD ?= build/sanitize
CFLAGS += -O1 -fsanitize=address,undefined -fno-omit-frame-pointer \
          -fno-sanitize-recover=undefined
LDFLAGS += -fsanitize=address,undefined
else
BUILD ?= build
endif

LIB_SRC := $(wildcard lib/*.c)
LIB_OBJ := $(LIB_SRC:lib/%.c=$(BUILD)/lib/%.o)
LIB_A := $(BUILD)/libadac.a
LIVE_SRC := $(wildcard live/*.c)
LIVE_OBJ := $(LIVE_SRC:live/%.c=$(BUILD)/live/%.o)
LIVE_A := $(BUILD)/libadac-live.a
# the programs and tests that link live/, and how
LIVE_USERS := $(BUILD)/bin/adac-live $(BUILD)/tests/test_live \
              $(BUILD)/tests/test_live_mdns
PLUGIN_SRC := $(wildcard plugin/*.c)
PLUGIN_OBJ := $(PLUGIN_SRC:plugin/%.c=$(BUILD)/plugin/%.o)
PLUGIN_A := $(BUILD)/libadac-plugin.a
PLUGIN_USERS := $(BUILD)/bin/adac-plugin $(BUILD)/bin/adac-diff
TOOLS := $(patsubst tools/%.c,$(BUILD)/bin/%,$(wildcard tools/*.c))
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
BENCH_SRC := $(wildcard bench/*.c)
BENCH := $(BENCH_SRC:bench/%.c=$(BUILD)/bench/%)
# every libfaust compile runs in this worker, which the programs find at
# ../libexec/adac/ from their own directory: build/bin, build/tests...
WORKER := $(BUILD)/libexec/adac/adac-faust-worker

# adac-live's engine as an LV2 plugin: a bundle that carries its own
# compile worker, so that it works wherever a host finds it
LV2_BUNDLE := $(BUILD)/lv2/adac-live.lv2
LV2_FILES := $(LV2_BUNDLE)/adac-live.so $(LV2_BUNDLE)/manifest.ttl \
             $(LV2_BUNDLE)/adac-live.ttl $(LV2_BUNDLE)/adac-faust-worker
LV2DIR ?= $(LIBDIR)/lv2

.PHONY: all check demo bench install uninstall clean fuzz fuzz-smoke fuzz-build
all: $(LIB_A) $(TOOLS) $(WORKER) $(LV2_FILES) lib/libadac.a

# The issue names lib/libadac.a: keep a copy there for the default build.
lib/libadac.a: $(LIB_A)
	@if [ "$(BUILD)" = build ]; then cp $(LIB_A) $@; fi

# -fPIC: the LV2 plugin links these into a shared object
$(BUILD)/lib/%.o: lib/%.c $(wildcard lib/*.h) | $(BUILD)/lib
	$(CC) $(CPPFLAGS) $(WARN) $(CFLAGS) -fPIC -c -o $@ $<

# fixdiff.c compiles the shipped header and architecture in (.incbin)
$(BUILD)/lib/fixdiff.o: include/adac/fixpoint.hpp include/adac/fixpoint-arch.cpp

# Makefile too: an archive made before a module moved out keeps its object
$(LIB_A): $(LIB_OBJ) Makefile
	rm -f $@
	ar rcs $@ $(LIB_OBJ)

$(BUILD)/live/%.o: live/%.c $(wildcard lib/*.h live/*.h) | $(BUILD)/live
	$(CC) $(CPPFLAGS) $(LIVE_CPPFLAGS) $(WARN) $(CFLAGS) -fPIC -c -o $@ $<

$(LIVE_A): $(LIVE_OBJ)
	rm -f $@
	ar rcs $@ $^

$(LIVE_USERS): $(LIVE_A) $(wildcard live/*.h)
# private: the library objects these pull in are not built with -Ilive
$(LIVE_USERS): private CPPFLAGS += $(LIVE_CPPFLAGS)
$(LIVE_USERS): private LIVE_LINK = $(LIVE_A) $(LIVE_LDLIBS)

$(BUILD)/plugin/%.o: plugin/%.c $(wildcard lib/*.h plugin/*.h) | $(BUILD)/plugin
	$(CC) $(CPPFLAGS) $(PLUGIN_CPPFLAGS) $(WARN) $(CFLAGS) -c -o $@ $<

$(PLUGIN_A): $(PLUGIN_OBJ)
	rm -f $@
	ar rcs $@ $^

$(PLUGIN_USERS): $(PLUGIN_A) $(wildcard plugin/*.h)
$(PLUGIN_USERS): private CPPFLAGS += -Iplugin
$(PLUGIN_USERS): private PLUGIN_LINK = $(PLUGIN_A) $(PLUGIN_LDLIBS)

$(BUILD)/bin/%: tools/%.c $(LIB_A) $(wildcard lib/*.h) | $(BUILD)/bin
	$(CC) $(CPPFLAGS) $(WARN) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LIVE_LINK) $(PLUGIN_LINK) $(LIB_A) $(LDLIBS)

$(BUILD)/tests/%: tests/unit/%.c tests/unit/unit.h $(LIB_A) | $(BUILD)/tests $(WORKER)
	$(CC) $(CPPFLAGS) -Itests/unit $(WARN) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LIVE_LINK) $(LIB_A) $(LDLIBS)

$(BUILD)/bench/%: bench/%.c $(LIB_A) | $(BUILD)/bench $(WORKER)
	$(CC) $(CPPFLAGS) $(WARN) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LIB_A) $(LDLIBS)

# only lv2_descriptor is exported: the libraries inside stay out of the
# host's way (-fvisibility, --exclude-libs).  libmicrohttpd: pushes on
# adac:listenPort, live/'s HTTP service.  -z nodelete: a thread of Avahi's
# still waiting for a hung bus outlives cleanup() (live_mdns.h), and must
# not find its code unmapped when the host unloads the plugin.
$(LV2_BUNDLE)/adac-live.so: lv2/adac-live.c $(LIVE_A) $(LIB_A) $(wildcard lib/*.h live/*.h) | $(LV2_BUNDLE)
	$(CC) $(CPPFLAGS) $(LIVE_CPPFLAGS) $(WARN) $(CFLAGS) -fPIC \
	    -fvisibility=hidden -shared $(LDFLAGS) -Wl,--exclude-libs,ALL \
	    -Wl,-z,nodelete -o $@ $< $(LIVE_A) $(LIB_A) $(LDLIBS) -lmicrohttpd

$(LV2_BUNDLE)/%.ttl: lv2/%.ttl | $(LV2_BUNDLE)
	cp $< $@

$(LV2_BUNDLE)/adac-faust-worker: $(WORKER) | $(LV2_BUNDLE)
	cp $< $@

# the plugin's test host links liblilv, as a real LV2 host does
$(BUILD)/tests/test_live_lv2: private CPPFLAGS += $(LILV_CFLAGS)
$(BUILD)/tests/test_live_lv2: private LDLIBS += $(LILV_LIBS)
$(BUILD)/tests/test_live_lv2: $(LV2_FILES) tests/unit/lv2_host.h
$(BUILD)/bench/live_lv2: private CPPFLAGS += -Itests/unit $(LILV_CFLAGS)
$(BUILD)/bench/live_lv2: private LDLIBS += $(LILV_LIBS)
$(BUILD)/bench/live_lv2: $(LV2_FILES) tests/unit/lv2_host.h

# programs it JITs in process call sin and floor, which the LLVM code
# finds among the process's global symbols: keep libm though jit.c
# itself calls nothing of it (--as-needed would drop it)
$(BUILD)/bench/jit: private LDLIBS := -Wl,--no-as-needed -lm -Wl,--as-needed $(LDLIBS)

# it interposes two pthread calls for libfaust: export them
$(WORKER): tools/libexec/adac-faust-worker.c $(LIB_A) $(wildcard lib/*.h) | $(BUILD)/libexec/adac
	$(CC) $(CPPFLAGS) $(WARN) $(CFLAGS) $(LDFLAGS) \
	    -Wl,--export-dynamic-symbol=pthread_create \
	    -Wl,--export-dynamic-symbol=pthread_attr_setstacksize \
	    -o $@ $< $(LIB_A) $(LDLIBS) -ldl

$(BUILD)/lib $(BUILD)/live $(BUILD)/plugin $(BUILD)/bin $(BUILD)/tests $(BUILD)/bench $(BUILD)/libexec/adac $(LV2_BUNDLE):
	mkdir -p $@

# Fuzzing (fuzz/README.md): libFuzzer targets built with clang, the
# library instrumented for coverage, AddressSanitizer and UBSan, in a tree
# of its own.  `make fuzz` runs every campaign script fuzz/campaign-*.sh
# in turn for FUZZ_SECONDS each; `make fuzz-smoke` runs them briefly.
FUZZ_CC ?= clang
FUZZ_SECONDS ?= 180
FUZZ_SMOKE_SECONDS ?= 5
FUZZ_BUILD ?= build/fuzz
# glibc's CMPLX is gcc's __builtin_complex; clang takes a compound literal
FUZZ_CPPFLAGS = $(CPPFLAGS) -D'CMPLX(x,y)=((double _Complex){(x),(y)})'
FUZZ_CFLAGS = -O1 -g -fno-omit-frame-pointer \
              -fsanitize=fuzzer-no-link,address,undefined \
              -fno-sanitize-recover=undefined
FUZZ_LIB_OBJ := $(LIB_SRC:lib/%.c=$(FUZZ_BUILD)/lib/%.o)
FUZZ_TARGETS := $(patsubst fuzz/%.c,$(FUZZ_BUILD)/%,$(wildcard fuzz/fuzz_*.c))

$(FUZZ_BUILD)/lib/%.o: lib/%.c $(wildcard lib/*.h) | $(FUZZ_BUILD)/lib
	$(FUZZ_CC) $(FUZZ_CPPFLAGS) $(WARN) $(FUZZ_CFLAGS) -c -o $@ $<

$(FUZZ_BUILD)/libadac.a: $(FUZZ_LIB_OBJ)
	rm -f $@
	ar rcs $@ $^

$(FUZZ_BUILD)/fuzz_%: fuzz/fuzz_%.c fuzz/fuzz.h $(FUZZ_BUILD)/libadac.a
	$(FUZZ_CC) $(FUZZ_CPPFLAGS) $(WARN) $(FUZZ_CFLAGS) -fsanitize=fuzzer \
	    -o $@ $< $(FUZZ_BUILD)/libadac.a $(LDLIBS)

$(FUZZ_BUILD)/lib:
	mkdir -p $@

fuzz-build: $(FUZZ_TARGETS)

fuzz: fuzz-build $(BUILD)/tests/test_property
	@BUILD=$(BUILD) FUZZ_BUILD=$(FUZZ_BUILD) FUZZ_SECONDS=$(FUZZ_SECONDS) fuzz/run.sh

fuzz-smoke: fuzz-build $(BUILD)/tests/test_property
	@BUILD=$(BUILD) FUZZ_BUILD=$(FUZZ_BUILD) FUZZ_SECONDS=$(FUZZ_SMOKE_SECONDS) fuzz/run.sh

# what `make check` builds, it builds with -Werror
check: WERROR = -Werror
check: $(LIB_A) $(TOOLS) $(WORKER) $(LV2_FILES) $(UNIT)
	@BUILD=$(BUILD) SANITIZE=$(SANITIZE) tests/run.sh

demo: $(TOOLS) $(WORKER)
	@BUILD=$(BUILD) scripts/demo.sh

bench: $(TOOLS) $(WORKER) $(BENCH)
	@BUILD=$(BUILD) bench/run.sh

install: $(LIB_A) $(TOOLS) $(WORKER) $(LV2_FILES)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCDIR)/adac \
	        $(DESTDIR)$(LIBEXECDIR)/adac $(DESTDIR)$(LV2DIR)/adac-live.lv2 \
	        $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 \
	        $(DESTDIR)$(MANDIR)/man7 $(DESTDIR)$(PKGDIR)
	install -m 755 $(TOOLS) $(DESTDIR)$(BINDIR)
	install -m 755 $(WORKER) $(DESTDIR)$(LIBEXECDIR)/adac
	install -m 755 $(LV2_BUNDLE)/adac-live.so $(LV2_BUNDLE)/adac-faust-worker \
	    $(DESTDIR)$(LV2DIR)/adac-live.lv2
	install -m 644 $(LV2_BUNDLE)/*.ttl $(DESTDIR)$(LV2DIR)/adac-live.lv2
	install -m 644 $(LIB_A) $(DESTDIR)$(LIBDIR)
	install -m 644 $(PUBLIC_H:%=lib/%) $(DESTDIR)$(INCDIR)/adac
	install -m 644 include/adac/fixpoint.hpp include/adac/fixpoint-arch.cpp $(DESTDIR)$(INCDIR)/adac
	install -m 644 man/*.1 $(DESTDIR)$(MANDIR)/man1
	install -m 644 man/*.5 $(DESTDIR)$(MANDIR)/man5
	install -m 644 man/*.7 $(DESTDIR)$(MANDIR)/man7
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' \
	    -e 's|@INCDIR@|$(INCDIR)|' -e 's|@REQUIRES@|$(PC_REQUIRES)|' \
	    -e 's|@LIBS@|$(PC_LIBS)|' adac.pc.in > $(DESTDIR)$(PKGDIR)/adac.pc

uninstall:
	rm -f $(TOOLS:$(BUILD)/bin/%=$(DESTDIR)$(BINDIR)/%)
	rm -f $(DESTDIR)$(LIBEXECDIR)/adac/adac-faust-worker
	-rmdir $(DESTDIR)$(LIBEXECDIR)/adac
	rm -f $(LV2_FILES:$(LV2_BUNDLE)/%=$(DESTDIR)$(LV2DIR)/adac-live.lv2/%)
	-rmdir $(DESTDIR)$(LV2DIR)/adac-live.lv2
	rm -f $(DESTDIR)$(LIBDIR)/libadac.a $(DESTDIR)$(PKGDIR)/adac.pc
	rm -f $(PUBLIC_H:%=$(DESTDIR)$(INCDIR)/adac/%)
	rm -f $(DESTDIR)$(INCDIR)/adac/fixpoint.hpp $(DESTDIR)$(INCDIR)/adac/fixpoint-arch.cpp
	-rmdir $(DESTDIR)$(INCDIR)/adac
	rm -f $(patsubst man/%,$(DESTDIR)$(MANDIR)/man1/%,$(wildcard man/*.1))
	rm -f $(patsubst man/%,$(DESTDIR)$(MANDIR)/man5/%,$(wildcard man/*.5))
	rm -f $(patsubst man/%,$(DESTDIR)$(MANDIR)/man7/%,$(wildcard man/*.7))

clean:
	rm -rf build lib/libadac.a
