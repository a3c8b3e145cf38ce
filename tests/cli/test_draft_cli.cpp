// The CLI with drafts that borrow their target's embedding and head (hetspec draft v1): make-draft
// writes a standalone file (bad input: one line naming file and key, exit 2, no file); inspect shows
// the head rows; sweep / predict / run take such a draft; generate refuses one alone.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "hetspec/model/gguf_file.hpp"
#include "hetspec/model/gguf_spec.hpp"
#include "spec/spec_models.hpp"
#include "support/paths.hpp"
#include "support/run_cli.hpp"

using namespace hetspec::test;

namespace {
void expect_one_line_error(const CliResult& r, const std::string& must_contain) {
  INFO("stderr: " << r.err);
  CHECK(r.code == 2);
  CHECK(r.err.rfind("hetspec: error: ", 0) == 0);
  CHECK(r.err.find(must_contain) != std::string::npos);
  CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
}
}  // namespace

TEST_CASE("make-draft writes a standalone draft; bad input leaves no file", "[cli][draft]") {
  const auto& m = spec_models();
  TempDir t;
  const std::string out = t / "full.gguf";
  CliResult r = run_cli("make-draft --target " + m.target + " --draft " + m.borrowing_subset + " --out " + out);
  INFO(r.err);
  REQUIRE(r.code == 0);
  CHECK(r.out.find("wrote " + out) != std::string::npos);
  CHECK(r.out.find("LM head over 136 of 272 tokens") != std::string::npos);
  hetspec::GgufFile f = hetspec::GgufFile::open(out);
  CHECK(f.find_tensor(hetspec::kTokenEmbdTensor));
  CHECK_FALSE(f.find_tensor(hetspec::kOutputTensor));  // the target's head is tied
  CHECK(f.has("hetspec.draft.head_token_ids"));

  const std::string bad = t / "bad.gguf";
  expect_one_line_error(run_cli("make-draft --target " + m.target + " --draft " + m.draft + " --out " + bad),
                        m.draft + ": token_embd.weight: present");
  expect_one_line_error(run_cli("make-draft --target " + m.other_vocab + " --draft " + m.borrowing + " --out " + bad),
                        m.borrowing + ": tokenizer.ggml.tokens: differs from the target's");
  expect_one_line_error(run_cli("make-draft --target " + m.borrowing + " --draft " + m.borrowing_subset + " --out " + bad),
                        m.borrowing + ": token_embd.weight: missing");
  expect_one_line_error(run_cli("make-draft --target " + m.target + " --draft " + (t / "nope.gguf") + " --out " + bad),
                        "nope.gguf: cannot open");
  expect_one_line_error(run_cli("make-draft --target " + m.target + " --draft " + m.borrowing + " --out " + m.borrowing),
                        "--out: ");
  CHECK_FALSE(std::filesystem::exists(bad));
}

TEST_CASE("inspect shows a borrowing draft; generate refuses one alone", "[cli][draft]") {
  const auto& m = spec_models();
  CliResult r = run_cli("inspect " + m.borrowing_subset);
  INFO(r.err);
  REQUIRE(r.code == 0);
  CHECK(r.out.find("# LM head rows: 136 of 272 tokens") != std::string::npos);
  CHECK(r.out.find("borrows its target's token embedding and LM head") != std::string::npos);
  expect_one_line_error(run_cli("generate -m " + m.borrowing_subset + " --ids 1,2,3 --n 2"),
                        m.borrowing_subset + ": token_embd.weight: missing tensor");
}

TEST_CASE("sweep, predict and run take a borrowing draft", "[cli][draft]") {
  const auto& m = spec_models();
  TempDir t;
  const std::string soc = source_path("tests/fixtures/toy-soc.yaml");
  CliResult s = run_cli("sweep --soc " + soc + " --target " + m.target + " --draft " + m.borrowing_subset + " --out " +
                        (t / "sweep") + " --max-gamma 3");
  INFO(s.err);
  REQUIRE(s.code == 0);
  CHECK(std::filesystem::exists(t / "sweep/best-plan.yaml"));
  CliResult p = run_cli("predict --soc " + soc + " --target " + m.target + " --draft " + m.borrowing_subset + " --plan " +
                        (t / "sweep/best-plan.yaml"));
  INFO(p.err);
  CHECK(p.code == 0);
  // A borrowing draft as the target is refused before anything runs.
  expect_one_line_error(run_cli("predict --soc " + soc + " --target " + m.borrowing + " --draft " + m.borrowing_subset +
                                " --plan " + (t / "sweep/best-plan.yaml")),
                        m.borrowing + ": token_embd.weight: missing");

  const std::string plan = t.file("plan.yaml", "schema: hetspec.plan/1\ngamma: 3\nmode: sequential\ntarget: {pu: cpu}\n"
                                                "draft: {pu: cpu}\nthreads: {cpu: 1}\n");
  const std::string prompts = t.file("p.jsonl", "{\"id\": \"a\", \"task\": \"t\", \"prompt\": \"hello there\"}\n");
  const std::string out = t / "run";
  CliResult r = run_cli("run --plan " + plan + " --target " + m.target + " --draft " + m.borrowing_subset + " --prompts " +
                        prompts + " --out " + out + " --max-new 12 --no-chat --no-baseline -q");
  INFO(r.err);
  REQUIRE(r.code == 0);
  auto sum = nlohmann::json::parse(slurp(out + "/summary.json"));
  CHECK(sum["arms"][0]["gamma"] == 3);
}

TEST_CASE("profile --models T,D measures a borrowing draft beside its target", "[cli][draft][profile][long]") {
  const auto& m = spec_models();
  TempDir t;
  const std::string out = t / "p.yaml";
  expect_one_line_error(run_cli("profile --out " + out + " --models " + m.borrowing_subset + " --quick --devices cpu"),
                        m.borrowing_subset + ": token_embd.weight: missing: this draft borrows its target's token embedding");
  CHECK_FALSE(std::filesystem::exists(out));
  CliResult r = run_cli("profile --out " + out + " --models " + m.target + "," + m.borrowing_subset + " --quick --devices cpu");
  INFO(r.err);
  REQUIRE(r.code == 0);
  const std::string text = slurp(out);
  CHECK(text.find("hetspec-test-draft") != std::string::npos);  // its forward checks
  CliResult s = run_cli("sweep --soc " + out + " --target " + m.target + " --draft " + m.borrowing_subset + " --top 3");
  INFO(s.err);
  CHECK(s.code == 0);
}
