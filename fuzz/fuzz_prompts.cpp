// libFuzzer target: the JSONL prompt-file reader (configs/prompts/*.jsonl).
#include <cstdint>

#include "fuzz_input.hpp"
#include "hetspec/spec/prompts.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string& path = hetspec::fuzz::as_file(data, size, ".jsonl");
  hetspec::fuzz::expect_clean([&] { (void)hetspec::load_prompts(path); });
  return 0;
}
