# km -- the city card toolkit.  See README.md.
.SUFFIXES:

PREFIX  ?= /usr/local
BINDIR  ?= $(PREFIX)/bin
MANDIR  ?= $(PREFIX)/share/man
SHAREDIR ?= $(PREFIX)/share/km
SYSCONFDIR ?= /etc

CC      ?= cc
PKGS     = sqlite3 yaml-0.1 libcrypto libpcsclite
CFLAGS  ?= -g -O2
WARN     = -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes \
	   -Wmissing-prototypes -Wformat=2 -Wno-unused-parameter
override CFLAGS += -std=c99 -D_DEFAULT_SOURCE -D_FILE_OFFSET_BITS=64 $(WARN) \
	-Ilib -Icli $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDLIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null)

ifdef SANITIZE
override CFLAGS  += -fsanitize=$(SANITIZE) -fno-sanitize-recover=all \
	-fno-omit-frame-pointer
override LDFLAGS += -fsanitize=$(SANITIZE)
endif
ifdef DEVELOPER
override CFLAGS += -Werror
endif

LIBSRC  = $(filter-out lib/schema.c,$(wildcard lib/*.c)) lib/schema.c
LIBOBJ  = $(LIBSRC:.c=.o)
CLISRC  = $(wildcard cli/*.c)
CLIOBJ  = $(CLISRC:.c=.o)
CMDSRC  = $(wildcard cmd/*.c)
CMDS    = $(CMDSRC:.c=)
UNITSRC = $(wildcard tests/unit/t-*.c)
UNITS   = $(UNITSRC:.c=)
# Test drivers of the chip through pcscd: built, never installed.
CHIPSRC = $(wildcard tests/chip/*.c)
CHIPS   = $(CHIPSRC:.c=)
SCHEMA  = $(sort $(wildcard lib/schema/*.sql))
MAN1    = $(wildcard man/man1/*.1)
MAN5    = $(wildcard man/man5/*.5)
MAN7    = $(wildcard man/man7/*.7)
HDRS    = lib/km.h lib/km-internal.h lib/vcard.h cli/cli.h

all: deps-build $(CMDS) $(UNITS) $(CHIPS)

# Build dependencies only (compilers, -dev packages); see scripts/deps.
deps-build:
	@scripts/deps build

deps:
	@scripts/deps check

lib/schema.c: $(SCHEMA) scripts/sql2c
	scripts/sql2c $(SCHEMA) > $@.tmp && mv $@.tmp $@

lib/%.o: lib/%.c $(HDRS)
	$(CC) $(CFLAGS) -c -o $@ $<

cli/%.o: cli/%.c $(HDRS)
	$(CC) $(CFLAGS) -c -o $@ $<

cmd/%.o: cmd/%.c $(HDRS)
	$(CC) $(CFLAGS) -c -o $@ $<

tests/unit/%.o: tests/unit/%.c $(wildcard tests/unit/*.h) $(HDRS)
	$(CC) $(CFLAGS) -c -o $@ $<

tests/chip/%.o: tests/chip/%.c $(HDRS)
	$(CC) $(CFLAGS) -c -o $@ $<

lib/libkm.a: $(LIBOBJ)
	rm -f $@
	ar rcs $@ $(LIBOBJ)

cli/libcli.a: $(CLIOBJ)
	rm -f $@
	ar rcs $@ $(CLIOBJ)

cmd/%: cmd/%.o cli/libcli.a lib/libkm.a
	$(CC) $(LDFLAGS) -o $@ $< cli/libcli.a lib/libkm.a $(LDLIBS)

tests/unit/%: tests/unit/%.o lib/libkm.a
	$(CC) $(LDFLAGS) -o $@ $< lib/libkm.a $(LDLIBS)

tests/chip/%: tests/chip/%.o cli/libcli.a lib/libkm.a
	$(CC) $(LDFLAGS) -o $@ $< cli/libcli.a lib/libkm.a $(LDLIBS)

# The tests: unit tests (TAP through prove), one bats file per program, and
# the conventions that keep the suite whole.
check: deps all
	prove $(UNITS)
	bats tests/bats
	scripts/check-conventions

check-unit: all
	prove $(UNITS)

demo: deps all
	scripts/demo

bench: deps all
	scripts/bench

# libFuzzer harnesses, one per parser: each built with clang and run for
# FUZZ_TIME seconds on a copy of its seed corpus (tests/fuzz/corpus/NAME).
FUZZSRC  = $(wildcard tests/fuzz/fuzz-*.c)
FUZZ_TIME ?= 30
FUZZCC   ?= clang
fuzz: lib/schema.c
	@scripts/deps fuzz
	mkdir -p tests/fuzz/out
	set -e; for f in $(FUZZSRC); do \
		n=$$(basename $$f .c); c=$${n#fuzz-}; \
		$(FUZZCC) -g -O1 -fsanitize=fuzzer,address,undefined \
		    -std=c99 -D_DEFAULT_SOURCE -Ilib \
		    $$(pkg-config --cflags $(PKGS)) -o tests/fuzz/out/$$n \
		    $$f $(LIBSRC) $(LDLIBS); \
		rm -rf tests/fuzz/out/corpus-$$c; \
		cp -r tests/fuzz/corpus/$$c tests/fuzz/out/corpus-$$c; \
		echo "== $$n for $(FUZZ_TIME) s"; \
		tests/fuzz/out/$$n -max_total_time=$(FUZZ_TIME) \
		    -print_final_stats=1 tests/fuzz/out/corpus-$$c \
		    2> tests/fuzz/out/$$n.log || \
		    { tail -n 40 tests/fuzz/out/$$n.log; exit 1; }; \
		grep -E '^stat::number_of_executed_units' tests/fuzz/out/$$n.log; \
	done

lint: all
	cppcheck --quiet --enable=warning,portability --error-exitcode=1 \
	    --inline-suppr -Ilib -Icli lib cli cmd tests/chip
	clang-tidy --quiet $(LIBSRC) $(CLISRC) $(CMDSRC) $(CHIPSRC) -- $(CFLAGS)

install: all
	mkdir -p $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 \
	    $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man7 \
	    $(DESTDIR)$(SHAREDIR)/scripts $(DESTDIR)$(SHAREDIR)/config
	install -m 0755 $(CMDS) $(DESTDIR)$(BINDIR)
	install -m 0644 $(MAN1) $(DESTDIR)$(MANDIR)/man1
	install -m 0644 $(MAN5) $(DESTDIR)$(MANDIR)/man5
	install -m 0644 $(MAN7) $(DESTDIR)$(MANDIR)/man7
	install -m 0644 config/km.yaml.example $(DESTDIR)$(SHAREDIR)/config
	install -m 0755 scripts/km-* $(DESTDIR)$(SHAREDIR)/scripts

clean:
	rm -f lib/*.o lib/libkm.a lib/schema.c lib/schema.c.tmp cli/*.o \
	    cli/libcli.a cmd/*.o $(CMDS) tests/unit/*.o $(UNITS) \
	    tests/chip/*.o $(CHIPS)
	rm -rf tests/fuzz/out

.PHONY: all check check-unit demo bench fuzz lint install clean deps deps-build
.PRECIOUS: lib/%.o cli/%.o cmd/%.o tests/unit/%.o tests/chip/%.o
