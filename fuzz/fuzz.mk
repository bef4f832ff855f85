# fuzz.mk - libFuzzer harnesses for the pure parsers, included by the Makefile.
#
#   make fuzz               replay regressions and seeds, then fuzz each harness
#                           for FUZZ_SECONDS (default 60) seconds
#   make fuzz-regress       replay fuzz/regressions and fuzz/corpus only
#   make fuzz-jwt-seeds     rewrite the gw_jwt_issue tokens in fuzz/corpus/jwt
#
# Needs clang with libFuzzer (Debian: clang and libclang-rt-14-dev). The core
# sources are compiled again with clang and the same sanitizers as the
# harnesses; jansson, libyaml and OpenSSL are the system builds, so the
# fuzzer gets no coverage feedback from inside them.

FUZZ_CC        ?= clang
FUZZ_SECONDS   ?= 60
FUZZ_RSS_MB    ?= 2048
FUZZ_NAMES     := query_request jwt config neo4j_result token_request
FUZZ_BUILD     := $(BUILD)/fuzz
FUZZ_SAN       := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_CORE_OBJS := $(patsubst src/%.c,$(FUZZ_BUILD)/obj/%.o,$(CORE_SRCS))
FUZZ_BINS      := $(addprefix $(FUZZ_BUILD)/fuzz_,$(FUZZ_NAMES))

.PHONY: fuzz fuzz-regress fuzz-jwt-seeds

# Only pattern rules name these objects, so make would delete them after
# each link as intermediate files.
.SECONDARY: $(FUZZ_CORE_OBJS)

$(FUZZ_BUILD)/obj/%.o: src/%.c $(HEADERS)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(CFLAGS_BASE) $(FUZZ_SAN) -fsanitize=fuzzer-no-link -c $< -o $@

$(FUZZ_BUILD)/fuzz_%: fuzz/fuzz_%.c fuzz/fuzz.h $(FUZZ_CORE_OBJS)
	$(FUZZ_CC) $(CFLAGS_BASE) $(FUZZ_SAN) -fsanitize=fuzzer -o $@ $< $(FUZZ_CORE_OBJS) $(LIBS)

fuzz: $(FUZZ_BINS)
	@FUZZ_CC=$(FUZZ_CC) FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_RSS_MB=$(FUZZ_RSS_MB) fuzz/run.sh run $(FUZZ_BUILD) $(FUZZ_NAMES)

fuzz-regress: $(FUZZ_BINS)
	@FUZZ_RSS_MB=$(FUZZ_RSS_MB) fuzz/run.sh regress $(FUZZ_BUILD) $(FUZZ_NAMES)

# The generator uses the regular build of the core: it only calls gw_jwt_issue.
$(BUILD)/fuzz-tools/gen_jwt_seeds: fuzz/gen_jwt_seeds.c $(CORE_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_BASE) $(OPT_CFLAGS) -o $@ $< $(CORE_OBJS) $(LIBS)

fuzz-jwt-seeds: $(BUILD)/fuzz-tools/gen_jwt_seeds
	$< fuzz/corpus/jwt
