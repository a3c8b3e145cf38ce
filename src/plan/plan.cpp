#include "hetspec/plan/plan.hpp"

#include <sstream>

#include "hetspec/core/error.hpp"
#include "hetspec/core/text_escape.hpp"
#include "hetspec/core/yaml_reader.hpp"

namespace hetspec {

const char* mode_name(Mode m) { return m == Mode::Sequential ? "sequential" : "overlapped"; }

std::string describe_placement(const ModelPlacement& p, const Profile& prof, int n_layers) {
  if (!p.used()) return "-";
  std::ostringstream s;
  if (p.is_split())
    s << prof.pus[p.pu].id << "[0-" << p.split - 1 << "]+" << prof.pus[p.split_pu].id << "[" << p.split << "-"
      << n_layers - 1 << "]";
  else
    s << prof.pus[p.pu].id;
  return s.str();
}

std::string describe_plan(const Plan& plan, const Profile& prof, int draft_layers, int target_layers) {
  std::ostringstream s;
  if (plan.speculative())
    s << "draft=" << describe_placement(plan.draft, prof, draft_layers) << " ";
  s << "target=" << describe_placement(plan.target, prof, target_layers);
  s << " head=" << prof.pus[plan.target.head_pu].id << " gamma=" << plan.gamma << " " << mode_name(plan.mode);
  return s.str();
}

namespace {
int pu_at(const YamlMap& y, const std::string& key, const Profile& prof) {
  std::string id = y.get<std::string>(key);
  int i = prof.pu_index(id);
  if (i < 0) {
    std::string known;
    for (const auto& p : prof.pus) known += (known.empty() ? "" : ", ") + p.id;
    throw Error(y.where(key), "names PU '" + id + "' that SoC '" + prof.name + "' lacks (has: " + known + ")");
  }
  return i;
}

ModelPlacement parse_placement(const YamlMap& y, const Profile& prof, int n_layers, DType fallback) {
  ModelPlacement p;
  p.pu = pu_at(y, "pu", prof);
  p.head_pu = y.has("head") ? pu_at(y, "head", prof) : p.pu;
  if (y.has("split")) {
    YamlMap s = y.map("split");
    p.split = s.positive_int("at");
    if (p.split >= n_layers)
      throw Error(s.where("at"), "split layer " + std::to_string(p.split) + " must be in 1.." + std::to_string(n_layers - 1));
    p.split_pu = pu_at(s, "pu", prof);
    if (p.split_pu == p.pu) throw Error(s.where("pu"), "a split must hand over to a different PU");
    s.done();
    if (!y.has("head")) p.head_pu = p.split_pu;
  }
  p.dtype = fallback;
  if (y.has("dtype")) {
    std::string d = y.get<std::string>("dtype");
    auto t = parse_dtype(d);
    if (!t) throw Error(y.where("dtype"), "unknown dtype '" + d + "'");
    p.dtype = *t;
  }
  y.done();
  return p;
}
}  // namespace

Plan load_plan(const std::string& path, const Profile& prof, int draft_layers, int target_layers) {
  YamlMap y = YamlMap::load_file(path);
  std::string schema = y.get<std::string>("schema");
  if (schema != "hetspec.plan/1") throw Error(y.where("schema"), "unsupported schema '" + schema + "' (expected hetspec.plan/1)");
  Plan plan;
  plan.gamma = y.get<int>("gamma");
  if (plan.gamma < 0 || plan.gamma > 64) throw Error(y.where("gamma"), "must be in 0..64");
  std::string mode = y.get_or<std::string>("mode", "sequential");
  if (mode == "sequential") plan.mode = Mode::Sequential;
  else if (mode == "overlapped") plan.mode = Mode::Overlapped;
  else throw Error(y.where("mode"), "must be sequential or overlapped, got '" + mode + "'");
  plan.target = parse_placement(y.map("target"), prof, target_layers, DType::Q4_0);
  if (plan.gamma > 0) plan.draft = parse_placement(y.map("draft"), prof, draft_layers, DType::Q4_0);
  else if (y.has("draft")) parse_placement(y.map("draft"), prof, draft_layers, DType::Q4_0);  // checked, unused
  plan.threads.assign(prof.pus.size(), 1);
  for (size_t i = 0; i < prof.pus.size(); ++i)
    if (prof.pus[i].kind == PuKind::CPU) plan.threads[i] = prof.pus[i].cores;
  if (y.has("threads")) {
    YamlMap t = y.map("threads");
    for (const auto& id : t.keys()) {
      int i = prof.pu_index(id);
      if (i < 0) throw Error(t.where(id), "names PU '" + id + "' that SoC '" + prof.name + "' lacks");
      int n = t.positive_int(id);
      if (n > prof.pus[i].cores)
        throw Error(t.where(id), std::to_string(n) + " threads but PU '" + id + "' has " + std::to_string(prof.pus[i].cores) + " cores");
      plan.threads[i] = n;
    }
    t.done();
  }
  y.done();
  return plan;
}

std::string plan_to_yaml(const Plan& plan, const Profile& prof) {
  auto placement = [&](const ModelPlacement& p) {
    std::ostringstream s;
    s << "{pu: " << yaml_scalar(prof.pus[p.pu].id);
    if (p.is_split()) s << ", split: {at: " << p.split << ", pu: " << yaml_scalar(prof.pus[p.split_pu].id) << "}";
    s << ", head: " << yaml_scalar(prof.pus[p.head_pu].id) << ", dtype: " << dtype_name(p.dtype) << "}";
    return s.str();
  };
  std::ostringstream s;
  s << "schema: hetspec.plan/1\n";
  s << "gamma: " << plan.gamma << "\n";
  s << "mode: " << mode_name(plan.mode) << "\n";
  s << "target: " << placement(plan.target) << "\n";
  if (plan.speculative()) s << "draft: " << placement(plan.draft) << "\n";
  std::string threads;
  for (size_t i = 0; i < prof.pus.size(); ++i)
    if (prof.pus[i].kind == PuKind::CPU)
      threads += (threads.empty() ? "" : ", ") + yaml_scalar(prof.pus[i].id) + ": " + std::to_string(plan.threads[i]);
  if (!threads.empty()) s << "threads: {" << threads << "}\n";
  return s.str();
}

}  // namespace hetspec
