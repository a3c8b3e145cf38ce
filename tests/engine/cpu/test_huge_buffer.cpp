// HugeBuffer: 2 MiB-aligned, zeroed, writable memory of the requested size (huge pages are only
// requested: whether the kernel grants them is not asserted). Builds in the kernels-only cross build.
#include <catch2/catch.hpp>

#include <cstdint>

#include "hetspec/engine/cpu/huge_buffer.hpp"

using namespace hetspec;

TEST_CASE("HugeBuffer: aligned, zeroed, writable", "[kernels]") {
  for (size_t bytes : {size_t(1), size_t(4096), size_t(3) << 20, (size_t(5) << 20) + 17}) {
    HugeBuffer b(bytes);
    REQUIRE(b.data() != nullptr);
    CHECK(b.size() == bytes);
    CHECK(reinterpret_cast<uintptr_t>(b.data()) % (size_t(2) << 20) == 0);
    bool zero = true;
    for (size_t i = 0; i < bytes; i += 509) zero = zero && b.data()[i] == 0;
    CHECK(zero);
    b.data()[bytes - 1] = 2;
    b.data()[0] = 1;
    CHECK(int(b.data()[0]) == 1);
    CHECK(int(b.data()[bytes - 1]) == (bytes == 1 ? 1 : 2));
  }
  HugeBuffer empty;
  CHECK(empty.data() == nullptr);
  CHECK(HugeBuffer(0).size() == 0);
  HugeBuffer moved(HugeBuffer(size_t(1) << 20));
  CHECK(moved.size() == (size_t(1) << 20));
}
