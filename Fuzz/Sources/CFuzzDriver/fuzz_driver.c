// Declarations only: the driver itself comes from libFuzzer (-sanitize=fuzzer).
#include "fuzz_driver.h"
