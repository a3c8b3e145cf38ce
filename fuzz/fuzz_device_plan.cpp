// libFuzzer target: the device-plan text of `generate --device` ("cpu:0-11,cl:0:12-29,head=cpu").
#include <cstdint>
#include <string>

#include "fuzz_input.hpp"
#include "hetspec/engine/runner/device_plan.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  hetspec::fuzz::expect_clean([&] { (void)hetspec::parse_device_plan(text, 30); });
  return 0;
}
