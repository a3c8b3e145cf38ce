// The one Catch2 main of the test binary (compiled once; other test files include catch.hpp only).
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
