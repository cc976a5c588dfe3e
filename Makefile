# golibcare: build, test, install and benchmark.
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
LIBDIR ?= $(PREFIX)/lib/libcare
UNITDIR ?= $(PREFIX)/lib/systemd/system
SYSUSERSDIR ?= $(PREFIX)/lib/sysusers.d
DESTDIR ?=
GO ?= go
TOOLS := $(notdir $(wildcard cmd/*))
BIN := bin

.PHONY: all test bench install demo deps clean

# Static binaries: pflag's import of net would otherwise link cgo and the
# dynamic loader into every tool, and libcare-cc starts once per compile.
all:
	@mkdir -p $(BIN)
	CGO_ENABLED=0 $(GO) build -o $(BIN)/ ./cmd/...
	$(CC) -shared -fPIC -O2 -Wall -o $(BIN)/execve.so preload/execve.c -ldl

# The whole suite, as CI runs it (.ci/run). Installs missing Debian packages
# the tests need (gcc, g++, make, binutils, cmake, meson, ninja) when run as root.
test: deps
	$(GO) test -count=1 -timeout 60m ./...

bench: deps
	$(GO) test -run '^$$' -bench . -benchtime 10x -timeout 60m ./...

install: all
	install -d $(DESTDIR)$(BINDIR)
	for t in $(TOOLS); do install -m 0755 $(BIN)/$$t $(DESTDIR)$(BINDIR)/$$t; done
	install -d $(DESTDIR)$(LIBDIR) $(DESTDIR)$(UNITDIR) $(DESTDIR)$(SYSUSERSDIR)
	install -m 0644 $(BIN)/execve.so $(DESTDIR)$(LIBDIR)/execve.so
	sed 's|/usr/local/bin|$(BINDIR)|g' dist/libcare.service > $(DESTDIR)$(UNITDIR)/libcare.service
	install -m 0644 dist/libcare.socket $(DESTDIR)$(UNITDIR)/libcare.socket
	install -m 0644 dist/libcare.sysusers $(DESTDIR)$(SYSUSERSDIR)/libcare.conf

# The main job: build a program, run it, patch it live, unpatch it.
demo: deps all
	scripts/demo.sh $(BIN)

deps:
	@scripts/deps.sh

clean:
	rm -rf $(BIN)
