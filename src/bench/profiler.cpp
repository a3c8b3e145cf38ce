#include "hetspec/bench/profiler.hpp"
#include "hetspec/core/utf8.hpp"

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>
#include <cstdlib>

#include "hetspec/bench/bandwidth.hpp"
#include "hetspec/bench/gemm.hpp"
#include "hetspec/bench/host.hpp"
#include "hetspec/bench/layers.hpp"
#include "hetspec/bench/rounds.hpp"
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

// 1, 2 and all cores; and all but one where there are cores to spare: what an overlapped plan's CPU
// side runs beside the thread that drives the other PU (plan_space.cpp).
std::vector<int> cpu_threads(int cores) {
  std::set<int> t = {1, std::min(2, cores), cores};
  if (cores >= 4) t.insert(cores - 1);
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
  // Every round of each measured entry by key (PU + shape), merged into the profile after each round.
  std::map<std::string, std::vector<KernelTable>> table_rounds;
  std::map<std::string, std::vector<AttentionTable>> attention_rounds;
  std::map<std::string, std::vector<ElementwiseTable>> elementwise_rounds;
  std::map<std::string, std::vector<std::vector<BandwidthPoint>>> curve_rounds;
  std::map<std::string, std::vector<ForwardCheck>> forward_rounds;
  // One forward bench per (PU, threads, model), prefilled once and measured again in every round.
  std::map<std::string, std::unique_ptr<ForwardBench>> forward_benches;
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

bool same_key(const KernelTable& a, const KernelTable& b) {
  return a.k == b.k && a.n == b.n && a.dtype == b.dtype && a.threads == b.threads;
}
bool same_key(const AttentionTable& a, const AttentionTable& b) {
  return a.n_heads == b.n_heads && a.n_kv_heads == b.n_kv_heads && a.head_dim == b.head_dim && a.threads == b.threads;
}
bool same_key(const ElementwiseTable& a, const ElementwiseTable& b) {
  return a.d_model == b.d_model && a.ffn_dim == b.ffn_dim && a.threads == b.threads;
}
std::string key_of(const std::string& pu, const KernelTable& t) {
  return pu + "|" + std::to_string(t.k) + "x" + std::to_string(t.n) + "|" + dtype_name(t.dtype) + "|t" +
         std::to_string(t.threads);
}
std::string key_of(const std::string& pu, const AttentionTable& t) {
  return pu + "|" + std::to_string(t.n_heads) + "/" + std::to_string(t.n_kv_heads) + "x" +
         std::to_string(t.head_dim) + "|t" + std::to_string(t.threads);
}
bool same_key(const ForwardCheck& a, const ForwardCheck& b) {
  return a.model == b.model && a.threads == b.threads && a.m == b.m && a.n == b.n;
}
std::string key_of(const std::string& pu, const ForwardCheck& f) {
  return pu + "|" + f.model + "|t" + std::to_string(f.threads) + "|m" + std::to_string(f.m) + "|n" + std::to_string(f.n);
}
std::string key_of(const std::string& pu, const ElementwiseTable& t) {
  return pu + "|" + std::to_string(t.d_model) + "/" + std::to_string(t.ffn_dim) + "|t" + std::to_string(t.threads);
}

// Adds one round of an entry and puts the merge of all its rounds into the PU's list (replacing the
// entry of the same key). On --resume the entry already in the profile (the merge of the rounds
// before the interruption) counts as one round.
template <class T>
void add_round(std::map<std::string, std::vector<T>>& store, const std::string& pu, std::vector<T>& list, T fresh) {
  auto& rounds = store[key_of(pu, fresh)];
  auto it = std::find_if(list.begin(), list.end(), [&](const T& o) { return same_key(o, fresh); });
  if (rounds.empty() && it != list.end()) rounds.push_back(*it);
  rounds.push_back(std::move(fresh));
  T merged = merge_rounds(rounds);
  if (it != list.end())
    *it = std::move(merged);
  else
    list.push_back(std::move(merged));
}

void add_layer(Run& r, const std::string& pu, const LayerProfile& lp) {
  ProcessingUnit& p = r.pu(pu);
  add_round(r.attention_rounds, pu, p.attention, lp.attention);
  add_round(r.elementwise_rounds, pu, p.elementwise, lp.elementwise);
  p.launches_per_layer = lp.launches_per_layer;
  p.launches_per_layer_batch = lp.launches_per_layer_batch != lp.launches_per_layer ? lp.launches_per_layer_batch : 0;
  p.batch_fold_max_m = p.launches_per_layer_batch > 0 && lp.fold_max_m > 1 ? lp.fold_max_m : 0;
  p.batch_fold_max_mk = p.batch_fold_max_m > 0 ? lp.fold_max_mk : 0;
  p.launches_head = 2;  // final RMSNorm + the head matmul
  p.gemm_m_tile = lp.gemm_m_tile;
  p.gemv_batch_max_m = lp.gemm_m_tile > 0 ? lp.gemv_max_m : 0;
  p.gemv_batch_max_mk = lp.gemm_m_tile > 0 ? lp.gemv_max_mk : 0;
}

// One round of a bandwidth curve merged with the earlier ones (`loaded`: the merged curve of a
// resumed profile, counted as one round).
std::vector<BandwidthPoint> add_curve_round(Run& r, const std::string& key, std::vector<BandwidthPoint> fresh,
                                            const std::vector<BandwidthPoint>& loaded) {
  auto& rounds = r.curve_rounds[key];
  if (rounds.empty() && !loaded.empty()) rounds.push_back(loaded);
  rounds.push_back(std::move(fresh));
  return merge_rounds(rounds);
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
  j["rounds"] = run.grid.rounds;
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
      j.value("devices", std::vector<std::string>{}) != run.req.devices || j.value("quick", false) != run.req.quick ||
      j.value("rounds", 0) != run.grid.rounds)
    throw Error(sp, "was made for other models, devices, --quick or --rounds; delete it or run without --resume");
  for (auto& d : j["done"]) run.done.insert(d.get<std::string>());
  run.prof = load_profile(sp + ".yaml");
  return true;
}

std::vector<Phase> make_phases(Run& run) {
  std::vector<Phase> ph, measured;  // measured: the kernel grid, repeated in rounds
  measured.push_back({"bandwidth:cpu", "bandwidth curve cpu", 3, [](Run& r) {
                        ProcessingUnit& p = r.pu("cpu");
                        ThreadPool* pool = r.reg.cpu_pool(p.cores);
                        std::vector<BandwidthPoint> one_loaded;
                        if (p.roofline.bw_per_thread_gbps > 0 && !p.bandwidth_curve.empty())
                          one_loaded = {{r.grid.max_curve_bytes, p.roofline.bw_per_thread_gbps}};
                        p.bandwidth_curve =
                            add_curve_round(r, "cpu", read_bandwidth_curve(working_sets(r.grid.max_curve_bytes), pool, r.grid.opt),
                                            p.bandwidth_curve);
                        auto one = add_curve_round(r, "cpu:1",
                                                   read_bandwidth_curve({r.grid.max_curve_bytes}, nullptr, r.grid.opt),
                                                   one_loaded);
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
        measured.push_back({"gemm:" + key, "matmul tables " + tag, 4 * std::max(0.3, scale), [=](Run& r) {
                              const CpuModel& model = *r.models[mi];
                              ProcessingUnit& p = r.pu(dev);
                              for (const GemmShape& s : model_gemm_shapes(cpu ? model.cpu_weights() : model.weights())) {
                                const auto& ms = s.head ? r.grid.head_m : r.grid.gemm_m;
                                KernelTable kt;
                                if (cpu) {
                                  kt = bench_cpu_gemm(s.weight, ms, t, r.reg.cpu_pool(t), r.set_bytes, r.grid.opt);
                                } else {
#ifdef HETSPEC_WITH_OPENCL
                                  ocl::Device& cd = r.reg.cl(parse_engine_pu(dev, "--devices"));
                                  kt = bench_cl_gemm(cd, s.weight, ms, r.set_bytes, r.grid.opt,
                                                     ocl::gemv_batch_limit(cd.tuning(), model.weights().spec.d_model,
                                                                           model.weights().spec.weight_dtype));
#endif
                                }
                                add_round(r.table_rounds, dev + (s.head ? "|head" : ""), s.head ? p.head : p.tables,
                                          std::move(kt));
                              }
                            }});
        measured.push_back({"layers:" + key, "attention + element-wise " + tag, 2 * std::max(0.3, scale), [=](Run& r) {
                              const CpuModel& model = *r.models[mi];
                              LayerProfile lp;
                              if (cpu) {
                                lp = bench_cpu_layers(model.cpu_weights(), t, r.reg.cpu_pool(t), r.grid.layer_m,
                                                      r.grid.layer_n, r.grid.layer_opt);
                              } else {
#ifdef HETSPEC_WITH_OPENCL
                                lp = bench_cl_layers(r.reg.cl(parse_engine_pu(dev, "--devices")), model.weights(),
                                                     r.grid.layer_m, r.grid.layer_n, r.grid.layer_opt);
                                r.pu(dev).launch_us = lp.launch_gap_us;
#endif
                              }
                              add_layer(r, dev, lp);
                            }});
      }
    }
  }
  // Whole forwards through a Runner, kept as a check of the tables above (the cost model scales its
  // per-kernel sums to them, so they are measured in rounds too).
  for (const auto& dev : run.req.devices) {
    std::vector<int> threads = dev == "cpu" ? cpu_threads(run.pu("cpu").cores) : std::vector<int>{1};
    for (size_t mi = 0; mi < run.models.size(); ++mi)
      for (int t : threads) {
        std::string key = dev + ":t" + std::to_string(t) + ":" + std::to_string(mi);
        double scale = double(run.models[mi]->spec().n_layers) * run.models[mi]->spec().layer_bytes() / 1e8;
        measured.push_back({"forward:" + key, "forward check " + dev + " t" + std::to_string(t) + " " +
                                            run.models[mi]->spec().name,
                      2 * std::max(0.3, scale), [=](Run& r) {
                        // --quick: the long context too on the CPU and on GPUs, but not on an OpenCL
                        // CPU device (a PoCL forward at n = 512 takes ~0.4 s on a 2-core VM, more than
                        // the minute allows); the full profile measures both everywhere. A GPU's
                        // forward grows with the context faster than its attention kernels' times say
                        // (H200, Llama-3.2-3B: 3.8 ms at n = 64, 5.1 ms at n = 160;
                        // docs/runs/h200-attention-depth.txt), so only an anchor at both n prices it.
                        bool both_n = !r.req.quick || dev == "cpu";
#ifdef HETSPEC_WITH_OPENCL
                        if (!both_n) both_n = r.reg.cl(parse_engine_pu(dev, "--devices")).info().type != "CPU";
#endif
                        const std::vector<int> ns = both_n ? r.grid.check_n : std::vector<int>{r.grid.check_n.front()};
                        auto& fb = r.forward_benches[key];
                        if (!fb)
                          fb = std::make_unique<ForwardBench>(*r.models[mi], dev, t, r.reg,
                                                              *std::max_element(r.grid.check_m.begin(), r.grid.check_m.end()),
                                                              *std::max_element(ns.begin(), ns.end()));
                        auto fc = fb->measure(r.grid.check_m, ns, r.grid.layer_opt);
                        for (auto& f : fc) add_round(r.forward_rounds, dev, r.pu(dev).forward_check, f);
                      }});
      }
  }
  // The kernel grid in rounds, each round a full pass over every PU, model and thread count, so the
  // rounds of one point lie far apart in time (rounds.hpp says why).
  const int rounds = run.grid.rounds;
  for (int k = 1; k <= rounds; ++k)
    for (const Phase& m : measured) {
      Phase p = m;
      p.id += "@" + std::to_string(k);
      if (rounds > 1) p.label += " (round " + std::to_string(k) + "/" + std::to_string(rounds) + ")";
      ph.push_back(std::move(p));
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
  if (r.rounds < 0 || r.rounds > 20) throw Error("--rounds", std::to_string(r.rounds) + " is outside 1..20");
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
  run.grid = make_grid(req.quick, req.budget_s, req.rounds);
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
  // The budget holds: a phase of round 2 or later (id "...@k") is skipped when it would end past the
  // budget, judged by how long the same phase took in round 1; its points keep the rounds they have.
  std::map<std::string, double> first_round_s;  // phase id without "@1" -> seconds
  int skipped = 0;
  for (size_t i = 0; i < phases.size(); ++i) {
    Phase& ph = phases[i];
    if (run.done.count(ph.id)) {
      done_w += ph.weight;
      continue;
    }
    const size_t at = ph.id.rfind('@');
    const std::string base = at == std::string::npos ? ph.id : ph.id.substr(0, at);
    const int round = at == std::string::npos ? 0 : std::atoi(ph.id.c_str() + at + 1);
    if (round >= 2 && first_round_s.count(base) && seconds_since(t0) + first_round_s[base] > req.budget_s) {
      done_w += ph.weight;
      ++skipped;
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
    if (round == 1) first_round_s[base] = seconds_since(t0) - el;
    done_w += ph.weight;
    measured_w += ph.weight;
    run.done.insert(ph.id);
    save_partial(run);
    // Test hook: a pause after each phase, so a test can interrupt between phases deterministically.
    if (const char* ms = std::getenv("HETSPEC_PROFILE_PAUSE_MS"))
      std::this_thread::sleep_for(std::chrono::milliseconds(std::atoi(ms)));
  }
  if (skipped > 0 && progress) {
    Progress pr;
    pr.phase = "budget of " + std::to_string(int(req.budget_s)) + " s spent: " + std::to_string(skipped) +
               " later-round phase(s) skipped (their points keep fewer rounds)";
    pr.index = pr.total = int(phases.size());
    pr.elapsed_s = seconds_since(t0);
    progress(pr);
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
