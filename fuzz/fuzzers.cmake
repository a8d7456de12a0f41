# The libFuzzer harnesses, one per reader of user input (fuzz/fuzz_NAME.cpp).
set(HWNAS_FUZZERS document arch space config latency_table accel idx npy weights probes bench_table measurements)
