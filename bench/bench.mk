# Build rule for the HS256 microbenchmark, kept out of the main Makefile.
# bench/run.sh runs
#   make -f Makefile -f bench/bench.mk build/bench/jwt_verify_bench
# so the program gets the Makefile's flags and links the core objects
# (CORE_OBJS: no HTTP server, no Neo4j pool, no main).
$(BUILD)/bench/jwt_verify_bench: bench/jwt_verify_bench.c $(CORE_OBJS) $(HEADERS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_BASE) $(OPT_CFLAGS) $(CFLAGS) -o $@ $< $(CORE_OBJS) $(LIBS)
