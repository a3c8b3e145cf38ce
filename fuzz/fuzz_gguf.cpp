// libFuzzer target: the GGUF reader, the spec and tensor checks and the tokenizer built from the
// file's metadata, then a tokenize / detokenize round of a fixed text with specials and non-ASCII.
#include <cstdint>
#include <string>

#include "fuzz_input.hpp"
#include "hetspec/model/gguf_file.hpp"
#include "hetspec/model/gguf_spec.hpp"
#include "hetspec/model/tokenizer.hpp"
#include "hetspec/model/tokenizer_gguf.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace hetspec;
  fuzz::expect_clean([&] {
    GgufFile f = GgufFile::from_bytes(std::string(reinterpret_cast<const char*>(data), size), "fuzz.gguf");
    fuzz::expect_clean([&] {
      ModelSpec m = spec_from_gguf(f);
      validate_gguf_tensors(f, m);
    });
    Tokenizer tok = tokenizer_from_gguf(f);
    const auto ids = tok.encode("Hello w\xC3\xB6rld \xF0\x9F\x98\x80 <|im_start|>user 12 345\n", true, true);
    for (int32_t id : ids) (void)tok.token_to_piece(id);
    (void)tok.decode(ids);
  });
  return 0;
}
