// `hetspec calibrate`: refit the overhead terms a profile cannot see in isolation from a validation's
// traces (report/calibration_report.hpp), write the profile with its calibration block, print the
// error before and after on the held-out plans; optionally the rebuilt report too. Writes nothing
// unless everything succeeded.
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <sstream>

#include "hetspec/core/atomic_write.hpp"
#include "hetspec/core/error.hpp"
#include "hetspec/model/model_source.hpp"
#include "hetspec/report/calibration_report.hpp"
#include "registry.hpp"

namespace {
using namespace hetspec;

struct CalibrateArgs {
  std::string profile, traces, out, target, draft, fit_plans, report;
  double fit_fraction = 0.5;
};

// The command line, for the calibration block's provenance.
std::string command_of(const CalibrateArgs& a) {
  std::string cmd = "hetspec calibrate";
  for (const auto& [name, value] : std::vector<std::pair<std::string, std::string>>{
           {"--profile", a.profile}, {"--traces", a.traces}, {"--out", a.out}, {"--fit-plans", a.fit_plans},
           {"--target", a.target}, {"--draft", a.draft}, {"--report", a.report}})
    if (!value.empty()) cmd += " " + name + " " + value;
  if (a.fit_plans.empty()) {
    char buf[64];
    std::snprintf(buf, sizeof buf, " --fit-fraction %g", a.fit_fraction);
    cmd += buf;
  }
  return cmd;
}

std::string utc_now() {
  std::time_t t = std::time(nullptr);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  return buf;
}

// A model recorded in the traces, or given on the command line.
ModelSpec model_from(const std::string& given, const std::string& recorded, const std::string& traces, const char* what) {
  const std::string path = given.empty() ? recorded : given;
  try {
    return load_spec_from(path);
  } catch (const Error& e) {
    if (!given.empty()) throw;
    throw Error(traces + ": " + what, "cannot load '" + path + "' recorded there (pass --" + what + "): " + e.what());
  }
}

int run(const CalibrateArgs& a) {
  const std::string f = std::filesystem::is_directory(a.traces) ? a.traces + "/validation.json" : a.traces;
  const Validation v = validation_from_json(read_file(f), f);
  const Profile prof = load_profile(a.profile);
  const ModelSpec target = model_from(a.target, v.target, f, "target");
  ModelSpec draft;
  if (a.draft.empty() && is_self_draft(v.draft)) draft = load_draft_spec_from(v.draft, target);
  else if (a.draft.empty()) draft = model_from("", v.draft, f, "draft");
  else draft = load_draft_spec_from(a.draft, target);
  std::vector<std::string> fit_ids;
  {
    std::stringstream ss(a.fit_plans);
    for (std::string id; std::getline(ss, id, ',');)
      if (!id.empty()) fit_ids.push_back(id);
  }
  const CalibrationSplit split = split_plans(v, a.fit_fraction, fit_ids, f);
  Calibration provenance;
  provenance.source = f;
  provenance.date = utc_now();
  provenance.command = command_of(a);
  CalibrateResult r = calibrate(v, prof, a.profile, draft, target, split, provenance, a.out);

  AtomicWriteSet w;
  w.add(a.out, profile_to_yaml(r.calibrated));
  if (!a.report.empty()) add_validation_report(w, r.repredicted, a.report, &r.comparison);
  w.commit();
  std::cout << "calibrate: " << f << ": " << split.fit.size() + split.held_out.size() << " measured plans\n"
            << calibration_summary(r.comparison) << "wrote " << a.out;
  if (!a.report.empty()) std::cout << " and " << a.report << "/report.html (index.md, plans.csv, validation.json)";
  std::cout << "\n";
  return 0;
}

hetspec::cli::Registrar reg("calibrate",
                            "Refit the overheads a profile cannot see in isolation from a validation's traces; report "
                            "the error before and after on held-out plans",
                            [](CLI::App& app) {
  auto a = std::make_shared<CalibrateArgs>();
  app.add_option("--profile", a->profile, "the profile the validation ran with")->required();
  app.add_option("--traces", a->traces, "a validation directory (hetspec validate --out) or its validation.json")->required();
  app.add_option("--out", a->out, "the calibrated profile to write (YAML)")->required();
  app.add_option("--fit-fraction", a->fit_fraction, "share of the measured plans to fit on, spread evenly (the rest are held out)")
      ->capture_default_str();
  app.add_option("--fit-plans", a->fit_plans, "fit on exactly these plan ids (comma list, e.g. p01,p04); the rest are held out");
  app.add_option("--target", a->target, "the target (GGUF or model YAML) when the path recorded in the traces is not here");
  app.add_option("--draft", a->draft, "the draft (GGUF, model YAML or self:K) when the one recorded is not here");
  app.add_option("--report", a->report, "also write the report rebuilt with the calibrated profile to this directory");
  return std::function<int()>([a] { return run(*a); });
});

}  // namespace
