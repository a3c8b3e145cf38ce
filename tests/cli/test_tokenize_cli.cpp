// `hetspec tokenize`: the chat prompt ids of the greedy fixture, and a clear error for a bad file.
#include <catch2/catch.hpp>

#include <fstream>
#include <nlohmann/json.hpp>

#include "../support/paths.hpp"
#include "../support/run_cli.hpp"

using namespace hetspec;

TEST_CASE("hetspec tokenize --chat --ids prints llama.cpp's prompt ids", "[tokenizer][cli][smollm2]") {
  const std::string model = test::smollm2_path();
  INFO("SmolLM2-135M-Instruct.Q4_1.gguf not found: run scripts/fetch-models.sh (or set HETSPEC_MODEL)");
  REQUIRE(!model.empty());
  std::ifstream f(test::source_path("tests/fixtures/smollm2_greedy.json"));
  const auto fx = nlohmann::json::parse(f);
  for (const auto& r : fx["runs"]) {
    if (r["kind"] != "chat") continue;
    const std::string user = r["user_text"];
    REQUIRE(user.find('\'') == std::string::npos);
    const auto res = test::run_cli("tokenize '" + model + "' '" + user + "' --chat --ids");
    REQUIRE(res.code == 0);
    CHECK(nlohmann::json::parse(res.out) == r["prompt_ids"]);
  }
  const auto res = test::run_cli("tokenize '" + model + "' 'Hello world'");
  CHECK(res.code == 0);
  CHECK(res.out.find("19556\t\"Hello\"") != std::string::npos);
}

TEST_CASE("hetspec tokenize on a missing file is one error line", "[tokenizer][cli]") {
  const auto res = test::run_cli("tokenize /nonexistent/m.gguf x");
  CHECK(res.code == 2);
  CHECK(res.err.rfind("hetspec: error: /nonexistent/m.gguf:", 0) == 0);
}
