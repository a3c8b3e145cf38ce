// `hetspec generate`: load a GGUF model, prefill a prompt, decode n tokens on the runner the --device plan asks for, print the
// continuation (stdout, streamed) and the timing line (stderr). Thin: the work is in the library.
#include <cstdio>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>

#include "hetspec/core/error.hpp"
#include "hetspec/engine/cpu_model.hpp"
#include "hetspec/engine/cpu/matmul.hpp"
#include "hetspec/engine/generate.hpp"
#include "hetspec/engine/runner/runner_factory.hpp"
#include "hetspec/engine/rss.hpp"
#include "hetspec/model/chat_template.hpp"
#include "hetspec/model/tokenizer_gguf.hpp"
#include "registry.hpp"

namespace {

struct GenerateArgs {
  std::string model, prompt, ids, device = "cpu", cl_tuning;
  bool chat = false, ignore_eos = false, print_ids = false, special = false;
  int n = 64, threads = 1, ctx = 0;
  float temp = 0, top_p = 1;
  int top_k = 0;
  uint64_t seed = 1;
};

std::vector<int32_t> parse_ids(const std::string& s) {
  std::vector<int32_t> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ',')) {
    try {
      size_t used = 0;
      long v = std::stol(item, &used);
      while (used < item.size() && std::isspace(static_cast<unsigned char>(item[used]))) ++used;
      if (used != item.size()) throw std::invalid_argument(item);
      out.push_back(int32_t(v));
    } catch (const std::exception&) {
      throw hetspec::Error("--ids", "not a comma-separated list of token ids: '" + item + "'");
    }
  }
  return out;
}

int run(const GenerateArgs& a) {
  using namespace hetspec;
  auto model = CpuModel::load(a.model, 1);  // weights only; runners bring their own threads
  const ModelSpec& s = model->spec();
  if (a.ids.empty() == a.prompt.empty()) throw Error("generate", "give exactly one of --prompt or --ids");
  Tokenizer tok = tokenizer_from_gguf(model->file());
  std::vector<int32_t> prompt;
  if (!a.ids.empty()) {
    if (a.chat) throw Error("generate", "--chat needs --prompt text, not --ids");
    prompt = parse_ids(a.ids);
  } else if (a.chat) {
    std::string text = apply_chat_template(tok.chat_template(), {{"user", a.prompt}}, true, a.model + ": tokenizer.chat_template");
    prompt = tok.encode(text, true, true);  // the template's control tokens are tokens
  } else {
    prompt = tok.encode(a.prompt, true, a.special);  // special-token text is plain text unless --special
  }
  if (prompt.empty()) throw Error("generate", "the prompt encodes to no tokens");
  const int ctx = a.ctx > 0 ? a.ctx : s.context;
  if (int(prompt.size()) >= ctx)
    throw Error(a.model, "prompt of " + std::to_string(prompt.size()) + " tokens exceeds the context of " +
                             std::to_string(ctx) + " tokens");
  // The cache only needs the positions this run can reach.
  const int kv_positions = int(std::min<int64_t>(ctx, int64_t(prompt.size()) + a.n));
  GenerateOptions opt;
  opt.n = a.n;
  opt.sampler = SamplerParams{a.temp, a.top_k, a.top_p, a.seed};
  if (!a.ignore_eos) opt.stop_ids = tok.eog_ids();
  // Stream the text; bytes of a multi-byte character may span tokens, which the terminal joins.
  auto print_token = [&](int32_t id) {
    if (a.print_ids) std::printf("%d ", id);
    else if (!tok.is_eog(id)) std::fputs(tok.token_to_piece(id, false).c_str(), stdout);
    std::fflush(stdout);
  };
  DeviceRegistry reg(a.cl_tuning);
  RunnerSpec rs;
  rs.plan = parse_device_plan(a.device, s.n_layers);
  rs.threads = a.threads;
  rs.capacity = kv_positions;
  auto runner = make_runner(*model, rs, reg);
  GenerateResult r = generate(*runner, prompt, opt, print_token);
  std::printf("\n");
  const RunnerStats st = runner->stats();
  std::fprintf(stderr,
               "prefill: %d tokens in %.3f s (%.1f tokens/s); decode: %d tokens in %.3f s (%.2f tokens/s); "
               "device %s; %d hand-offs, %.3f ms total (%.1f KB); threads %d (%s); KV cache %.1f MB; peak RSS %.1f MB (model file %.1f MB)%s\n",
               r.prompt_tokens, r.prefill_s, r.prefill_tps(), r.decode_steps, r.decode_s, r.decode_tps(),
               runner->describe().c_str(), st.handoffs, st.handoff_s * 1e3, st.handoff_bytes / 1e3,
               a.threads, cpu_paths_description().c_str(),
               double(runner->capacity()) * runner->layers() * double(s.kv_dim()) * 4 / 1e6, double(peak_rss_bytes()) / 1e6, double(model->file().file_size()) / 1e6,
               r.context_full ? "; stopped: context full" : (r.stopped ? "; stopped at EOS" : ""));
  return 0;
}

hetspec::cli::Registrar reg("generate", "Generate text with a GGUF model on the CPU, an OpenCL device or a split, and report tokens/s",
                            [](CLI::App& app) {
  auto a = std::make_shared<GenerateArgs>();
  app.add_option("--model,-m", a->model, "GGUF model file")->required();
  app.add_option("--prompt,-p", a->prompt,
                 "prompt text; special-token text such as <|im_start|> is tokenized as plain text unless --special "
                 "(tokenize parses it by default)");
  app.add_option("--ids", a->ids, "prompt as comma-separated token ids (instead of --prompt)");
  app.add_flag("--chat", a->chat, "wrap the prompt in the model's chat template (one user turn; its control tokens are parsed)");
  app.add_flag("--special", a->special, "parse special-token text in --prompt (<|im_start|>) as control tokens");
  app.add_option("--n", a->n, "tokens to generate (at least 1)")->check(CLI::Range(1, 1 << 20));
  app.add_option("--temp", a->temp, "temperature (0 = greedy)")->check(CLI::Range(0.0, 100.0));
  app.add_option("--top-k", a->top_k, "keep the k most likely tokens (0 = off)")->check(CLI::Range(0, 1 << 24));
  app.add_option("--top-p", a->top_p, "nucleus mass (1 = off)")->check(CLI::Range(0.0, 1.0));
  app.add_option("--seed", a->seed, "sampling seed");
  app.add_option("--threads,-t", a->threads, "CPU threads")->check(CLI::Range(1, 1024));
  app.add_option("--ctx", a->ctx, "context length (default: the model's)")->check(CLI::Range(1, 1 << 24));
  app.add_flag("--ignore-eos", a->ignore_eos, "keep generating past end-of-generation tokens");
  app.add_flag("--print-ids", a->print_ids, "print generated token ids instead of text");
  app.add_option("--device", a->device,
                 "where layers run: cpu, cl:0, or ranges like cpu:0-11,cl:0:12-29[,head=cpu] (docs/opencl.md)");
  app.add_option("--cl-tuning", a->cl_tuning, "OpenCL tuning override YAML (default: $HETSPEC_CL_TUNING)");
  return std::function<int()>([a] { return run(*a); });
});

}  // namespace
