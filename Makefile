# cypher-gateway - build, test and local run.
#
#   make              build build/cypher-gateway
#   make run          start a local Neo4j with the movies graph and the gateway
#   make stop         stop both
#   make test         unit tests, integration tests, and both again under ASan+UBSan
#   make install      install into $(DESTDIR)$(PREFIX)
#   make bench        benchmark against Neo4j and Apache httpd (about 7 min); writes BENCHMARKS.md
#   make fuzz         fuzz the parsers for FUZZ_SECONDS (60) s each; see fuzz/fuzz.mk

CC      ?= cc
PREFIX  ?= /usr/local
VERSION := 0.1.0

PKGS    := libmicrohttpd libjwt jansson libcurl yaml-0.1 openssl
CFLAGS_BASE := -std=c11 -D_GNU_SOURCE -DGW_VERSION=\"$(VERSION)\" -Iinclude \
               -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
               $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LIBS    := $(shell pkg-config --libs $(PKGS) 2>/dev/null || echo -lmicrohttpd -ljwt -ljansson -lcurl -lyaml -lssl -lcrypto) -lpthread

OPT_CFLAGS  := -O2 -g -fstack-protector-strong -D_FORTIFY_SOURCE=2 -fPIE
OPT_LDFLAGS := -pie -Wl,-z,relro,-z,now
SAN_CFLAGS  := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all
SAN_LDFLAGS := -fsanitize=address,undefined

# Modules with no I/O besides the environment; unit tests link these only.
CORE_SRCS := src/error.c src/log.c src/secret.c src/config.c src/base64.c src/claims.c src/jwt.c \
             src/secret_hash.c src/token_request.c src/query_request.c src/neo4j_result.c src/route.c src/rate_limit.c src/policy.c src/policy_cache.c \
             src/runtime.c src/aws_credentials_parse.c src/ssm_parse.c
IO_SRCS   := src/neo4j_pool.c src/http_response.c src/auth.c src/handler_health.c src/handler_token.c \
             src/handler_query.c src/handler_policy.c src/http_server.c src/aws_http.c src/aws_credentials.c src/ssm_client.c
MAIN_SRC  := src/main.c
HEADERS   := $(wildcard include/*.h)

UNIT_TESTS := $(patsubst tests/unit/%.c,%,$(wildcard tests/unit/test_*.c))

BUILD := build
SAN   := build/asan

.PHONY: all install run stop test unit unit-asan integration integration-asan clean neo4j-fetch valgrind \
        image-check infra-check deps

all: $(BUILD)/cypher-gateway

$(BUILD)/obj/%.o: src/%.c $(HEADERS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_BASE) $(OPT_CFLAGS) $(CFLAGS) -c $< -o $@

$(SAN)/obj/%.o: src/%.c $(HEADERS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_BASE) $(SAN_CFLAGS) $(CFLAGS) -c $< -o $@

CORE_OBJS     := $(patsubst src/%.c,$(BUILD)/obj/%.o,$(CORE_SRCS))
IO_OBJS       := $(patsubst src/%.c,$(BUILD)/obj/%.o,$(IO_SRCS) $(MAIN_SRC))
SAN_CORE_OBJS := $(patsubst src/%.c,$(SAN)/obj/%.o,$(CORE_SRCS))
SAN_IO_OBJS   := $(patsubst src/%.c,$(SAN)/obj/%.o,$(IO_SRCS) $(MAIN_SRC))

$(BUILD)/cypher-gateway: $(CORE_OBJS) $(IO_OBJS)
	$(CC) $(OPT_LDFLAGS) $(LDFLAGS) -o $@ $^ $(LIBS)

$(SAN)/cypher-gateway: $(SAN_CORE_OBJS) $(SAN_IO_OBJS)
	$(CC) $(SAN_LDFLAGS) $(LDFLAGS) -o $@ $^ $(LIBS)

# Unit tests: one cmocka program per tests/unit/test_*.c, linked with the core.
$(BUILD)/tests/%: tests/unit/%.c tests/unit/unit.h $(CORE_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_BASE) $(OPT_CFLAGS) -Wno-missing-prototypes -Itests/unit -o $@ $< $(CORE_OBJS) $(LIBS) -lcmocka

$(SAN)/tests/%: tests/unit/%.c tests/unit/unit.h $(SAN_CORE_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_BASE) $(SAN_CFLAGS) -Wno-missing-prototypes -Itests/unit -o $@ $< $(SAN_CORE_OBJS) $(LIBS) -lcmocka $(SAN_LDFLAGS)

unit: $(addprefix $(BUILD)/tests/,$(UNIT_TESTS))
	@scripts/run-unit-tests.sh $(BUILD)/tests $(UNIT_TESTS)

unit-asan: $(addprefix $(SAN)/tests/,$(UNIT_TESTS))
	@scripts/run-unit-tests.sh $(SAN)/tests $(UNIT_TESTS)

integration: $(BUILD)/cypher-gateway
	tests/integration/run.sh $(BUILD)/cypher-gateway

integration-asan: $(SAN)/cypher-gateway
	tests/integration/run.sh $(SAN)/cypher-gateway

# One Neo4j start serves both builds of the integration suite.
test: deps
	@$(MAKE) --no-print-directory unit unit-asan fuzz-regress $(BUILD)/cypher-gateway $(SAN)/cypher-gateway
	tests/integration/run.sh $(BUILD)/cypher-gateway $(SAN)/cypher-gateway

# Unit programs and a part of the integration suite under valgrind memcheck
# (slow, so not part of `make test`).
VALGRIND_SUITE ?= tests/integration/test_query.py tests/integration/test_token.py tests/integration/test_auth.py
valgrind: $(BUILD)/cypher-gateway $(addprefix $(BUILD)/tests/,$(UNIT_TESTS))
	@for t in $(UNIT_TESTS); do \
	    valgrind --quiet --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \
	        $(BUILD)/tests/$$t >/dev/null || { echo "valgrind: $$t failed"; exit 1; }; \
	done; echo "valgrind: unit programs clean"
	INTEGRATION_SUITES="$(VALGRIND_SUITE)" tests/integration/run.sh tests/valgrind-gateway.sh

deps:
	@scripts/deps.sh

run: deps
	@$(MAKE) --no-print-directory all
	@scripts/run-local.sh start

stop:
	@scripts/run-local.sh stop

neo4j-fetch:
	scripts/neo4j.sh fetch

image-check: $(BUILD)/cypher-gateway
	scripts/image-check.sh

infra-check:
	scripts/infra-check.sh

# Starts its own Neo4j, gateway and Apache httpd on 127.0.0.1; see bench/run.sh.
.PHONY: bench
bench: all
	bench/run.sh

install: $(BUILD)/cypher-gateway
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)/etc/cypher-gateway
	install -m 0755 $(BUILD)/cypher-gateway $(DESTDIR)$(PREFIX)/bin/cypher-gateway
	install -m 0644 config/gateway.container.yaml $(DESTDIR)/etc/cypher-gateway/gateway.yaml

clean:
	rm -rf $(BUILD)

# libFuzzer harnesses: make fuzz, make fuzz-regress (rules in fuzz/fuzz.mk).
-include fuzz/fuzz.mk
