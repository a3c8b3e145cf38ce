// `hetspec profile`: bad input is one line and exit 2 with no output; --quick on a tiny random model
// writes a profile that loads (and --show / sweep read it); SIGINT then --resume finishes without
// redoing finished phases.
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <set>
#include <thread>

#include "engine/opencl/cl_test_support.hpp"
#include "hetspec/profile/profile.hpp"
#include "support/paths.hpp"
#include "support/run_cli.hpp"

extern char** environ;

using namespace hetspec;
using hetspec::test::run_cli;
using hetspec::test::TempDir;

namespace {
const char* kTinySpec = R"(schema: hetspec.model/1
name: tiny-profile
arch: llama
layers: 2
d_model: 128
heads: 4
kv_heads: 2
head_dim: 32
ffn: 256
vocab: 512
context: 2048
tied_embeddings: true
rope_theta: 10000
rms_eps: 1.0e-5
weight_dtype: q4_1
)";

void one_line_error(const hetspec::test::CliResult& r, const std::string& what) {
  CHECK(r.code == 2);
  CHECK(r.err.rfind("hetspec: error: ", 0) == 0);
  CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
  CHECK_THAT(r.err, Catch::Contains(what));
}
}  // namespace

TEST_CASE("profile: bad input is one error line, exit 2, no output file", "[cli][profile]") {
  TempDir t;
  std::string spec = t.file("tiny.yaml", kTinySpec);
  std::string out = t / "p.yaml";
  one_line_error(run_cli("profile --out " + out + " --models " + spec + " --devices cl:97 --quick"),
                 "--devices: no OpenCL device 'cl:97'");
  one_line_error(run_cli("profile --out " + out + " --models " + spec + " --devices gpu --quick"), "--devices");
  one_line_error(run_cli("profile --out " + out + " --models " + t / "missing.gguf" + " --quick"),
                 t / "missing.gguf" + ": cannot read the model file");
  one_line_error(run_cli("profile --out " + out + " --models " + spec + " --budget 3"),
                 "--budget: 3 s is too small for 1 model(s) on 1 device(s)");
  one_line_error(run_cli("profile --out " + out + " --quick"), "--models");
  one_line_error(run_cli("profile --out " + out + " --models " + spec + " --quick --rounds 21"),
                 "--rounds: 21 is outside 1..20");
  one_line_error(run_cli("profile --out " + out + " --models " + t.file("bad.yaml", "schema: hetspec.model/1\nname: x\n") + " --quick"),
                 "bad.yaml");
  one_line_error(run_cli("profile --show " + t.file("junk.yaml", "schema: hetspec.profile/1\nname: j\nfoo: 1\n")), "junk.yaml");
  CHECK_FALSE(std::filesystem::exists(out));
}

TEST_CASE("profile --quick on a tiny random model writes a profile that loads and sweeps", "[cli][profile][long]") {
  TempDir t;
  std::string spec = t.file("tiny.yaml", kTinySpec);
  std::string out = t / "tiny-host.yaml";
  auto r = run_cli("profile --out " + out + " --models " + spec + " --quick --devices cpu");
  REQUIRE(r.code == 0);
  CHECK_THAT(r.err, Catch::Contains("matmul tables cpu t1 tiny-profile"));
  Profile p = load_profile(out);
  CHECK(p.kind == "measured");
  REQUIRE(p.pus.size() == 1);
  const ProcessingUnit& cpu = p.pus[0];
  CHECK(cpu.id == "cpu");
  CHECK(cpu.engine == "cpu");
  CHECK(cpu.bandwidth_curve.size() >= 4);
  CHECK(cpu.tables.size() >= 4);  // q(=o), k/v, gate/up, down per thread count
  CHECK(cpu.head.size() >= 1);
  CHECK(cpu.attention.size() >= 1);
  CHECK(cpu.elementwise.size() >= 1);
  CHECK(cpu.launches_per_layer >= 10);
  CHECK_FALSE(cpu.forward_check.empty());
  std::set<int> ns;
  for (const auto& f : cpu.forward_check) ns.insert(int(f.n));
  CHECK(ns == std::set<int>{64, 512});  // --quick anchors the CPU's forward at both contexts
  CHECK_FALSE(p.provenance.cpu.empty());
  CHECK_FALSE(std::filesystem::exists(out + ".partial"));
  auto show = run_cli("profile --show " + out);
  CHECK(show.code == 0);
  CHECK_THAT(show.out, Catch::Contains("read bandwidth"));
  auto sweep = run_cli("sweep --soc " + out + " --target " + spec + " --draft " + spec + " --alpha 0.7 --top 3");
  CHECK(sweep.code == 0);
}

TEST_CASE("profile --quick anchors a GPU's forward at both contexts, an OpenCL CPU device's at the short one",
          "[cli][profile][opencl][long]") {
  HS_CL_TEST_DEVICE(dev);
  TempDir t;
  std::string spec = t.file("tiny.yaml", kTinySpec);
  std::string out = t / "tiny-cl.yaml";
  const std::string id = dev.info().id;
  auto r = run_cli("profile --out " + out + " --models " + spec + " --quick --rounds 1 --devices " + id);
  REQUIRE(r.code == 0);
  Profile p = load_profile(out);
  const ProcessingUnit* pu = nullptr;
  for (const auto& x : p.pus)
    if (x.id == id) pu = &x;
  REQUIRE(pu != nullptr);
  std::set<int> ns;
  for (const auto& f : pu->forward_check) ns.insert(int(f.n));
  // A PoCL forward at n = 512 costs more than the quick minute allows; a GPU's grows with the
  // context faster than its attention kernels say, so it is anchored at both (profiler.cpp).
  if (dev.info().type == "CPU") CHECK(ns == std::set<int>{64});
  else CHECK(ns == std::set<int>{64, 512});
}

TEST_CASE("profile: SIGINT mid-run, then --resume finishes without redoing phases", "[cli][profile][long]") {
  TempDir t;
  std::string spec = t.file("tiny.yaml", kTinySpec);
  std::string out = t / "r.yaml";
  std::string args = " profile --out " + out + " --models " + spec + " --quick --devices cpu --model-cache " + t / "models";
  // Start, wait for the first finished phase (the sidecar), interrupt. Spawned directly (not as a
  // shell's background job, which would start with SIGINT ignored and shrug the interrupt off).
  std::string cmd = "exec env HETSPEC_PROFILE_PAUSE_MS=3000 " + std::string(HETSPEC_BINARY) + args + " >/dev/null 2>&1";
  const char* argv[] = {"/bin/sh", "-c", cmd.c_str(), nullptr};
  pid_t pid = 0;
  REQUIRE(posix_spawn(&pid, "/bin/sh", nullptr, nullptr, const_cast<char* const*>(argv), environ) == 0);
  auto t0 = std::chrono::steady_clock::now();
  while (!std::filesystem::exists(out + ".partial") && std::chrono::steady_clock::now() - t0 < std::chrono::seconds(60))
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  REQUIRE(std::filesystem::exists(out + ".partial"));
  kill(pid, SIGINT);
  int status = 0;
  REQUIRE(waitpid(pid, &status, 0) == pid);
  CHECK(WIFSIGNALED(status));  // it died of the interrupt, between phases
  CHECK(WTERMSIG(status) == SIGINT);
  CHECK_FALSE(std::filesystem::exists(out));
  auto r = run_cli(args.substr(1) + " --resume");
  REQUIRE(r.code == 0);
  CHECK_THAT(r.err, Catch::Contains("resuming: "));
  CHECK_THAT(r.err, !Catch::Contains("host sampling"));  // the first phase, finished before the interrupt
  CHECK_THAT(r.err, Catch::Contains("(round 3/3)"));
  Profile p = load_profile(out);
  CHECK(p.pus[0].tables.size() >= 4);
  CHECK_FALSE(std::filesystem::exists(out + ".partial"));
}

// --budget holds: phases of round 2 and later are skipped once they would end past it (a 1.3 s pause
// after each phase makes round 1 alone take the 10 s budget); the profile is written with one round.
TEST_CASE("profile: later rounds are skipped once the budget is spent", "[cli][profile][long]") {
  TempDir t;
  std::string spec = t.file("tiny.yaml", kTinySpec);
  std::string out = t / "b.yaml";
  setenv("HETSPEC_PROFILE_PAUSE_MS", "1300", 1);
  auto r = run_cli("profile --out " + out + " --models " + spec + " --devices cpu --rounds 3 --budget 10 --model-cache " +
                   t / "models");
  unsetenv("HETSPEC_PROFILE_PAUSE_MS");
  REQUIRE(r.code == 0);
  CHECK_THAT(r.err, Catch::Contains("budget of 10 s spent"));
  CHECK_THAT(r.err, Catch::Contains("later-round phase(s) skipped"));
  CHECK_THAT(r.err, !Catch::Contains("(round 3/3)"));
  Profile p = load_profile(out);
  CHECK(p.pus[0].tables.size() >= 4);
}
