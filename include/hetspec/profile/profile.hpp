// What each processing unit (PU) of an SoC costs, as data: measured kernel tables (time vs token
// count m for a GEMM shape / dtype / thread count), a roofline (bandwidth, peak compute, efficiency)
// to fall back on, launch / sync overheads, links between PUs and DRAM contention when two PUs
// stream at once. Spec-sheet SoC descriptions (configs/socs/) and `hetspec profile` output share this
// schema (hetspec.profile/1), so the cost model reads both.
#pragma once
#include <array>
#include <string>
#include <vector>

#include "hetspec/core/dtype.hpp"

namespace hetspec {

// Arithmetic class a dtype computes in on a PU (quantized weights run as int8 dot products on
// CPUs with dot-product instructions, dequantized to f16 on GPUs).
enum class ComputeClass { F32 = 0, F16 = 1, INT8 = 2 };
constexpr int kComputeClasses = 3;
const char* compute_class_name(ComputeClass c);

enum class PuKind { CPU, GPU, NPU };
const char* pu_kind_name(PuKind k);

// One measured curve: time of Y(m,n) = X(m,k)·W(n,k)^T for increasing m, fixed shape/dtype/threads.
struct KernelTable {
  int64_t k = 0, n = 0;
  DType dtype = DType::F32;
  int threads = 1;
  std::vector<int> m;        // strictly increasing token counts
  std::vector<double> us;    // median time per call, µs (OpenCL: kernel time from profiling events)
  std::vector<double> wall_us;  // measured: launch + wait per call (OpenCL), empty otherwise
  std::vector<double> cv;       // measured: coefficient of variation of each point, empty otherwise
  double set_bytes = 0;      // measured: weight bytes cycled through while timing (the cache regime), 0 unknown
};

// Causal attention of one layer (scores, softmax, weighted sum over the KV cache) for m new tokens at
// context n (positions already cached before them), on a grid: us[i][j] at m[i], n[j].
struct AttentionTable {
  int n_heads = 0, n_kv_heads = 0, head_dim = 0;
  int threads = 1;
  std::vector<int> m;                   // strictly increasing
  std::vector<int> n;                   // strictly increasing
  std::vector<std::vector<double>> us;  // (m.size(), n.size())
};

// Everything of one layer that is neither a matmul nor attention (2 RMSNorms, RoPE and the KV write,
// 2 residual adds, SwiGLU's silu·mul) for m tokens.
struct ElementwiseTable {
  int64_t d_model = 0, ffn_dim = 0;
  int threads = 1;
  std::vector<int> m;
  std::vector<double> us;
};

// A whole-model forward measured through a Runner, kept to check the model against.
struct ForwardCheck {
  std::string model;   // model name (ModelSpec::name)
  int threads = 1;
  int m = 1, n = 0;    // m new tokens (all m rows of logits) at context n
  double us = 0;
  double cv = 0;
};

struct TransferPoint {  // blocking host <-> device copy of `bytes`
  double bytes = 0;
  double h2d_us = 0, d2h_us = 0;
};

struct BandwidthPoint {
  double bytes = 0;      // working-set size
  double gbps = 0;       // sustained read bandwidth at that size
};

struct Roofline {
  double dram_bw_gbps = 0;          // sustained streaming bandwidth from DRAM, all threads
  double bw_per_thread_gbps = 0;    // CPU: one thread's streaming bandwidth (0: = dram_bw_gbps)
  double cache_bytes = 0;           // last-level cache this PU can keep weights in (0: none)
  double cache_bw_gbps = 0;         // bandwidth when the streamed set fits in cache
  std::array<double, kComputeClasses> peak_gflops{};  // all threads / whole device
  double gemv_bw_efficiency = 0.8;  // fraction of bandwidth a GEMV reaches
  double gemm_efficiency = 0.5;     // fraction of peak compute a GEMM reaches
};

struct ProcessingUnit {
  std::string id;                   // "cpu", "gpu", "cl:0", "cpu.big"
  PuKind kind = PuKind::CPU;
  std::string name;                 // "6x Cortex-A55 @ 1.8 GHz"
  std::string engine;               // engine device this PU is ("cpu", "cl:0"); "" = none (spec sheet)
  int cores = 1;                    // CPU cores (threads available); 1 for a GPU
  std::vector<int> thread_options;  // thread counts worth sweeping (CPU); {1} otherwise
  double mem_bytes = 0;             // memory this PU may allocate (0: shares the SoC's DRAM)
  Roofline roofline;
  double launch_us = 0;             // per kernel dispatch
  double sync_us = 0;               // per hand-off: wait for completion + signal
  double elementwise_gbps = 0;      // norms/rope/activations (0: use dram bandwidth)
  std::vector<KernelTable> tables;  // measured (empty for spec-sheet descriptions)
  std::vector<BandwidthPoint> bandwidth_curve;  // measured bandwidth vs working set
  // Measured (all optional; the cost model falls back to the roofline / constants without them).
  int launches_per_layer = 0;       // kernel dispatches per layer counted from the engine (0: 16)
  int launches_per_layer_batch = 0; // ... when the layer runs m > 1 tokens, where the engine's layer
                                    // differs (the OpenCL fused layer: 6 for one token, 9 for a batch; 0: as m = 1)
  int batch_fold_max_m = 0;         // ... from more tokens than this and than batch_fold_max_mk / d_model
  int batch_fold_max_mk = 0;        // on (the OpenCL tuning's fuse_inputs_max_m / _mk; 0: from m = 2)
  int launches_head = 0;            // ... for the final norm + LM head (0: 2)
  // How the PU's matmul prices a batch (OpenCL; 0 = per token): up to gemv_batch_max_m tokens and
  // gemv_batch_max_mk / d_model run as GEMVs, past that the GEMM runs tiles of gemm_m_tile tokens,
  // each re-reading the weights, so m tokens cost as many as m rounded up to a tile (matmul_tokens).
  int gemm_m_tile = 0;
  int gemv_batch_max_m = 0;
  int gemv_batch_max_mk = 0;
  double enqueue_us = 0;            // host time to enqueue one kernel (OpenCL)
  double roundtrip_us = 0;          // launch one tiny kernel + wait for it
  std::vector<KernelTable> head;    // LM-head matmul (k = d_model, n = vocab) curves
  std::vector<AttentionTable> attention;
  std::vector<ElementwiseTable> elementwise;
  std::vector<ForwardCheck> forward_check;
  std::vector<TransferPoint> transfers;  // host <-> this PU, 64 B .. 64 MB
};

struct Link {  // moving activations / tokens between two PUs
  std::string from, to;
  double bw_gbps = 0;
  double latency_us = 0;
};

struct Contention {  // both PUs streaming from shared DRAM at once: each keeps this share of its bandwidth
  std::string a, b;
  double a_share = 1, b_share = 1;
};

struct HostCosts {  // the host (a CPU) samples and verifies: softmax over the vocabulary, compare
  std::string pu = "cpu";
  double sample_ns_per_vocab = 1.0;  // one softmax/sample pass over one vocabulary row
  double greedy_ns_per_vocab = 0;    // measured: one argmax pass (0: not measured)
};

// What `hetspec calibrate` fitted from measured traces (a validation's per-phase times): the
// overheads a profile measured in isolation cannot see. The cost model adds them on top of the
// profile's own numbers, which stay as measured; a profile without this block is the uncalibrated
// one. Terms are keyed by PU id (and model name where the cost depends on the model).
struct CalibratedForward {        // every forward of `model` with layers on `pu`
  std::string pu, model;
  double forward_us = 0;          // per forward: launch / sync / queue gaps in situ (signed correction); whole in a split
  double token_us = 0;            // per token beyond the first (the in-situ T(m) slope); a split: by the PU's layer share
  int max_tokens = 0;             // the largest forward the slope was fitted on: not extrapolated past it (0: none)
};
struct CalibratedHandoff {        // a layer split handing the hidden state over from `pu`
  std::string pu;
  double us = 0;                  // per crossing, added to the profile's sync + transfer (signed)
};
struct CalibratedOverlap {        // overlapped mode: draft on `draft`, target on `target`
  std::string draft, target;
  double hidden = 1;              // fraction of the shorter side really hidden behind the longer one
};
struct CalibrationError {         // held-out plans' prediction error (fractions), for the record
  int plans = 0;
  double speedup_median = 0, speedup_max = 0, per_token_median = 0, spearman = 0, regret = 0;
};
struct Calibration {
  std::vector<CalibratedForward> forward;
  std::vector<CalibratedHandoff> handoff;
  double host_greedy_ns_per_vocab = 0;   // one argmax pass over a vocabulary row (0: the profile's)
  double host_draft_ns_per_vocab = 0;    // the draft side's pass over a draft row, when it differs (another
                                         // engine: llama.cpp sorts the draft's candidates) (0: as the target's)
  std::vector<Contention> contention;    // replaces the profile's entry for the same pair
  std::vector<CalibratedOverlap> overlap;
  // Provenance.
  std::string source, date, command, split;
  std::vector<std::string> fit_plans, held_out_plans;
  CalibrationError before, after;        // on the held-out plans
  bool empty() const { return forward.empty() && handoff.empty() && host_greedy_ns_per_vocab <= 0 &&
                              host_draft_ns_per_vocab <= 0 && contention.empty() && overlap.empty(); }
};

// The loop that runs the plans when it is not hetspec's own executor (`profile --engine llama.cpp`
// writes it; docs/llamacpp.md). llama.cpp's llama-speculative drafts and verifies in sequence but
// re-decodes the last emitted token on the draft every iteration (γ + 1 one-token draft forwards, no
// catch-up), and spends time per iteration and per drafted token that its forwards alone do not show
// (its sampler chain on both models, a draft candidate copy, KV-cache bookkeeping on two contexts,
// two thread pools taking turns). Those two terms are fitted per thread count and per processor the
// models ran on (an offloaded model's logits cross to the host, its kernels are launched and waited
// for) from timed runs; plain decoding (llama-completion) pays its own per-token term the same way.
struct LoopTerms {
  int threads = 0;            // the draft's and the target's thread count (-t / -td) they were measured at
  std::string pu = "cpu";     // the PU both models ran on (a plan's target head PU picks the terms)
  double iteration_us = 0;    // per verify iteration, beyond its forwards and sampled rows
  double drafted_us = 0;      // per drafted token, likewise
  double plain_us = 0;        // per token of plain decoding, beyond its forward and sampled row
  int runs = 0;               // timed llama-speculative runs the terms were fitted on
  double residual_cv = 0;     // the fit's RMS residual ÷ mean decode time of those runs
};
struct ExecutorModel {
  std::string engine = "hetspec";  // hetspec | llama.cpp
  std::vector<LoopTerms> loop;     // llama.cpp only
  bool redecodes_emitted() const { return engine == "llama.cpp"; }
  // The terms at this thread count on this PU, else on the CPU (nullptr: none measured there).
  const LoopTerms* at(int threads, const std::string& pu = "cpu") const {
    for (const auto& l : loop)
      if (l.threads == threads && l.pu == pu) return &l;
    for (const auto& l : loop)
      if (l.threads == threads && l.pu == "cpu") return &l;
    return nullptr;
  }
};

// Where a measured profile comes from (all free text; empty for spec sheets).
struct Provenance {
  std::string cpu, isa, opencl, os, git, date, command;
  int cores = 0;
  bool empty() const { return cpu.empty() && isa.empty() && opencl.empty() && os.empty() && git.empty() &&
                              date.empty() && command.empty() && cores == 0; }
};

struct Profile {
  std::string name;
  std::string kind = "spec-sheet";   // spec-sheet | measured
  std::string description;
  std::string source;                // provenance: datasheet, tool version, date, host
  std::string hetspec_version;       // the build that wrote the file ("" when written by hand); saving writes the current one
  double dram_bytes = 0;             // total DRAM shared by all PUs
  double dram_bw_gbps = 0;           // theoretical peak of the shared bus
  double usable_memory_fraction = 0.8;  // of dram_bytes left for models (OS, buffers)
  bool unified_memory = true;        // PUs share DRAM (zero-copy possible)
  std::vector<ProcessingUnit> pus;
  std::vector<Link> links;
  std::vector<Contention> contention;
  HostCosts host;
  Provenance provenance;
  Calibration calibration;           // empty unless `hetspec calibrate` wrote this profile
  ExecutorModel executor;            // the loop that runs the plans (hetspec's unless said otherwise)

  int pu_index(const std::string& id) const;  // -1 if absent
  const Link* link(const std::string& from, const std::string& to) const;  // either direction
  // Share of its bandwidth PU `self` keeps while `other` streams too (1 when no entry).
  double contention_share(const std::string& self, const std::string& other) const;

  // Index-based lookups for the cost model's hot path, valid after resolve() (load_profile calls it;
  // call it again after adding PUs, links or contention entries in code).
  void resolve();
  int host_index = 0;
  const Link* link_at(int a, int b) const { return link_idx_[a][b] < 0 ? nullptr : &links[link_idx_[a][b]]; }
  double share_at(int self, int other) const { return share_[self][other]; }
  // Calibration terms by PU index (0 / 1 when uncalibrated).
  double handoff_at(int pu) const { return handoff_[pu]; }
  double hidden_at(int draft_pu, int target_pu) const { return hidden_[draft_pu][target_pu]; }
  const CalibratedForward* forward_term(int pu, const std::string& model) const;
  double greedy_ns_per_vocab() const {
    return calibration.host_greedy_ns_per_vocab > 0 ? calibration.host_greedy_ns_per_vocab : host.greedy_ns_per_vocab;
  }

 private:
  static constexpr int kMax = 8;
  int link_idx_[kMax][kMax] = {};
  double share_[kMax][kMax] = {};
  double handoff_[kMax] = {};
  double hidden_[kMax][kMax] = {};
};

// The same profile without its calibration block (what `calibrate` started from).
Profile uncalibrated(Profile p);

// Loads and validates a profile YAML; errors name the file and key path.
Profile load_profile(const std::string& path);
// Serialises to YAML in the same schema (round-trips through load_profile).
std::string profile_to_yaml(const Profile& p);

}  // namespace hetspec
