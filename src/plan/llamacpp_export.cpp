#include "hetspec/plan/llamacpp_export.hpp"

#include <sstream>

#include "hetspec/core/error.hpp"
#include "hetspec/core/text_escape.hpp"

namespace hetspec {

namespace {

struct Layers {
  int ngl = 0;
  int device_pu = -1;  // the non-CPU PU holding the offloaded part (-1: none)
};

bool is_cpu(const Profile& prof, int pu) { return pu >= 0 && prof.pus[size_t(pu)].kind == PuKind::CPU; }

// -ngl for one placement over n layers, and what cannot be expressed.
Layers layers_of(const ModelPlacement& p, const Profile& prof, int n, const std::string& what,
                 std::vector<std::string>& warn) {
  Layers l;
  const auto id = [&](int pu) { return prof.pus[size_t(pu)].id; };
  const bool head_dev = !is_cpu(prof, p.head_pu);
  if (!p.is_split()) {
    if (is_cpu(prof, p.pu)) {
      if (head_dev) l.ngl = 1, l.device_pu = p.head_pu;  // the output layer alone
    } else {
      l.device_pu = p.pu;
      l.ngl = n + 1;
      if (!head_dev)
        warn.push_back(what + ": llama.cpp cannot keep the LM head on the CPU while every layer is on " + id(p.pu) +
                       "; it runs the head there too");
    }
    if (head_dev && p.head_pu != l.device_pu && l.device_pu >= 0)
      warn.push_back(what + ": the head on " + id(p.head_pu) + " and the layers on " + id(l.device_pu) +
                     " need two devices; llama.cpp runs the head with the layers");
    return l;
  }
  const bool first_cpu = is_cpu(prof, p.pu), second_cpu = is_cpu(prof, p.split_pu);
  if (first_cpu && !second_cpu) {
    l.device_pu = p.split_pu;
    l.ngl = n - p.split + 1;
    if (!head_dev)
      warn.push_back(what + ": llama.cpp offloads the output layer with the last layers (-ngl " + std::to_string(l.ngl) +
                     "); the plan's LM head on the CPU becomes the head on " + id(p.split_pu));
  } else if (!first_cpu && second_cpu) {
    l.device_pu = p.pu;
    l.ngl = p.split + 1;
    warn.push_back(what + ": llama.cpp offloads the last layers, not the first: " + id(p.pu) + "[0-" +
                   std::to_string(p.split - 1) + "] becomes the last " + std::to_string(p.split) +
                   " layers and the head on " + id(p.pu) + " (-ngl " + std::to_string(l.ngl) + ")");
  } else {
    l.device_pu = first_cpu ? -1 : p.pu;
    l.ngl = first_cpu ? 0 : n + 1;
    warn.push_back(what + ": a split between " + id(p.pu) + " and " + id(p.split_pu) +
                   " needs llama.cpp's --tensor-split over two devices; exported without the split");
  }
  return l;
}

std::string device_name(const Profile& prof, int pu, const LlamaCppExportOptions& opt, std::vector<std::string>& warn) {
  const std::string id = prof.pus[size_t(pu)].id;
  auto it = opt.device_map.find(id);
  if (it != opt.device_map.end()) return it->second;
  warn.push_back("llama.cpp names its devices itself (llama-bench --list-devices): give --device-map " + id +
                 "=NAME; '" + id + "' is a placeholder below");
  return id;
}

int threads_on(const Plan& plan, const Profile& prof, const ModelPlacement& p) {
  for (int pu : {p.pu, p.split_pu})
    if (is_cpu(prof, pu) && size_t(pu) < plan.threads.size()) return plan.threads[size_t(pu)];
  for (size_t j = 0; j < prof.pus.size() && j < plan.threads.size(); ++j)
    if (prof.pus[j].kind == PuKind::CPU) return plan.threads[j];
  return 1;
}

}  // namespace

std::string LlamaCppCommand::shell() const {
  std::string s;
  for (size_t i = 0; i < argv.size(); ++i) s += (i ? " " : "") + shell_word(argv[i]);
  return s;
}

LlamaCppCommand export_llamacpp(const Plan& plan, const Profile& prof, const ModelSpec& draft, const ModelSpec& target,
                                const LlamaCppExportOptions& opt) {
  const int npu = int(prof.pus.size());
  for (int pu : {plan.target.pu, plan.target.split_pu, plan.target.head_pu})
    if (pu >= npu) throw Error("plan", "uses a PU the profile lacks");
  if (plan.speculative())
    for (int pu : {plan.draft.pu, plan.draft.split_pu, plan.draft.head_pu})
      if (pu >= npu) throw Error("plan", "uses a PU the profile lacks");
  if (opt.tool != "llama-speculative" && opt.tool != "llama-server")
    throw Error("--tool", "expected llama-speculative or llama-server, got '" + opt.tool + "'");

  LlamaCppCommand c;
  auto& a = c.argv;
  auto& w = c.warnings;
  const bool spec = plan.speculative();
  a.push_back(spec || opt.tool == "llama-server" ? opt.tool : "llama-completion");
  a.insert(a.end(), {"-m", opt.target_path});
  const Layers tl = layers_of(plan.target, prof, target.n_layers, "target", w);
  a.insert(a.end(), {"-ngl", std::to_string(tl.ngl)});
  if (tl.device_pu >= 0) a.insert(a.end(), {"--device", device_name(prof, tl.device_pu, opt, w)});
  a.insert(a.end(), {"-t", std::to_string(threads_on(plan, prof, plan.target))});
  if (spec) {
    check(!draft.reads_features, opt.draft_path,
          "a feature-reading (eagle) draft runs only in hetspec's executor; llama.cpp's -md needs a token-only draft");
    a.insert(a.end(), {"-md", opt.draft_path});
    const Layers dl = layers_of(plan.draft, prof, draft.n_layers, "draft", w);
    a.insert(a.end(), {"-ngld", std::to_string(dl.ngl)});
    if (dl.device_pu >= 0) a.insert(a.end(), {"-devd", device_name(prof, dl.device_pu, opt, w)});
    a.insert(a.end(), {"-td", std::to_string(threads_on(plan, prof, plan.draft))});
    a.insert(a.end(), {"--spec-draft-n-max", std::to_string(plan.gamma), "--spec-draft-n-min", "0",
                       "--spec-draft-p-min", "0"});
    if (plan.mode == Mode::Overlapped)
      w.push_back("llama.cpp drafts and verifies in sequence: the plan's overlapped mode runs as its sequential variant");
    if (draft.borrows_embedding)
      w.push_back("the draft borrows its target's embedding and LM head (a hetspec draft): give llama.cpp the standalone "
                  "copy that `hetspec make-draft` writes (-md); its full-vocabulary head costs more than the plan's subset");
  }
  if (opt.greedy) a.insert(a.end(), {"--temp", "0"});
  if (!spec && opt.tool != "llama-server") a.push_back("-no-cnv");  // llama-completion: no chat loop, one completion
  if (opt.tool != "llama-server") a.insert(a.end(), {"-n", std::to_string(opt.gen_tokens), "-p", "PROMPT"});
  // Duplicate warnings (a placeholder device named twice) once.
  std::vector<std::string> uniq;
  for (const auto& s : w) {
    bool seen = false;
    for (const auto& u : uniq) seen = seen || u == s;
    if (!seen) uniq.push_back(s);
  }
  w = uniq;
  return c;
}

std::map<std::string, std::string> parse_device_map(const std::string& arg, const std::string& flag) {
  std::map<std::string, std::string> m;
  std::stringstream ss(arg);
  for (std::string item; std::getline(ss, item, ',');) {
    const auto eq = item.find('=');
    if (item.empty() || eq == std::string::npos || eq == 0 || eq + 1 == item.size())
      throw Error(flag, "expected PU=DEVICE pairs separated by commas (e.g. cl:0=CUDA0), got '" + arg + "'");
    m[item.substr(0, eq)] = item.substr(eq + 1);
  }
  return m;
}

}  // namespace hetspec
