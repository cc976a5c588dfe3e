# golibcare: build, test, install and benchmark.
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
DESTDIR ?=
GO ?= go
TOOLS := $(notdir $(wildcard cmd/*))
BIN := bin

.PHONY: all test bench install demo deps clean

all:
	@mkdir -p $(BIN)
	$(GO) build -o $(BIN)/ ./cmd/...

# The whole suite, as CI runs it (.ci/run). Installs missing Debian packages
# the tests need (gcc, g++, make, binutils) when run as root.
test: deps
	$(GO) test -count=1 -timeout 60m ./...

bench: deps
	$(GO) test -run '^$$' -bench . -benchtime 10x -timeout 60m ./...

install: all
	install -d $(DESTDIR)$(BINDIR)
	for t in $(TOOLS); do install -m 0755 $(BIN)/$$t $(DESTDIR)$(BINDIR)/$$t; done

# The main job: build a program, run it, patch it live, unpatch it.
demo: deps all
	scripts/demo.sh $(BIN)

deps:
	@scripts/deps.sh

clean:
	rm -rf $(BIN)
