// Issue 10 (hardening): inputs that used to crash (exit 3), hang or mislead. Each bad input is one
// line "hetspec: error: <file>: <key>: <what>", exit 2, nothing written; valid input just works.
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "hetspec/model/random_model.hpp"
#include "spec/spec_models.hpp"
#include "support/bad_input.hpp"
#include "support/paths.hpp"
#include "support/run_cli.hpp"

using namespace hetspec::test;

namespace {
const std::string kSoc = source_path("configs/socs/nxp-imx95.yaml");
const std::string k3b = source_path("configs/models/llama-3.2-3b.yaml");
const std::string k1b = source_path("configs/models/llama-3.2-1b.yaml");
const std::string kSmolSpec = source_path("configs/models/smollm2-135m.yaml");

}  // namespace

TEST_CASE("tokenize prints byte-level pieces of emoji and CJK text, escaping odd bytes", "[cli][tokenizer][hardening][smollm2]") {
  const std::string model = smollm2_path();
  INFO("SmolLM2-135M-Instruct.Q4_1.gguf not found: run scripts/fetch-models.sh (or set HETSPEC_MODEL)");
  REQUIRE(!model.empty());
  for (const char* text : {"\xF0\x9F\x98\x80", "\xE6\xBC\xA2\xE5\xAD\x97", "a \xF0\x9F\x98\x80 b"}) {
    CliResult r = run_cli("tokenize '" + model + "' '" + text + "'");
    INFO("text: " << text << "\nstderr: " << r.err);
    CHECK(r.code == 0);
    CHECK(r.err.empty());
    CHECK(r.out.rfind("# ", 0) == 0);
    CHECK(r.out.find("internal error") == std::string::npos);
    CliResult ids = run_cli("tokenize '" + model + "' '" + text + "' --ids");
    REQUIRE(ids.code == 0);
    const size_t n = nlohmann::json::parse(ids.out).size();
    CHECK(size_t(std::count(r.out.begin(), r.out.end(), '\n')) == n + 2);  // two header lines, one per token
  }
  CliResult r = run_cli("tokenize '" + model + "' '\xF0\x9F\x98\x80'");
  CHECK(r.out.find("\\xF0") != std::string::npos);  // the emoji's lead byte, escaped
}

TEST_CASE("a non-UTF-8 name in a YAML file is an error naming file and key", "[cli][bad-input][hardening]") {
  TempDir t;
  std::string soc = t.file("soc.yaml", with(slurp(kSoc), "name: nxp-imx95", "name: caf\xE9"));
  std::string out = t / "result";
  check_one_line_error(run_cli("sweep --soc " + soc + " --target " + k3b + " --draft " + k1b + " --out " + out),
            soc + ": name: not valid UTF-8", out);
  std::string spec = t.file("m.yaml", with(slurp(kSmolSpec), "name: smollm2-135m", "name: smol\xFF"));
  check_one_line_error(run_cli("make-model --spec " + spec + " --out " + (t / "m.gguf")), spec + ": name: not valid UTF-8", t / "m.gguf");
}

TEST_CASE("a non-UTF-8 model name inside a GGUF is written to JSON, not a crash", "[cli][hardening]") {
  TempDir t;
  hetspec::ModelSpec s = spec_test_spec();
  s.name = "caf\xE9-model";
  const std::string gguf = t / "latin1.gguf";
  hetspec::make_random_model(s, 1, std::nullopt, gguf);
  const std::string out = t / "sweep";
  CliResult r = run_cli("sweep --soc " + kSoc + " --target " + gguf + " --draft " + gguf + " --max-gamma 2 --out " + out);
  INFO(r.err);
  CHECK(r.code == 0);
  REQUIRE(std::filesystem::exists(out + "/sweep.json"));
  CHECK_NOTHROW(nlohmann::json::parse(slurp(out + "/sweep.json")));
  CliResult inspect = run_cli("inspect " + gguf + " --json");
  CHECK(inspect.code != 3);
}

TEST_CASE("--alpha: a list longer than a path may be is a list, not an internal error", "[cli][hardening]") {
  std::string list = "0.7";
  while (list.size() < 300) list += ",0.7";
  TempDir t;
  const std::string out = t / "ok";
  CliResult r = run_cli("sweep --soc " + kSoc + " --target " + k3b + " --draft " + k1b + " --max-gamma 2 --alpha " + list +
                        " --out " + out);
  INFO(r.err);
  CHECK(r.code == 0);
  std::string bad = list + ",x";
  while (bad.size() < 5000) bad = "0.5," + bad;
  check_one_line_error(run_cli("sweep --soc " + kSoc + " --target " + k3b + " --draft " + k1b + " --alpha " + bad + " --out " + (t / "bad")),
            "--alpha: expected a number in [0, 1], got 'x'", t / "bad");
}

TEST_CASE("a directory or a named pipe where a file is expected: one line, no hang", "[cli][bad-input][hardening]") {
  TempDir t;
  const std::string dir = t / "adir", fifo = t / "pipe";
  std::filesystem::create_directories(dir);
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  const std::string out = t / "result";
  const std::string pair = " --target " + k3b + " --draft " + k1b + " --out " + out;
  check_one_line_error(run_cli("sweep --soc " + dir + pair, 20), dir + ": is a directory, expected a file", out);
  check_one_line_error(run_cli("sweep --soc " + fifo + pair, 20), fifo + ": is a named pipe, expected a regular file", out);
  check_one_line_error(run_cli("sweep --soc " + kSoc + " --target " + fifo + " --draft " + k1b + " --out " + out, 20),
            fifo + ": is a named pipe", out);
  check_one_line_error(run_cli("sweep --soc " + kSoc + pair + " --alpha " + fifo, 20), fifo + ": is a named pipe", out);
  check_one_line_error(run_cli("tokenize " + fifo + " hello", 20), fifo + ": is a named pipe");
  check_one_line_error(run_cli("inspect " + fifo, 20), fifo + ": is a named pipe");
  check_one_line_error(run_cli("make-model --spec " + fifo + " --out " + (t / "m.gguf"), 20), fifo + ": is a named pipe", t / "m.gguf");
  const auto& m = spec_models();
  std::string plan = t.file("plan.yaml", "schema: hetspec.plan/1\ngamma: 2\nmode: sequential\ntarget: {pu: cpu}\ndraft: {pu: cpu}\n");
  check_one_line_error(run_cli("run --plan " + plan + " --target " + m.target + " --draft " + m.draft + " --prompts " + fifo + " --out " + out +
                        " --no-chat -q",
                    20),
            fifo + ": is a named pipe", out);
  check_one_line_error(run_cli("run --plan " + fifo + " --target " + m.target + " --draft " + m.draft + " --prompts " + plan + " --out " + out +
                        " --no-chat -q",
                    20),
            fifo + ": is a named pipe", out);
}

TEST_CASE("a repeated YAML key is an error naming the key and both lines", "[cli][bad-input][hardening]") {
  TempDir t;
  std::string soc = t.file("soc.yaml", with(slurp(kSoc), "kind: spec-sheet", "kind: spec-sheet\nname: other"));
  const std::string out = t / "result";
  CliResult r = run_cli("sweep --soc " + soc + " --target " + k3b + " --draft " + k1b + " --out " + out);
  check_one_line_error(r, soc + ": name: duplicate key (line 5 and line 7)", out);
  std::string spec = t.file("m.yaml", with(slurp(kSmolSpec), "ffn: 1536", "ffn: 1536\nrope_theta: 1"));
  check_one_line_error(run_cli("make-model --spec " + spec + " --out " + (t / "m.gguf")), spec + ": rope_theta: duplicate key", t / "m.gguf");
}
