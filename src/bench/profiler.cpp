#include "hetspec/bench/profiler.hpp"
#include "hetspec/core/utf8.hpp"

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>
#include <cstdlib>

#include "hetspec/bench/bandwidth.hpp"
#include "hetspec/bench/gemm.hpp"
#include "hetspec/bench/host.hpp"
#include "hetspec/bench/layers.hpp"
#include "hetspec/core/atomic_write.hpp"
#include "hetspec/core/error.hpp"
#include "hetspec/engine/runner/device_plan.hpp"
#include "hetspec/profile/op_time.hpp"
#include "profile_models.hpp"
#include "profile_plan.hpp"
#ifdef HETSPEC_WITH_OPENCL
#include "hetspec/bench/cl_profile.hpp"
#include "hetspec/engine/opencl/devices.hpp"
#include "hetspec/engine/opencl/runtime.hpp"
#endif

namespace hetspec::bench {

std::string partial_path(const std::string& out) { return out + ".partial"; }

namespace {

std::string cache_dir_for(const ProfileRequest& r) {
  if (!r.model_cache.empty()) return r.model_cache;
  std::filesystem::path p(r.out);
  return (p.parent_path().empty() ? std::filesystem::path(".") : p.parent_path()).string() + "/.models";
}

double min_budget_s(const ProfileRequest& r) {
  return 5.0 + 5.0 * double(r.models.size()) * double(r.devices.size());
}

std::vector<int> cpu_threads(int cores) {
  std::set<int> t = {1, std::min(2, cores), cores};
  return {t.begin(), t.end()};
}

struct Run {
  ProfileRequest req;
  ProfileGrid grid;
  Profile prof;
  std::set<std::string> done;
  std::vector<std::unique_ptr<CpuModel>> models;
  DeviceRegistry reg;
  double llc = 0;
  double set_bytes = 0;
  ProcessingUnit& pu(const std::string& id) { return prof.pus[size_t(prof.pu_index(id))]; }
};

struct Phase {
  std::string id;     // stable key in the sidecar
  std::string label;  // progress text
  double weight = 1;  // relative cost, for the time-left estimate
  std::function<void(Run&)> run;
};

ProcessingUnit initial_pu(const std::string& id, int cores) {
  ProcessingUnit p;
  p.id = id;
  p.engine = id;
  p.roofline.dram_bw_gbps = 1;  // placeholders until measured (the schema requires them)
  p.roofline.peak_gflops = {1, 1, 1};
  p.roofline.gemm_efficiency = 1;
  if (id == "cpu") {
    p.kind = PuKind::CPU;
    p.name = cpu_model_name();
    p.cores = cores;
    p.thread_options = cpu_threads(cores);
  } else {
    p.kind = PuKind::GPU;
    p.name = id;
    p.thread_options = {1};
  }
  return p;
}

void add_unique(std::vector<KernelTable>& v, KernelTable t) {
  for (auto& o : v)
    if (o.k == t.k && o.n == t.n && o.dtype == t.dtype && o.threads == t.threads) return;
  v.push_back(std::move(t));
}

void add_layer(ProcessingUnit& p, const LayerProfile& lp) {
  bool have_a = false, have_e = false;
  for (auto& a : p.attention)
    have_a |= a.n_heads == lp.attention.n_heads && a.n_kv_heads == lp.attention.n_kv_heads &&
              a.head_dim == lp.attention.head_dim && a.threads == lp.attention.threads;
  for (auto& e : p.elementwise)
    have_e |= e.d_model == lp.elementwise.d_model && e.ffn_dim == lp.elementwise.ffn_dim &&
              e.threads == lp.elementwise.threads;
  if (!have_a) p.attention.push_back(lp.attention);
  if (!have_e) p.elementwise.push_back(lp.elementwise);
  p.launches_per_layer = lp.launches_per_layer;
  p.launches_head = 2;  // final RMSNorm + the head matmul
}

// Roofline numbers derived from the tables, for shapes the tables do not cover.
void finish_roofline(ProcessingUnit& p) {
  Roofline& r = p.roofline;
  double peak = 0, gemv_eff = 0;
  for (const auto& t : p.tables) {
    size_t i = t.m.size() - 1;
    peak = std::max(peak, 2.0 * t.m[i] * double(t.k) * double(t.n) / (t.us[i] * 1e3));
    if (t.m[0] == 1) {
      double bytes = double(t.n) * double(t.k) * bytes_per_weight(t.dtype);
      int threads = p.kind == PuKind::CPU ? t.threads : 1;
      double bw = p.kind == PuKind::CPU && r.bw_per_thread_gbps > 0 ? std::min(r.dram_bw_gbps, r.bw_per_thread_gbps * threads)
                                                                     : r.dram_bw_gbps;
      gemv_eff = std::max(gemv_eff, bytes / (t.us[0] * 1e3) / bw);
    }
  }
  if (peak > 0) r.peak_gflops = {peak, peak, peak};
  if (gemv_eff > 0) r.gemv_bw_efficiency = std::min(1.0, gemv_eff);
  r.gemm_efficiency = 1.0;  // the peak above is what the engine's GEMMs reach
}

void save_partial(const Run& run) {
  nlohmann::json j;
  j["models"] = run.req.models;
  j["devices"] = run.req.devices;
  j["quick"] = run.req.quick;
  j["done"] = std::vector<std::string>(run.done.begin(), run.done.end());
  AtomicWriteSet w;
  w.add(partial_path(run.req.out), json_text(j, 1) + "\n");
  w.add(partial_path(run.req.out) + ".yaml", profile_to_yaml(run.prof));
  w.commit();
}

bool load_partial(Run& run) {
  const std::string sp = partial_path(run.req.out);
  if (!std::filesystem::exists(sp)) return false;
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(read_file(sp));
  } catch (const nlohmann::json::exception& e) {
    throw Error(sp, std::string("unreadable partial state: ") + e.what());
  }
  if (j.value("models", std::vector<std::string>{}) != run.req.models ||
      j.value("devices", std::vector<std::string>{}) != run.req.devices || j.value("quick", false) != run.req.quick)
    throw Error(sp, "was made for other models, devices or --quick; delete it or run without --resume");
  for (auto& d : j["done"]) run.done.insert(d.get<std::string>());
  run.prof = load_profile(sp + ".yaml");
  return true;
}

std::vector<Phase> make_phases(Run& run) {
  std::vector<Phase> ph;
  const auto& g = run.grid;
  ph.push_back({"bandwidth:cpu", "bandwidth curve cpu", 3, [](Run& r) {
                  ProcessingUnit& p = r.pu("cpu");
                  ThreadPool* pool = r.reg.cpu_pool(p.cores);
                  p.bandwidth_curve = read_bandwidth_curve(working_sets(r.grid.max_curve_bytes), pool, r.grid.opt);
                  auto one = read_bandwidth_curve({r.grid.max_curve_bytes}, nullptr, r.grid.opt);
                  p.roofline.dram_bw_gbps = p.bandwidth_curve.back().gbps;
                  p.roofline.bw_per_thread_gbps = one.back().gbps;
                  p.roofline.cache_bytes = r.llc;
                  p.roofline.cache_bw_gbps = curve_gbps(p, r.llc / 2);
                  r.prof.dram_bw_gbps = p.roofline.dram_bw_gbps;
                }});
  ph.push_back({"sampling", "host sampling", 0.5, [](Run& r) {
                  int64_t vocab = 0;
                  for (auto& m : r.models) vocab = std::max<int64_t>(vocab, m->spec().vocab);
                  SamplingCost c = bench_sampling(vocab, r.grid.opt);
                  r.prof.host.sample_ns_per_vocab = c.softmax_ns_per_vocab;
                  r.prof.host.greedy_ns_per_vocab = c.greedy_ns_per_vocab;
                }});
  for (const auto& dev : run.req.devices) {
    const bool cpu = dev == "cpu";
    std::vector<int> threads = cpu ? cpu_threads(run.pu("cpu").cores) : std::vector<int>{1};
#ifdef HETSPEC_WITH_OPENCL
    if (!cpu)
      ph.push_back({"overheads:" + dev, "overheads " + dev, 2, [dev](Run& r) {
                      ocl::Device& d = r.reg.cl(parse_engine_pu(dev, "--devices"));
                      ClOverheads o = bench_cl_overheads(d, r.grid.max_transfer_bytes, r.grid.opt);
                      ProcessingUnit& p = r.pu(dev);
                      p.enqueue_us = o.enqueue_us;
                      p.roundtrip_us = o.roundtrip_us;
                      p.sync_us = std::max(0.0, o.roundtrip_us - o.enqueue_us);
                      p.transfers = o.transfers;
                      p.bandwidth_curve = o.copy_curve;
                      p.roofline.dram_bw_gbps = o.copy_curve.back().gbps;
                      const TransferPoint &lo = o.transfers.front(), &hi = o.transfers.back();
                      Link l;
                      l.from = "cpu";
                      l.to = dev;
                      l.latency_us = 0.5 * (lo.h2d_us + lo.d2h_us);
                      l.bw_gbps = hi.bytes / (0.5 * (hi.h2d_us + hi.d2h_us) * 1e3);
                      r.prof.links.erase(std::remove_if(r.prof.links.begin(), r.prof.links.end(),
                                                        [&](const Link& x) { return x.to == dev; }),
                                         r.prof.links.end());
                      r.prof.links.push_back(l);
                    }});
#endif
    for (size_t mi = 0; mi < run.models.size(); ++mi) {
      const std::string mname = run.models[mi]->spec().name;
      for (int t : threads) {
        std::string tag = dev + " t" + std::to_string(t) + " " + mname;
        std::string key = dev + ":t" + std::to_string(t) + ":" + std::to_string(mi);
        double scale = double(run.models[mi]->spec().n_layers) * run.models[mi]->spec().layer_bytes() / 1e8;
        ph.push_back({"gemm:" + key, "matmul tables " + tag, 4 * std::max(0.3, scale), [=](Run& r) {
                        const CpuModel& model = *r.models[mi];
                        ProcessingUnit& p = r.pu(dev);
                        for (const GemmShape& s : model_gemm_shapes(model.weights())) {
                          const auto& ms = s.head ? r.grid.head_m : r.grid.gemm_m;
                          KernelTable kt;
                          if (cpu) {
                            kt = bench_cpu_gemm(s.weight, ms, t, r.reg.cpu_pool(t), r.set_bytes, r.grid.opt);
                          } else {
#ifdef HETSPEC_WITH_OPENCL
                            kt = bench_cl_gemm(r.reg.cl(parse_engine_pu(dev, "--devices")), s.weight, ms, r.set_bytes,
                                               r.grid.opt);
#endif
                          }
                          add_unique(s.head ? p.head : p.tables, std::move(kt));
                        }
                      }});
        ph.push_back({"layers:" + key, "attention + element-wise " + tag, 2 * std::max(0.3, scale), [=](Run& r) {
                        const CpuModel& model = *r.models[mi];
                        ProcessingUnit& p = r.pu(dev);
                        LayerProfile lp;
                        if (cpu) {
                          lp = bench_cpu_layers(model.weights(), t, r.reg.cpu_pool(t), r.grid.layer_m, r.grid.layer_n,
                                                r.grid.layer_opt);
                        } else {
#ifdef HETSPEC_WITH_OPENCL
                          lp = bench_cl_layers(r.reg.cl(parse_engine_pu(dev, "--devices")), model.weights(),
                                               r.grid.layer_m, r.grid.layer_n, r.grid.layer_opt);
                          p.launch_us = lp.launch_gap_us;
#endif
                        }
                        add_layer(p, lp);
                      }});
      }
    }
  }
#ifdef HETSPEC_WITH_OPENCL
  for (const auto& dev : run.req.devices)
    if (dev != "cpu")
      ph.push_back({"contention:" + dev, "contention cpu + " + dev, 1, [dev](Run& r) {
                      ContentionResult c = bench_contention(r.reg.cl(parse_engine_pu(dev, "--devices")),
                                                            r.grid.contention_bytes, r.grid.contention_s);
                      Contention ct;
                      ct.a = "cpu";
                      ct.b = dev;
                      ct.a_share = std::max(0.01, c.cpu_share());
                      ct.b_share = std::max(0.01, c.cl_share());
                      r.prof.contention.erase(std::remove_if(r.prof.contention.begin(), r.prof.contention.end(),
                                                             [&](const Contention& x) { return x.b == dev; }),
                                              r.prof.contention.end());
                      r.prof.contention.push_back(ct);
                    }});
#endif
  // Whole forwards through a Runner, kept in the profile as a check of the tables above.
  for (const auto& dev : run.req.devices) {
    std::vector<int> threads = dev == "cpu" ? cpu_threads(run.pu("cpu").cores) : std::vector<int>{1};
    for (size_t mi = 0; mi < run.models.size(); ++mi)
      for (int t : threads) {
        std::string key = dev + ":t" + std::to_string(t) + ":" + std::to_string(mi);
        double scale = double(run.models[mi]->spec().n_layers) * run.models[mi]->spec().layer_bytes() / 1e8;
        ph.push_back({"forward:" + key, "forward check " + dev + " t" + std::to_string(t) + " " +
                                            run.models[mi]->spec().name,
                      2 * std::max(0.3, scale), [=](Run& r) {
                        auto fc = bench_forward(*r.models[mi], dev, t, r.reg, r.grid.check_m, r.grid.check_n,
                                                r.grid.layer_opt);
                        auto& v = r.pu(dev).forward_check;
                        v.insert(v.end(), fc.begin(), fc.end());
                      }});
      }
  }
  (void)g;
  return ph;
}

}  // namespace

void validate_request(ProfileRequest& r) {
  if (r.out.empty()) throw Error("--out", "an output file is required (profiles/<name>.yaml)");
  if (r.devices.empty()) r.devices = {"cpu"};
  std::set<std::string> seen;
  for (const auto& d : r.devices) {
    parse_engine_pu(d, "--devices");  // "cpu" or "cl:N"; throws naming the flag
    if (!seen.insert(d).second) throw Error("--devices", "device '" + d + "' is listed twice");
  }
  if (!seen.count("cpu")) r.devices.insert(r.devices.begin(), "cpu");  // the host is always measured
#ifdef HETSPEC_WITH_OPENCL
  auto disc = ocl::discover_cl_devices();
  for (const auto& d : r.devices) {
    if (d == "cpu") continue;
    bool found = false;
    for (auto& info : disc.devices) found |= info.id == d;
    if (!found)
      throw Error("--devices", "no OpenCL device '" + d + "' here" +
                                   (disc.devices.empty() ? " (" + disc.problem + ")" : std::string(" (see hetspec devices)")));
  }
#else
  for (const auto& d : r.devices)
    if (d != "cpu") throw Error("--devices", "this hetspec was built without OpenCL ('" + d + "')");
#endif
  if (r.models.empty()) throw Error("--models", "at least one model (GGUF file or configs/models/*.yaml) is required");
  for (const auto& m : r.models)
    if (access(m.c_str(), R_OK) != 0) throw Error(m, "cannot read the model file");
  if (r.budget_s <= 0) r.budget_s = r.quick ? 60 : 600;
  if (r.budget_s < min_budget_s(r))
    throw Error("--budget", std::to_string(int(r.budget_s)) + " s is too small for " + std::to_string(r.models.size()) +
                                " model(s) on " + std::to_string(r.devices.size()) + " device(s) (at least " +
                                std::to_string(int(std::ceil(min_budget_s(r)))) + " s)");
  std::filesystem::path parent = std::filesystem::path(r.out).parent_path();
  if (!parent.empty() && std::filesystem::exists(parent) && !std::filesystem::is_directory(parent))
    throw Error("--out", parent.string() + " is not a directory");
}

Profile run_profile(ProfileRequest req, const ProgressFn& progress) {
  validate_request(req);
  Run run;
  run.req = req;
  run.grid = make_grid(req.quick, req.budget_s);
  run.llc = last_level_cache_bytes();
  run.set_bytes = std::max(64.0 * (1 << 20), 2 * run.llc);
  run.models = open_profile_models(req.models, cache_dir_for(req));
  const int cores = int(std::max(1u, std::thread::hardware_concurrency()));
  bool resumed = req.resume && load_partial(run);
  if (!resumed) {
    std::filesystem::path p(req.out);
    run.prof.name = p.stem().string();
    run.prof.kind = "measured";
    run.prof.description = "measured by hetspec profile" + std::string(req.quick ? " --quick" : "");
    run.prof.dram_bytes = double(sysconf(_SC_PHYS_PAGES)) * double(sysconf(_SC_PAGE_SIZE));
    run.prof.dram_bw_gbps = 1;
    run.prof.unified_memory = true;
    for (const auto& d : req.devices) run.prof.pus.push_back(initial_pu(d, cores));
    run.prof.host.pu = "cpu";
#ifdef HETSPEC_WITH_OPENCL
    auto disc = ocl::discover_cl_devices();
    for (auto& p : run.prof.pus)
      for (auto& info : disc.devices)
        if (info.id == p.id) {
          p.name = info.name + " (" + info.platform_name + ")";
          if (!info.unified_memory) {
            run.prof.unified_memory = false;
            p.mem_bytes = double(info.global_mem_bytes);
          }
        }
#endif
  }
  run.prof.provenance = host_provenance({req.devices.begin() + 1, req.devices.end()}, req.command);
  run.prof.source = "hetspec profile on " + run.prof.provenance.cpu + ", " + run.prof.provenance.date;
  std::vector<Phase> phases = make_phases(run);
  double total_w = 0, done_w = 0;
  for (auto& p : phases) total_w += p.weight;
  auto t0 = Clock::now();
  double measured_w = 0;
  if (resumed && progress) {
    Progress pr;
    pr.phase = "resuming: " + std::to_string(run.done.size()) + " phase(s) already done";
    pr.total = int(phases.size());
    pr.left_s = req.budget_s;
    progress(pr);
  }
  for (size_t i = 0; i < phases.size(); ++i) {
    Phase& ph = phases[i];
    if (run.done.count(ph.id)) {
      done_w += ph.weight;
      continue;
    }
    double el = seconds_since(t0);
    Progress pr;
    pr.phase = ph.label;
    pr.index = int(i) + 1;
    pr.total = int(phases.size());
    pr.elapsed_s = el;
    pr.left_s = measured_w > 0 ? el / measured_w * (total_w - done_w) : req.budget_s * (total_w - done_w) / total_w;
    if (progress) progress(pr);
    ph.run(run);
    done_w += ph.weight;
    measured_w += ph.weight;
    run.done.insert(ph.id);
    save_partial(run);
    // Test hook: a pause after each phase, so a test can interrupt between phases deterministically.
    if (const char* ms = std::getenv("HETSPEC_PROFILE_PAUSE_MS"))
      std::this_thread::sleep_for(std::chrono::milliseconds(std::atoi(ms)));
  }
  for (auto& p : run.prof.pus) finish_roofline(p);
  run.prof.resolve();
  write_file_atomic(req.out, profile_to_yaml(run.prof));
  std::error_code ec;
  std::filesystem::remove(partial_path(req.out), ec);
  std::filesystem::remove(partial_path(req.out) + ".yaml", ec);
  return run.prof;
}

}  // namespace hetspec::bench
