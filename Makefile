# golibcare: build, test, install, package and benchmark.
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
LIBDIR ?= $(PREFIX)/lib/libcare
UNITDIR ?= $(PREFIX)/lib/systemd/system
SYSUSERSDIR ?= $(PREFIX)/lib/sysusers.d
MANDIR ?= $(PREFIX)/share/man
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR ?= $(PREFIX)/share/zsh/site-functions
FISHCOMPDIR ?= $(PREFIX)/share/fish/vendor_completions.d
DESTDIR ?=
GO ?= go
CFLAGS ?= -O2 -Wall -fstack-protector-strong -D_FORTIFY_SOURCE=2
LDFLAGS ?= -Wl,-z,relro,-z,now
TOOLS := $(notdir $(wildcard cmd/*))
# libcare-cc's arguments are gcc's: it has no completion of its own.
COMPLETE := $(filter-out libcare-cc,$(TOOLS))
BIN := bin
# A Debian version (scripts/version.sh) and the git revision, stamped into
# every tool for --version: Go's own stamp is off here (-buildvcs=false)
# and is not a Debian version anyway.
VERSION ?= $(shell scripts/version.sh)
REVISION ?= $(shell scripts/version.sh -r)
VPKG := github.com/golibcare/golibcare/internal/version
# GOSTRIP=-s -w leaves the symbol table and DWARF out (the .deb does).
GOLDFLAGS := -X $(VPKG).Version=$(VERSION) -X $(VPKG).Revision=$(REVISION) $(GOSTRIP)
DEB := $(BIN)/golibcare_$(VERSION)_amd64.deb
# dpkg-deb's compressor: xz for a release, none for a quick check.
DEBCOMPRESS ?= xz

.PHONY: all man completions test bench install deb demo deps clean

# Static binaries: pflag's import of net would otherwise link cgo and the
# dynamic loader into every tool, and libcare-cc starts once per compile.
all:
	@mkdir -p $(BIN)
	CGO_ENABLED=0 $(GO) build -ldflags '$(GOLDFLAGS)' -o $(BIN)/ ./cmd/...
	$(CC) $(CFLAGS) $(LDFLAGS) -shared -fPIC -o $(BIN)/execve.so preload/execve.c -ldl

# Man pages: generated from the cobra commands, plus the written libcare(7).
man:
	$(GO) run -ldflags '$(GOLDFLAGS)' ./internal/cli/mangen -o $(BIN)/man -written man

completions: all
	@mkdir -p $(BIN)/completions/bash $(BIN)/completions/zsh $(BIN)/completions/fish
	for t in $(COMPLETE); do \
		$(BIN)/$$t completion bash > $(BIN)/completions/bash/$$t && \
		$(BIN)/$$t completion zsh > $(BIN)/completions/zsh/_$$t && \
		$(BIN)/$$t completion fish > $(BIN)/completions/fish/$$t.fish || exit 1; \
	done

# The whole suite, as CI runs it (.ci/run). Installs missing Debian packages
# the tests need (gcc, g++, make, binutils, cmake, meson, ninja) when run as root.
test: deps
	$(GO) test -count=1 -timeout 60m ./...

bench: deps
	$(GO) test -run '^$$' -bench . -benchtime 10x -timeout 60m ./...

# MANCOMPRESS=gzip -9n installs compressed pages (the .deb does).
install: all man completions
	install -d $(DESTDIR)$(BINDIR)
	for t in $(TOOLS); do install -m 0755 $(BIN)/$$t $(DESTDIR)$(BINDIR)/$$t; done
	install -d $(DESTDIR)$(LIBDIR) $(DESTDIR)$(UNITDIR) $(DESTDIR)$(SYSUSERSDIR)
	install -m 0644 $(BIN)/execve.so $(DESTDIR)$(LIBDIR)/execve.so
	sed 's|/usr/local/bin|$(BINDIR)|g' dist/libcare.service > $(DESTDIR)$(UNITDIR)/libcare.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/libcare.service
	install -m 0644 dist/libcare.socket $(DESTDIR)$(UNITDIR)/libcare.socket
	install -m 0644 dist/libcare.sysusers $(DESTDIR)$(SYSUSERSDIR)/libcare.conf
	for p in $(BIN)/man/*.[178]; do \
		s=$${p##*.}; install -d $(DESTDIR)$(MANDIR)/man$$s; \
		install -m 0644 $$p $(DESTDIR)$(MANDIR)/man$$s/ || exit 1; \
		if [ -n "$(MANCOMPRESS)" ]; then $(MANCOMPRESS) -f $(DESTDIR)$(MANDIR)/man$$s/$${p##*/}; fi; \
	done
	install -d $(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(ZSHCOMPDIR) $(DESTDIR)$(FISHCOMPDIR)
	install -m 0644 $(BIN)/completions/bash/* $(DESTDIR)$(BASHCOMPDIR)/
	install -m 0644 $(BIN)/completions/zsh/* $(DESTDIR)$(ZSHCOMPDIR)/
	install -m 0644 $(BIN)/completions/fish/* $(DESTDIR)$(FISHCOMPDIR)/

# The Debian package: bin/golibcare_<version>_amd64.deb, checked by lintian
# (installed by scripts/deps.sh deb) unless NOLINTIAN=1.
deb:
	@[ -n "$(NOLINTIAN)" ] || scripts/deps.sh deb
	DEBCOMPRESS=$(DEBCOMPRESS) scripts/mkdeb.sh $(BIN) $(VERSION)
	@if [ -z "$(NOLINTIAN)" ]; then lintian --fail-on error,warning $(DEB); fi

# The main job: build a program, run it, patch it live, unpatch it.
demo: deps all
	scripts/demo.sh $(BIN)

deps:
	@scripts/deps.sh

clean:
	rm -rf $(BIN)
