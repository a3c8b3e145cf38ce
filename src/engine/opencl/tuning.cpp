#include "hetspec/engine/opencl/tuning.hpp"

#include <algorithm>
#include <cstdlib>

#include "hetspec/core/error.hpp"
#include "hetspec/core/yaml_reader.hpp"

namespace hetspec::ocl {

namespace {

bool contains_ci(const std::string& hay, const std::string& needle) {
  auto lower = [](std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
    return s;
  };
  return lower(hay).find(lower(needle)) != std::string::npos;
}

bool matches(const ClDeviceInfo& d, const std::string& m) {
  return m == "*" || contains_ci(d.name, m) || contains_ci(d.vendor, m) || contains_ci(d.platform_name, m);
}

bool pow2(int v) { return v > 0 && (v & (v - 1)) == 0; }

}  // namespace

namespace {
int batch_limit(int max_m, int64_t max_mk, int64_t d_model) {
  int64_t lim = max_m;
  if (max_mk > 0) lim = std::min(lim, max_mk / std::max<int64_t>(1, d_model));
  return int(std::max<int64_t>(1, lim));
}
}  // namespace

bool runs_gemm_q8(const Tuning& t, DType weights, int64_t k) {
  return t.gemm_q8 && k >= t.gemm_q8_min_k && (weights == DType::Q4_0 || weights == DType::Q4_1 || weights == DType::Q8_0);
}

int gemv_batch_limit(const Tuning& t, int64_t d_model, DType weights) {
  if (runs_gemm_q8(t, weights, d_model)) return 1;  // the integer-dot GEMM from 2 tokens (H200: 1.40 vs 1.96 ms on 1B)
  return std::max(std::min(t.gemv_min_m, t.gemv_max_m), batch_limit(t.gemv_max_m, t.gemv_max_mk, d_model));
}
int attn_split_for(const Tuning& t, int64_t head_dim) {
  if (head_dim > t.attn_wg) return t.attn_split;
  // A work-group of several heads' width: its work-items beyond one per dim split the positions (the
  // largest power of two of them, so the groups tile the work-group), at most attn_split.
  int fit = 1;
  while (int64_t(fit) * 2 * head_dim <= t.attn_wg) fit *= 2;
  return std::min(t.attn_split, fit);
}

int attn_decode_wg(const Tuning& t, int64_t head_dim) {
  int wg = t.attn_decode_wg;
  while (int64_t(wg) * 4 < head_dim) wg *= 2;
  return wg;
}

int fold_batch_limit(const Tuning& t, int64_t d_model) {
  return t.fuse_inputs ? batch_limit(t.fuse_inputs_max_m, t.fuse_inputs_max_mk, d_model) : 0;
}

Tuning default_tuning(const ClDeviceInfo& d) {
  Tuning t;
  if (d.type == "GPU") {
    t = Tuning{4, 32, 2, 4, 32, 4, 4, 128, 64, 64, "GPU defaults"};
    if (contains_ci(d.vendor, "NVIDIA")) {
      // Measured on an H100 (bench-opencl over a grid of tuning files, see docs/opencl.md).
      t.gemv_lx = 64; t.gemv_rows = 2; t.gemv_groups = 2;
      t.gemm_lx = 64; t.gemm_rows = 2; t.gemm_tm = 4; t.gemm_rpt = 2;
      // H200, docs/runs/h200-fuse-batch.md: a few-token batch as GEMVs in one launch beats the GEMM
      // for SmolLM2 (d 576) up to m = 8 and for Llama-1B/3B (d 2048/3072) at m = 2; folding its
      // inputs pays for SmolLM2 up to m = 8, is even at m = 2 for 1B and costs for 3B.
      t.gemv_max_m = 8;
      // With the GEMM's warp shuffles (below) it beats three GEMVs on Llama-1B (2.22 vs 2.58 ms) but
      // not two on 1B or 3B (2.37 vs 2.00, 5.1 vs 4.8 ms; docs/runs/h200-warp-shuffle.md): GEMVs up to
      // m = 2 at any width, up to m * d_model = 4608 beyond (SmolLM2: 8 tokens). A model that runs the
      // integer-dot GEMM (gemm_q8, below: quantized, d_model >= 2048) sends every batch from 2 tokens
      // there instead (Llama-1B 1.40 vs 1.96 ms, 3B 3.7 vs 4.8; docs/runs/h200-gemm-q8.md).
      t.gemv_min_m = 2;
      t.gemv_max_mk = 4608;
      t.fuse_inputs_max_m = 8;
      t.fuse_inputs_max_mk = 8 * 576;
      // H200, docs/runs/h200-attn-split.md: P.V over 8 position groups, 31-42 % off the 3B forward
      // (head_dim 128) at depth 512-2048; applied to head_dim > attn_wg only (attn_split_for).
      t.attn_split = 8;
      // gemv_q8 (the integer-dot GEMV) stays off: on the H200 it sped the LM head up (Q4_1 0.38 -> 0.54
      // of copy) but slowed a Llama-1B forward (1.46 -> 1.70 ms; docs/runs/h200-gemv-q8.md). Its byte
      // dots, where a tuning file turns it on, are dp4a.
      t.ptx_asm = true;
      // H200, docs/runs/h200-gemm-q8.md: the integer-dot GEMM (x rounded to int8 once, dp4a) took a
      // Llama-1B Q4_1 verify of 8 tokens from 3.5 to 2.2 ms and 16 from 5.9 to 3.3 (3B Q4_0: 8.2 -> 5.1,
      // 13.6 -> 7.5): on for quantized weights of K >= 2048 columns. SmolLM2's (K 576 / 1536) verify
      // of 8-16 tokens lost 15-40 % to its extra launch per matmul: it keeps the float GEMM.
      t.gemm_q8 = true;
      t.gemm_q8_min_k = 2048;
      // H200, docs/runs/h200-warp-shuffle.md: the GEMM's row sums by warp shuffles took 10-14 % off a
      // Llama-1B verify of 4-16 tokens; the GEMVs' (warp_shuffle) gained 0-20 % per matrix kernel but
      // nothing in a decode (1B, SmolLM2, within the host's noise): off.
      t.gemm_warp_shuffle = true;
      // H200, docs/runs/h200-timeline.md: a Llama-1B down projection (2048 x 8192) took 21 us in the
      // d_model-shaped tile (16 units per work-item in a chain) and 14.7 in 128 work-items per row, one
      // row group per work-group; the decode 586-597 -> 634-654 tok/s (Q4_0 alike).
      t.gemv_wide_k = 4096;
      t.gemv_wide_lx = 128;
      t.gemv_wide_groups = 1;
      // H200, docs/runs/h200-decode2/ and h200-decode3/: one token's attention (attn_decode) in 256
      // work-items per head against 128: Llama-1B decode 754-768 -> 789-804 tok/s, depth 1024 2.66 ->
      // 2.19 ms a forward; 512 against 256: 802-804 -> 814-818 tok/s, depth 1024 2.16 -> 1.95 ms
      // (SmolLM2 2.81 -> 2.38-2.43); 1024 no better than 512.
      t.attn_decode_wg = 512;
      t.source += " + NVIDIA";
    } else if (contains_ci(d.vendor, "Advanced Micro") || contains_ci(d.vendor, "AMD")) {
      t.gemv_lx = 64; t.gemv_groups = 2; t.gemm_lx = 64; t.gemm_rows = 2;  // wavefront 64
      t.source += " + AMD";
    } else if (contains_ci(d.vendor, "Intel")) {
      t.gemv_lx = 16; t.gemv_groups = 4; t.gemm_lx = 16; t.gemm_rows = 8;  // SIMD16
      t.source += " + Intel";
    } else if (contains_ci(d.vendor, "ARM") || contains_ci(d.name, "Mali")) {
      t.gemv_lx = 8; t.gemv_rows = 4; t.gemv_groups = 4; t.gemm_lx = 8; t.gemm_rows = 8; t.norm_wg = 64;  // small warps
      t.source += " + ARM Mali";
    } else if (contains_ci(d.vendor, "Qualcomm") || contains_ci(d.name, "Adreno")) {
      t.gemv_lx = 64; t.gemv_rows = 2; t.gemv_groups = 1; t.gemm_lx = 64; t.gemm_rows = 1;  // 64/128-wide waves
      t.source += " + Qualcomm Adreno";
    }
  } else {
    // CPU devices (PoCL, Intel CPU runtime): work-items of a group run as loops or SIMD lanes of one
    // thread, so few lanes per row and several rows per group keep barriers cheap.
    t = Tuning{1, 1, 4, 8, 4, 8, 4, 16, 16, 64, "CPU defaults"};
    t.attn_decode_wg = 16;
    t.fuse_inputs = false;  // measured on PoCL: SwiGLU recomputed per row group made a layer 3x slower
  }
  return t;
}

void apply_tuning_file(Tuning& t, const ClDeviceInfo& dev, const std::string& path) {
  YamlMap root = YamlMap::load_file(path);
  auto entries = root.maps("devices");
  root.done();
  for (auto& e : entries) {
    std::string m = e.get<std::string>("match");
    bool hit = matches(dev, m);
    Tuning n = t;
    // A count where 0 means "no bound" (what0) and anything else is a count of `unit`s.
    auto zero_or_count = [&](const char* key, int64_t cur, const char* what0, const char* unit) -> int64_t {
      const int v = e.get_or<int>(key, int(cur));
      if (v < 0)
        throw Error(e.where(key), std::string("must be 0 (") + what0 + ") or a positive " + unit + " count, got " + std::to_string(v));
      return v;
    };
    n.mm_split = e.positive_int_or("mm_split", t.mm_split);
    n.gemv_lx = e.positive_int_or("gemv_lx", t.gemv_lx);
    n.gemv_rows = e.positive_int_or("gemv_rows", t.gemv_rows);
    n.gemv_groups = e.positive_int_or("gemv_groups", t.gemv_groups);
    n.gemm_lx = e.positive_int_or("gemm_lx", t.gemm_lx);
    n.gemm_rows = e.positive_int_or("gemm_rows", t.gemm_rows);
    n.gemm_tm = e.positive_int_or("gemm_tm", t.gemm_tm);
    n.gemm_rpt = e.positive_int_or("gemm_rpt", t.gemm_rpt);
    n.gemv_max_m = e.positive_int_or("gemv_max_m", t.gemv_max_m);
    n.gemv_min_m = e.positive_int_or("gemv_min_m", t.gemv_min_m);
    n.gemv_max_mk = e.has("gemv_max_mk") ? e.positive_int("gemv_max_mk") : t.gemv_max_mk;
    n.norm_wg = e.positive_int_or("norm_wg", t.norm_wg);
    n.attn_wg = e.positive_int_or("attn_wg", t.attn_wg);
    n.attn_split = e.positive_int_or("attn_split", t.attn_split);
    n.elem_wg = e.positive_int_or("elem_wg", t.elem_wg);
    n.fuse_layers = e.get_or<bool>("fuse_layers", t.fuse_layers);
    n.fuse_inputs = e.get_or<bool>("fuse_inputs", t.fuse_inputs);
    n.fuse_inputs_max_m = e.positive_int_or("fuse_inputs_max_m", t.fuse_inputs_max_m);
    n.fuse_inputs_max_mk = e.has("fuse_inputs_max_mk") ? e.positive_int("fuse_inputs_max_mk") : t.fuse_inputs_max_mk;
    n.gemv_q8 = e.get_or<bool>("gemv_q8", t.gemv_q8);
    n.gemm_q8 = e.get_or<bool>("gemm_q8", t.gemm_q8);
    n.gemm_q8_min_k = int(zero_or_count("gemm_q8_min_k", t.gemm_q8_min_k, "any K", "column"));
    n.gemv_q8_min_rows = zero_or_count("gemv_q8_min_rows", t.gemv_q8_min_rows, "every matrix", "row");
    n.gemv_wide_k = zero_or_count("gemv_wide_k", t.gemv_wide_k, "off", "column");
    n.gemv_wide_lx = e.positive_int_or("gemv_wide_lx", t.gemv_wide_lx);
    n.gemv_wide_groups = e.positive_int_or("gemv_wide_groups", t.gemv_wide_groups);
    n.gemv_tall_n = zero_or_count("gemv_tall_n", t.gemv_tall_n, "off", "row");
    n.gemv_tall_lx = e.positive_int_or("gemv_tall_lx", t.gemv_tall_lx);
    n.gemv_tall_rows = e.positive_int_or("gemv_tall_rows", t.gemv_tall_rows);
    n.gemv_tall_groups = e.positive_int_or("gemv_tall_groups", t.gemv_tall_groups);
    n.gemvq_lx = e.positive_int_or("gemvq_lx", t.gemvq_lx);
    n.gemvq_rows = e.positive_int_or("gemvq_rows", t.gemvq_rows);
    n.gemvq_groups = e.positive_int_or("gemvq_groups", t.gemvq_groups);
    n.ptx_asm = e.get_or<bool>("ptx_asm", t.ptx_asm);
    n.warp_shuffle = e.get_or<bool>("warp_shuffle", t.warp_shuffle);
    n.gemm_warp_shuffle = e.get_or<bool>("gemm_warp_shuffle", t.gemm_warp_shuffle);
    n.glu_epilogue = e.get_or<bool>("glu_epilogue", t.glu_epilogue);
    n.attn_decode = e.get_or<bool>("attn_decode", t.attn_decode);
    n.attn_decode_wg = e.positive_int_or("attn_decode_wg", t.attn_decode_wg);
    n.pinned_logits = e.get_or<bool>("pinned_logits", t.pinned_logits);
    n.device_argmax = e.get_or<bool>("device_argmax", t.device_argmax);
    // Shuffles are inline PTX: an entry asking for them where ptx_asm ends up off is a mistake
    // (a file that only turns ptx_asm off leaves the defaults' shuffles unused, see ops.cpp).
    for (const auto& [key, on] : {std::pair{"warp_shuffle", n.warp_shuffle}, std::pair{"gemm_warp_shuffle", n.gemm_warp_shuffle}})
      if (hit && e.has(key) && on && !n.ptx_asm)
        throw Error(e.where(key), "needs ptx_asm (the shuffles are inline PTX, NVIDIA only)");
    e.done();
    if (hit) {
      n.source = t.source + " + " + path + " (" + m + ")";
      t = n;
    }
  }
}

void validate_tuning(const Tuning& t, const ClDeviceInfo& dev, const std::string& where) {
  auto pow2_field = [&](int v, const char* name) {
    if (!pow2(v)) throw Error(where + ": " + name, "must be a power of two, got " + std::to_string(v));
  };
  pow2_field(t.gemv_lx, "gemv_lx");
  pow2_field(t.gemm_lx, "gemm_lx");
  pow2_field(t.gemvq_lx, "gemvq_lx");
  pow2_field(t.gemv_wide_lx, "gemv_wide_lx");
  pow2_field(t.gemv_tall_lx, "gemv_tall_lx");
  pow2_field(t.gemvq_groups, "gemvq_groups");
  if (t.gemvq_rows > 16) throw Error(where + ": gemvq_rows", "at most 16, got " + std::to_string(t.gemvq_rows));
  pow2_field(t.norm_wg, "norm_wg");
  pow2_field(t.attn_wg, "attn_wg");
  pow2_field(t.attn_split, "attn_split");
  pow2_field(t.attn_decode_wg, "attn_decode_wg");
  if (t.attn_split > t.attn_wg)
    throw Error(where + ": attn_split", "at most attn_wg (" + std::to_string(t.attn_wg) + "), got " + std::to_string(t.attn_split));
  if (t.gemv_max_m > 4096) throw Error(where + ": gemv_max_m", "at most 4096, got " + std::to_string(t.gemv_max_m));
  if (t.gemm_q8_min_k > (1 << 20)) throw Error(where + ": gemm_q8_min_k", "at most 1048576, got " + std::to_string(t.gemm_q8_min_k));
  if (t.gemv_min_m > 4096) throw Error(where + ": gemv_min_m", "at most 4096, got " + std::to_string(t.gemv_min_m));
  if (t.fuse_inputs_max_m > 4096)
    throw Error(where + ": fuse_inputs_max_m", "at most 4096, got " + std::to_string(t.fuse_inputs_max_m));
  if (t.mm_split != 1 && t.mm_split != 4)
    throw Error(where + ": mm_split", "must be 1 or 4, got " + std::to_string(t.mm_split));
  if (t.gemv_rows > 16) throw Error(where + ": gemv_rows", "at most 16, got " + std::to_string(t.gemv_rows));
  if (t.gemm_tm > 32) throw Error(where + ": gemm_tm", "at most 32, got " + std::to_string(t.gemm_tm));
  if (t.gemm_rpt > 8) throw Error(where + ": gemm_rpt", "at most 8, got " + std::to_string(t.gemm_rpt));
  // The unit-path GEMM reduces (rpt + 1) * tm values per row group (the +1: the fused RMSNorm's sums).
  uint64_t local_bytes = uint64_t(t.gemm_rows) * (t.gemm_rpt + 1) * t.gemm_tm * t.gemm_lx * 4;
  if (dev.local_mem_bytes && local_bytes > dev.local_mem_bytes)
    throw Error(where + ": gemm_rows*(gemm_rpt+1)*gemm_tm*gemm_lx",
                "needs " + std::to_string(local_bytes) + " bytes of local memory, the device has " +
                    std::to_string(dev.local_mem_bytes));
  size_t maxwg = dev.max_work_group_size ? dev.max_work_group_size : 256;
  auto fits = [&](size_t v, const char* name) {
    if (v > maxwg)
      throw Error(where + ": " + name, "work-group of " + std::to_string(v) + " exceeds the device's maximum " +
                                           std::to_string(maxwg));
  };
  fits(size_t(t.gemv_lx) * t.gemv_groups, "gemv_lx*gemv_groups");
  fits(size_t(t.gemm_lx) * t.gemm_rows, "gemm_lx*gemm_rows");
  fits(size_t(t.gemvq_lx) * t.gemvq_groups, "gemvq_lx*gemvq_groups");
  fits(size_t(t.gemv_wide_lx) * t.gemv_wide_groups, "gemv_wide_lx*gemv_wide_groups");
  fits(size_t(t.gemv_tall_lx) * t.gemv_tall_groups, "gemv_tall_lx*gemv_tall_groups");
  fits(t.norm_wg, "norm_wg");
  fits(t.attn_wg, "attn_wg");
  fits(t.attn_decode_wg, "attn_decode_wg");
  fits(t.elem_wg, "elem_wg");
}

Tuning tuning_for(const ClDeviceInfo& dev, const std::string& file) {
  Tuning t = default_tuning(dev);
  std::string path = file;
  if (path.empty())
    if (const char* e = std::getenv("HETSPEC_CL_TUNING"); e && *e) path = e;
  if (!path.empty()) apply_tuning_file(t, dev, path);
  validate_tuning(t, dev, path.empty() ? dev.id + " tuning" : path);
  return t;
}

}  // namespace hetspec::ocl
