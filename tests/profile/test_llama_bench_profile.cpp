// llama.cpp's forwards through llama-bench: its JSON parsed into forward points (prompt tests only),
// a profile whose CPU forwards are llama.cpp's with the verify's extra head rows added, and the clear
// errors when the tool or its output is not what we expect.
#include <catch2/catch.hpp>

#include "hetspec/bench/llama_bench.hpp"
#include "hetspec/core/error.hpp"
#include "hetspec/cost/forward_cost.hpp"
#include "support/paths.hpp"
#include "support/run_cli.hpp"

using namespace hetspec;
using namespace hetspec::test;

namespace {
// The shape llama-bench -o json prints (llama.cpp 0c1e570: one object per test, these fields among others).
const char* kJson = R"([
  {"build_commit": "0c1e570", "build_number": 1, "model_filename": "t.gguf", "n_threads": 2, "n_prompt": 1,
   "n_gen": 0, "n_depth": 64, "avg_ns": 8000000, "stddev_ns": 80000, "avg_ts": 125.0, "stddev_ts": 1.0},
  {"build_commit": "0c1e570", "build_number": 1, "model_filename": "t.gguf", "n_threads": 2, "n_prompt": 4,
   "n_gen": 0, "n_depth": 64, "avg_ns": 14000000, "stddev_ns": 140000, "avg_ts": 285.7, "stddev_ts": 2.0,
   "samples_ns": [13000000, 17000000, 12000000]},
  {"build_commit": "0c1e570", "build_number": 1, "model_filename": "t.gguf", "n_threads": 2, "n_prompt": 0,
   "n_gen": 16, "n_depth": 0, "avg_ns": 128000000, "stddev_ns": 1000, "avg_ts": 125.0, "stddev_ts": 1.0}
])";
}  // namespace

TEST_CASE("llama-bench JSON: prompt tests become forwards of m tokens at depth n", "[profile][llamacpp]") {
  const auto pts = parse_llama_bench_json(kJson, "bench.json");
  REQUIRE(pts.size() == 2);  // the generation test is not a forward of m tokens
  CHECK(pts[0].m == 1);
  CHECK(pts[0].n == 64);
  CHECK(pts[0].threads == 2);
  CHECK(pts[0].us == Approx(8000.0));
  CHECK(pts[1].m == 4);
  CHECK(pts[1].us == Approx(13000.0));  // samples_ns listed: their median (one slow repetition does not count)
  CHECK(pts[1].build_commit == "0c1e570");
  CHECK(pts[1].stddev_us == Approx(1.4826 * 1000));  // the spread is the scaled MAD of the samples too
  {  // one stalled repetition: llama-bench's stddev would give a cv of 2.1, the profile keeps the robust one
    const auto stalled = parse_llama_bench_json(
        R"([{"n_prompt": 2, "n_gen": 0, "n_depth": 0, "n_threads": 1, "avg_ns": 600000000, "stddev_ns": 1300000000,
             "model_filename": "x", "build_commit": "y", "samples_ns": [1000000, 1000000, 1000000, 1000000, 3000000000]}])",
        "bench.json");
    REQUIRE(stalled.size() == 1);
    CHECK(stalled[0].us == Approx(1000.0));
    CHECK(stalled[0].stddev_us == Approx(0.0));
  }
  CHECK_THROWS_WITH(parse_llama_bench_json("{}", "bench.json"), Catch::Contains("bench.json") && Catch::Contains("JSON array"));
  CHECK_THROWS_WITH(parse_llama_bench_json(R"([{"n_prompt": 1}])", "bench.json"), Catch::Contains("[0].n_gen"));
  CHECK_THROWS_WITH(parse_llama_bench_json(R"([{"n_prompt": 0, "n_gen": 8, "n_depth": 0, "n_threads": 1, "avg_ns": 1,
                                              "stddev_ns": 0, "model_filename": "x", "build_commit": "y"}])",
                                           "bench.json"),
                    Catch::Contains("no prompt test"));
}

TEST_CASE("a llama.cpp profile: the base's CPU with llama.cpp's forwards and the verify's head rows", "[profile][llamacpp]") {
  const Profile base = load_profile(source_path("tests/fixtures/roofline-cpu-pocl.yaml"));
  const ModelSpec spec = load_model_spec(source_path("configs/models/smollm2-135m.yaml"));
  const auto pts = parse_llama_bench_json(kJson, "bench.json");
  const Profile p = llama_bench_profile(base, {{spec, pts}}, "/x/llama-bench");
  REQUIRE(p.pus.size() == 1);
  CHECK(p.pus[0].id == "cpu");
  CHECK(p.pus[0].thread_options == std::vector<int>{2});  // plans use the measured thread counts only
  CHECK(p.description.find("llama.cpp 0c1e570") != std::string::npos);
  REQUIRE(p.pus[0].forward_check.size() == 2);
  const auto& f1 = p.pus[0].forward_check[0];
  const auto& f4 = p.pus[0].forward_check[1];
  CHECK(f1.model == spec.name);
  CHECK(f1.us == Approx(8000.0));  // m = 1: llama-bench's one row of logits is the forward's
  ExecContext c;
  c.pu = &base.pus[size_t(base.pu_index("cpu"))];
  c.threads = 2;
  const double rows3 = head_cost(spec, c, 4).total() - head_cost(spec, c, 1).total();
  CHECK(rows3 > 0);
  CHECK(f4.us == Approx(13000.0 + rows3));  // the median repetition, not the mean
}

TEST_CASE("a llama.cpp profile with an offloaded device: its forwards on the base's accelerator PU", "[profile][llamacpp]") {
  const Profile base = load_profile(source_path("tests/fixtures/roofline-cpu-pocl.yaml"));
  const ModelSpec spec = load_model_spec(source_path("configs/models/smollm2-135m.yaml"));
  const auto pts = parse_llama_bench_json(kJson, "bench.json");
  auto gpu = pts;
  for (auto& g : gpu) g.us /= 4, g.threads = 2;  // -t is the host's part: the device's check is stored at threads 1
  const Profile p = llama_bench_profile(base, {{spec, pts}}, "/x/llama-bench", {{"cl:0", "CUDA0", {{spec, gpu}}}});
  REQUIRE(p.pus.size() == 2);
  CHECK(p.pus[0].id == "cpu");
  CHECK(p.pus[1].id == "cl:0");
  CHECK(p.pus[1].kind == PuKind::GPU);
  CHECK(p.pus[1].name.find("(llama.cpp CUDA0)") != std::string::npos);
  CHECK(p.description.find("cl:0 as CUDA0") != std::string::npos);
  REQUIRE(p.pus[1].forward_check.size() == 2);
  CHECK(p.pus[1].forward_check[0].threads == 1);
  CHECK(p.pus[1].forward_check[0].us == Approx(2000.0));
  ExecContext c;
  c.pu = &base.pus[size_t(base.pu_index("cl:0"))];
  c.threads = 1;
  CHECK(p.pus[1].forward_check[1].us == Approx(3250.0 + head_cost(spec, c, 4).total() - head_cost(spec, c, 1).total()));
  CHECK(p.pus[0].forward_check[0].us == Approx(8000.0));  // the CPU's own checks stay the CPU's
  CHECK_THROWS_WITH(llama_bench_profile(base, {{spec, pts}}, "x", {{"cl:7", "CUDA0", {{spec, gpu}}}}),
                    Catch::Contains("--device-map") && Catch::Contains("cl:7"));
  CHECK_THROWS_WITH(llama_bench_profile(base, {{spec, pts}}, "x", {{"cpu", "CUDA0", {{spec, gpu}}}}),
                    Catch::Contains("is the CPU"));
}

TEST_CASE("hetspec profile --engine llama.cpp: bad input is one line, exit 2", "[profile][llamacpp][cli]") {
  TempDir t;
  const std::string base = source_path("tests/fixtures/roofline-cpu-pocl.yaml");
  CliResult r = run_cli("profile --engine llama.cpp --base " + base + " --models x.gguf --out " + (t / "p.yaml"));
  CHECK(r.code == 2);
  CHECK(r.err.find("--llama-bench") != std::string::npos);
  r = run_cli("profile --engine llama.cpp --llama-bench /nonexistent/llama-bench --base " + base +
              " --models x.gguf --out " + (t / "p.yaml"));
  CHECK(r.code == 2);
  CHECK(r.err.find("not an executable") != std::string::npos);
  // A tool that fails: its flags and stderr in the message.
  const std::string fake = t.file("llama-bench", "#!/bin/sh\necho 'error: unknown argument: -d' >&2\nexit 1\n");
  REQUIRE(std::system(("chmod +x " + fake).c_str()) == 0);
  r = run_cli("profile --engine llama.cpp --llama-bench " + fake + " --base " + base + " --models " +
              source_path("configs/models/smollm2-135m.yaml") + " --threads 1 --out " + (t / "p.yaml"));
  CHECK(r.code == 2);
  CHECK(r.err.find("unknown argument: -d") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(t / "p.yaml"));
  r = run_cli("profile --engine vllm --out " + (t / "p.yaml"));
  CHECK(r.code == 2);
  CHECK(r.err.find("--engine") != std::string::npos);
}
