// Issue 10: the bad-input matrix. Crafted GGUF files (truncations, absurd counts, shapes, types,
// alignment, metadata values), YAML files (types, non-finite numbers, duplicates, depth, size), CLI
// flags and special files, each through the CLI: exit 2 (never 3, "internal error"), one line naming
// the file and the key or tensor (or the flag), and the --out directory untouched.
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <functional>

#include "hetspec/model/random_model.hpp"
#include "spec/spec_models.hpp"
#include "support/bad_input.hpp"
#include "support/paths.hpp"
#include "support/run_cli.hpp"

using namespace hetspec;
using namespace hetspec::test;

namespace {
const std::string kSoc = source_path("configs/socs/nxp-imx95.yaml");
const std::string k3b = source_path("configs/models/llama-3.2-3b.yaml");
const std::string k1b = source_path("configs/models/llama-3.2-1b.yaml");

struct Case {
  std::string label;
  std::string args;    // hetspec arguments; " --out <dir>" is appended when `out` is set
  std::string expect;  // must appear in the one error line: the file and key / tensor, or the flag
  bool out = true;
};

// The matrix's files live in one directory for the whole run.
struct Files {
  TempDir t;
  std::string good_gguf_bytes;
  std::string gguf(const std::string& name, const std::string& bytes) const { return t.file(name, bytes); }
  std::string gguf_with(const std::string& name, const std::function<void(GgufWriter&)>& edit) const {
    GgufWriter w = random_model_writer(spec_test_spec(3), 1);
    edit(w);
    return gguf(name, w.to_bytes());
  }
  Files() { good_gguf_bytes = random_model_writer(spec_test_spec(3), 1).to_bytes(); }
};

size_t after(const std::string& bytes, const std::string& s) {
  const size_t p = bytes.find(s);
  REQUIRE(p != std::string::npos);
  return p + s.size();
}
template <class T>
std::string patched(std::string bytes, size_t pos, T v) {
  std::memcpy(bytes.data() + pos, &v, sizeof(T));
  return bytes;
}

std::string sweep_target(const std::string& f) { return "sweep --soc " + kSoc + " --target " + f + " --draft " + k1b + " --max-gamma 1"; }
std::string sweep_draft(const std::string& f) { return "sweep --soc " + kSoc + " --target " + k3b + " --draft " + f + " --max-gamma 1"; }
std::string sweep_soc(const std::string& f) { return "sweep --soc " + f + " --target " + k3b + " --draft " + k1b + " --max-gamma 1"; }
const std::string kSweep = sweep_soc(kSoc);
const std::string kSweepAll = "sweep --soc " + kSoc + " --target " + k3b + " --draft " + k1b;  // for the flag cases

std::vector<Case> gguf_cases(const Files& F) {
  const std::string& g = F.good_gguf_bytes;
  std::vector<Case> c;
  auto target = [&](const std::string& label, const std::string& file, const std::string& key, const std::string& what = "") {
    c.push_back({"gguf: " + label, sweep_target(file), file + ": " + key + what});
  };
  // truncations
  std::string f = F.gguf("empty.gguf", "");
  target("empty file", f, "not a GGUF file");
  f = F.gguf("magic-only.gguf", "GGUF");
  target("magic only", f, "");
  f = F.gguf("cut-header.gguf", g.substr(0, 20));
  target("cut in the header", f, "header: truncated file");
  f = F.gguf("cut-kv.gguf", g.substr(0, after(g, "tokenizer.ggml.merges") + 2));
  target("cut in a metadata value", f, "tokenizer.ggml.merges: truncated file");
  f = F.gguf("cut-tensor-info.gguf", g.substr(0, after(g, "blk.1.attn_q.weight") + 3));
  target("cut in a tensor info", f, "blk.1.attn_q.weight: truncated file");
  f = F.gguf("cut-data.gguf", g.substr(0, g.size() - 8));
  target("cut in the tensor data", f, "output_norm.weight: tensor data");
  // header fields and counts
  f = F.gguf("magic.gguf", "XGUF" + g.substr(4));
  target("bad magic", f, "header: not a GGUF file (magic 'XGUF'");
  target("version 7", F.gguf("v7.gguf", patched<uint32_t>(g, 4, 7)), "header: unsupported GGUF version 7");
  target("version 1", F.gguf("v1.gguf", patched<uint32_t>(g, 4, 1)), "header: GGUF version 1 is not supported");
  target("big-endian", F.gguf("be.gguf", patched<uint32_t>(g, 4, 0x03000000)), "header: big-endian");
  target("absurd tensor count", F.gguf("ntensors.gguf", patched<uint64_t>(g, 8, 1ull << 60)), "header: absurd tensor count");
  target("absurd metadata count", F.gguf("nkv.gguf", patched<uint64_t>(g, 16, ~0ull)), "header: absurd metadata count");
  target("absurd key length", F.gguf("keylen.gguf", patched<uint64_t>(g, 24, 1ull << 60)), "metadata[0]: truncated file or absurd length");
  target("absurd string length", F.gguf("strlen.gguf", patched<uint64_t>(g, after(g, "general.architecture") + 4, 1ull << 62)),
         "general.architecture: ");
  target("unknown value type", F.gguf("vtype.gguf", patched<uint32_t>(g, after(g, "general.architecture"), 99)), "general.architecture: ");
  target("absurd array count", F.gguf("arrlen.gguf", patched<uint64_t>(g, after(g, "tokenizer.ggml.tokens") + 8, 1ull << 60)),
         "tokenizer.ggml.tokens: ");
  // tensor infos: dims, types, offsets, alignment
  const size_t q = after(g, "blk.0.attn_q.weight");  // n_dims u32, dims 2 x u64, type u32, offset u64
  target("absurd n_dims", F.gguf("ndims.gguf", patched<uint32_t>(g, q, 9)), "blk.0.attn_q.weight: ");
  target("absurd dimension", F.gguf("dim.gguf", patched<uint64_t>(g, q + 4, 1ull << 62)), "blk.0.attn_q.weight: ");
  target("zero dimension", F.gguf("dim0.gguf", patched<uint64_t>(g, q + 4, 0)), "blk.0.attn_q.weight: ");
  target("unknown tensor type", F.gguf("ttype.gguf", patched<uint32_t>(g, q + 20, 99)), "blk.0.attn_q.weight: ");
  uint64_t off;
  std::memcpy(&off, g.data() + q + 24, 8);
  target("misaligned offset", F.gguf("misaligned.gguf", patched<uint64_t>(g, q + 24, off + 1)), "blk.0.attn_q.weight: ");
  target("offset past the end", F.gguf("offset.gguf", patched<uint64_t>(g, q + 24, 1ull << 40)), "blk.0.attn_q.weight: ");
  target("alignment not a power of two", F.gguf_with("align.gguf", [](GgufWriter& w) { w.set_u32("general.alignment", 3); }),
         "general.alignment: must be a power of two");
  // metadata values
  auto value = [&](const std::string& label, const std::string& key, const std::function<void(GgufWriter&)>& edit, const std::string& what) {
    const std::string file = F.gguf_with("v-" + std::to_string(c.size()) + ".gguf", edit);
    target(label, file, key + ": ", what);
  };
  value("freq_base inf", "llama.rope.freq_base", [](GgufWriter& w) { w.set_f32("llama.rope.freq_base", INFINITY); }, "must be a finite positive");
  value("freq_base NaN", "llama.rope.freq_base", [](GgufWriter& w) { w.set_f32("llama.rope.freq_base", NAN); }, "must be a finite positive");
  value("rms epsilon -0", "llama.attention.layer_norm_rms_epsilon",
        [](GgufWriter& w) { w.set_f32("llama.attention.layer_norm_rms_epsilon", -0.f); }, "must be a finite positive");
  value("rope scaling NaN", "llama.rope.scaling.factor", [](GgufWriter& w) {
    w.set_string("llama.rope.scaling.type", "llama3");
    w.set_f32("llama.rope.scaling.factor", NAN);
  }, "must be a finite positive");
  value("original context 2^40", "llama.rope.scaling.original_context_length", [](GgufWriter& w) {
    w.set_string("llama.rope.scaling.type", "llama3");
    w.set_f32("llama.rope.scaling.factor", 8);
    w.set_u64("llama.rope.scaling.original_context_length", 1ull << 40);
  }, "must be a positive integer below 2^30");
  value("context 2^40", "llama.context_length", [](GgufWriter& w) { w.set_u64("llama.context_length", 1ull << 40); }, "must be a positive integer");
  value("head_count 0", "llama.attention.head_count", [](GgufWriter& w) { w.set_u32("llama.attention.head_count", 0); }, "must be a positive integer");
  value("kv heads not dividing", "llama.attention.head_count_kv", [](GgufWriter& w) { w.set_u32("llama.attention.head_count_kv", 3); },
        "3 KV heads do not divide 4");
  value("embedding length 2^31", "llama.embedding_length", [](GgufWriter& w) { w.set_u64("llama.embedding_length", 1ull << 31); }, "");
  value("block_count too small", "llama.block_count", [](GgufWriter& w) { w.set_u32("llama.block_count", 2); }, "2 layers, but the file has tensors of 3");
  value("block_count too large", "llama.block_count", [](GgufWriter& w) { w.set_u32("llama.block_count", 5); }, "5 layers, but the file has tensors of 3");
  value("unknown architecture", "general.architecture", [](GgufWriter& w) { w.set_string("general.architecture", "gpt9"); },
        "unknown architecture 'gpt9'");
  value("architecture of the wrong type", "general.architecture", [](GgufWriter& w) { w.set_u32("general.architecture", 7); }, "");
  value("missing block_count", "llama.block_count", [](GgufWriter& w) { w.remove("llama.block_count"); }, "");
  value("wrong shape", "blk.1.ffn_up.weight", [](GgufWriter& w) {
    w.remove_tensor("blk.1.ffn_up.weight");
    w.add_tensor_f32("blk.1.ffn_up.weight", DType::F32, {64, 64}, std::vector<float>(64 * 64, 0.f));
  }, "has shape [64, 64], expected [64, 128]");
  value("missing tensor", "blk.2.ffn_down.weight", [](GgufWriter& w) { w.remove_tensor("blk.2.ffn_down.weight"); }, "missing tensor");
  const std::string unk = F.gguf_with("unk.gguf", [](GgufWriter& w) { w.set_u32("tokenizer.ggml.unknown_token_id", 99999); });
  c.push_back({"gguf: unknown-token id out of range", "tokenize " + unk + " hi", unk + ": tokenizer.ggml.unknown_token_id: token id 99999", false});
  const std::string bos = F.gguf_with("bos.gguf", [](GgufWriter& w) { w.set_i32("tokenizer.ggml.bos_token_id", -5); });
  c.push_back({"gguf: negative bos id", "tokenize " + bos + " hi", bos + ": tokenizer.ggml.bos_token_id: token id -5 out of range", false});
  const std::string pre = F.gguf_with("pre.gguf", [](GgufWriter& w) { w.set_string("tokenizer.ggml.pre", "no-such-pre"); });
  c.push_back({"gguf: unknown pre-tokenizer", "tokenize " + pre + " hi", pre + ": tokenizer.ggml.pre: ", false});
  c.push_back({"gguf: inspect of a truncated file", "inspect " + F.gguf("cut2.gguf", g.substr(0, g.size() / 2)), "cut2.gguf: ", false});
  return c;
}

std::vector<Case> yaml_cases(const Files& F) {
  std::vector<Case> c;
  const std::string model = slurp(k1b), soc = slurp(kSoc);
  auto draft = [&](const std::string& label, const std::string& text, const std::string& expect) {
    const std::string f = F.t.file("d" + std::to_string(c.size()) + ".yaml", text);
    c.push_back({"yaml model: " + label, sweep_draft(f), f + ": " + expect});
  };
  auto socf = [&](const std::string& label, const std::string& text, const std::string& expect) {
    const std::string f = F.t.file("s" + std::to_string(c.size()) + ".yaml", text);
    c.push_back({"yaml soc: " + label, sweep_soc(f), f + ": " + expect});
  };
  draft("string for an integer", with(model, "layers: 16", "layers: abc"), "layers: expected an integer, got 'abc'");
  draft("list for an integer", with(model, "d_model: 2048", "d_model: [1, 2]"), "d_model: expected an integer");
  draft("mapping for an integer", with(model, "heads: 32", "heads: {a: 1}"), "heads: expected an integer");
  draft("float for an integer", with(model, "ffn: 8192", "ffn: 81.5"), "ffn: expected an integer");
  draft("rope_theta .inf", with(model, "rope_theta: 500000", "rope_theta: .inf"), "rope_theta: must be a positive number");
  draft("rope_theta .nan", with(model, "rope_theta: 500000", "rope_theta: .nan"), "rope_theta: must be a positive number");
  draft("rms_eps negative", with(model, "rms_eps: 1.0e-5", "rms_eps: -1.0e-5"), "rms_eps: must be a positive number");
  draft("duplicate key", with(model, "ffn: 8192", "ffn: 8192\nffn: 4096"), "ffn: duplicate key");
  draft("layers above the limit", with(model, "layers: 16", "layers: 5000"), "layers: ");
  draft("vocab above the limit", with(model, "vocab: 128256", "vocab: 99999999"), "vocab: ");
  draft("unknown key", with(model, "ffn: 8192", "ffn: 8192\ncolour: red"), "colour: unknown key");
  draft("missing key", with(model, "d_model: 2048", ""), "d_model: missing required key");
  draft("not UTF-8", with(model, "name: llama-3.2-1b", "name: caf\xE9"), "name: not valid UTF-8");
  draft("top level a list", "- a\n- b\n", "top level must be a mapping");
  draft("empty file", "", "top level must be a mapping");
  draft("malformed", "name: [unclosed\n", "line ");
  draft("nested too deeply", model + "extra: " + std::string(300, '[') + std::string(300, ']') + "\n", "extra");
  draft("rope_scaling factor .inf", with(model, "{factor: 32,", "{factor: .inf,"), "rope_scaling.factor: must be a positive number");
  std::string big = "# big\n";
  big.reserve(5u << 20);
  while (big.size() < (5u << 20)) big += "# padding padding padding padding padding padding padding padding\n";
  draft("file above the size cap", model + big, std::to_string(model.size() + big.size()) + " bytes, above the 4 MiB limit for YAML input");
  socf("bandwidth .inf", with(soc, "dram_bw_gbps: 11.0", "dram_bw_gbps: .inf"), "pus[0].roofline.dram_bw_gbps: must be a positive number");
  socf("cores a string", with(soc, "cores: 6", "cores: six"), "pus[0].cores: expected an integer, got 'six'");
  socf("duplicate key in a list item", with(soc, "cores: 6", "cores: 6\n    cores: 4"), "pus[0].cores: duplicate key");
  socf("threads above cores", with(soc, "threads: [1, 2, 4, 6]", "threads: [1, 2, 4, 8]"), "pus[0].threads[3]: thread count must be in 1..6");
  socf("link to a missing PU", with(soc, "{from: cpu, to: gpu,", "{from: cpu, to: npu,"), "links[0].to: names PU 'npu'");
  const std::string acc = F.t.file("acc.yaml", "schema: hetspec.acceptance/1\nalpha: [0.8, 1.5]\n");
  c.push_back({"yaml acceptance: alpha above 1", kSweep + " --alpha " + acc, acc + ": alpha: acceptance rate must be in [0, 1]"});
  const std::string acc2 = F.t.file("acc2.yaml", "schema: hetspec.acceptance/1\nalpha: .nan\n");
  c.push_back({"yaml acceptance: alpha NaN", kSweep + " --alpha " + acc2, acc2 + ": alpha: acceptance rate must be in [0, 1]"});
  // found by fuzz_yaml_acceptance: a missing alpha key was an uncaught yaml-cpp InvalidNode (exit 3)
  const std::string acc3 = F.t.file("acc3.yaml", "schema: hetspec.acceptance/1\naLpha: [0.85, 0.8]\n");
  c.push_back({"yaml acceptance: alpha missing", kSweep + " --alpha " + acc3, acc3 + ": alpha: missing required key"});
  const std::string acc4 = F.t.file("acc4.yaml", "schema: hetspec.acceptance/1\nalpha: 0.8\nby_draft_dtype: {q8_0: []}\n");
  c.push_back({"yaml acceptance: empty list", kSweep + " --alpha " + acc4, acc4 + ": by_draft_dtype.q8_0: must not be empty"});
  // found by fuzz_yaml_acceptance / _plan / _profile (2026-11-30): a complex key was an uncaught
  // yaml-cpp bad conversion (a crash)
  const std::string acc5 = F.t.file("acc5.yaml", "schema: hetspec.acceptance/1\nalpha: 0.8\nby_draft_dtype:\n  ? q8_0: [0.8]\n");
  c.push_back({"yaml acceptance: complex key", kSweep + " --alpha " + acc5, acc5 + ": by_draft_dtype: key on line 4: must be a plain name"});
  socf("complex key in a PU", with(soc, "cores: 6", "cores: 6\n    [a, b]: 1"), "pus[0]: key on line ");
  const std::string plan = F.t.file("plan.yaml", "schema: hetspec.plan/1\ngamma: 99\ntarget: {pu: cpu}\ndraft: {pu: cpu}\n");
  c.push_back({"yaml plan: gamma 99", "predict --soc " + kSoc + " --target " + k3b + " --draft " + k1b + " --plan " + plan,
               plan + ": gamma: must be in 0..64", false});
  const std::string plan2 = F.t.file("plan2.yaml", "schema: hetspec.plan/1\ngamma: 2\ntarget: {pu: tpu}\ndraft: {pu: cpu}\n");
  c.push_back({"yaml plan: unknown PU", "predict --soc " + kSoc + " --target " + k3b + " --draft " + k1b + " --plan " + plan2,
               plan2 + ": target.pu: names PU 'tpu'", false});
  return c;
}

std::vector<Case> cli_cases(const Files& F) {
  std::vector<Case> c;
  auto flag = [&](const std::string& label, const std::string& args, const std::string& expect) {
    c.push_back({"flag: " + label, args, expect});
  };
  flag("--max-gamma 99", kSweepAll + " --max-gamma 99", "--max-gamma: must be in 0..64");
  flag("--top 0", kSweepAll + " --top 0", "--top: must be >= 1");
  flag("--split-step 0", kSweepAll + " --split-step 0", "--split-step: must be >= 1");
  flag("--max-plans 10", kSweepAll + " --max-plans 10", "--max-plans: the plan space has");
  flag("--alpha 1.5", kSweepAll + " --alpha 1.5", "--alpha");
  flag("--alpha abc", kSweepAll + " --alpha abc", "--alpha");
  flag("--alpha list with a bad item", kSweepAll + " --alpha 0.5,x", "--alpha: expected a number in [0, 1], got 'x'");
  flag("--target-dtypes q9", kSweepAll + " --target-dtypes q9", "--target-dtypes: unknown dtype 'q9'");
  flag("--draft self:0", sweep_draft("self:0"), "--draft 'self:0': K must be in 1..27");
  flag("--draft self:x", sweep_draft("self:x"), "--draft 'self:x': self:K needs a layer count K");
  flag("unknown flag", kSweepAll + " --bogus 1", "--bogus");
  flag("--max-gamma not a number", kSweepAll + " --max-gamma lots", "--max-gamma");
  c.push_back({"flag: generate --n 0", "generate --model " + F.gguf("gen.gguf", F.good_gguf_bytes) + " --prompt hi --n 0", "--n", false});
  c.push_back({"flag: make-model --dtype q9", "make-model --spec " + source_path("configs/models/smollm2-135m.yaml") + " --dtype q9 --out " +
                                                  (F.t / "mm.gguf"),
               "--dtype", false});
  return c;
}

std::vector<Case> special_cases(const Files& F) {
  std::vector<Case> c;
  const std::string dir = F.t / "adir", fifo = F.t / "fifo";
  std::filesystem::create_directories(dir);
  if (!std::filesystem::exists(fifo)) REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  c.push_back({"special: directory as --soc", sweep_soc(dir), dir + ": is a directory"});
  c.push_back({"special: FIFO as --soc", sweep_soc(fifo), fifo + ": is a named pipe"});
  c.push_back({"special: /dev/null as --soc", sweep_soc("/dev/null"), "/dev/null: is a device"});
  c.push_back({"special: missing --target", sweep_target(F.t / "nope.gguf"), F.t / "nope.gguf" + ": cannot open"});
  c.push_back({"special: directory as --target", sweep_target(dir), dir + ": is a directory"});
  c.push_back({"special: FIFO as --draft", sweep_draft(fifo), fifo + ": is a named pipe"});
  c.push_back({"special: FIFO as --alpha", kSweep + " --alpha " + fifo, fifo + ": is a named pipe"});
  c.push_back({"special: /dev/zero as a model to inspect", "inspect /dev/zero", "/dev/zero: is a device", false});
  c.push_back({"special: FIFO as tokenize model", "tokenize " + fifo + " hi", fifo + ": is a named pipe", false});
  const std::string blocker = F.t.file("blocker", "x");
  c.push_back({"special: --out below a regular file", kSweep + " --out " + blocker + "/sub", blocker, false});
  return c;
}
}  // namespace

TEST_CASE("bad-input matrix: exit 2, one line naming file and key, --out untouched, never exit 3", "[cli][bad-input][hardening]") {
  Files F;
  std::vector<Case> all;
  for (auto* make : {&gguf_cases, &yaml_cases, &cli_cases, &special_cases})
    for (Case& c : make(F)) all.push_back(std::move(c));
  CHECK(all.size() >= 60);
  for (size_t i = 0; i < all.size(); ++i) {
    const Case& c = all[i];
    const std::string out = F.t / ("out" + std::to_string(i));  // one each: a case that wrongly writes cannot fail the next
    INFO("case: " << c.label << "\nargs: " << c.args);
    CliResult r = run_cli(c.args + (c.out ? " --out " + out : ""), 20);
    CHECK(r.code != 3);
    check_one_line_error(r, c.expect, c.out ? out : "");
  }
}
