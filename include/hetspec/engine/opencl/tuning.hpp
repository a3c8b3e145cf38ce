// Work-group and tile sizes per device, as data (the CLBlast lesson): kernels read them as -D
// defines, never hard-code them. Chain: defaults by device type (CPU / GPU) -> vendor overrides
// (NVIDIA, AMD, Intel, ARM Mali, Qualcomm Adreno) -> an override YAML file (strict: unknown keys and
// bad values are errors naming the file and key), e.g.
//     devices:
//       - match: "H100"        # substring of the device name, vendor or platform; "*" = every device
//         gemv_lx: 64
//         gemm_tm: 8
//         gemv_max_m: 4        # batches of up to 4 tokens as 4 GEMVs in one launch, not the GEMM
//         gemv_max_mk: 6144    # ... in a model forward, up to 6144 tokens x d_model
//         gemv_min_m: 2        # ... and up to 2 tokens whatever the width (0: no bound)
//         attn_split: 4        # attention's P.V over 4 groups of positions, summed (1: one chain;
//                              # where attn_wg >= 2 head_dim, at most attn_wg / head_dim groups)
//         gemv_wide_k: 4096    # GEMVs of K >= 4096 columns (a down projection) with their own
//         gemv_wide_lx: 128    # ... work-items per row group and row groups per work-group (0: off)
//         gemv_wide_groups: 1
//         gemv_tall_n: 8192    # GEMVs of N >= 8192 rows (gate/up, an LM head) with their own
//         gemv_tall_lx: 64     # ... work-items per row group, rows per group (x reuse) and row
//         gemv_tall_rows: 4    # ... groups per work-group (0: off; before gemv_wide_*)
//         gemv_tall_groups: 2
//         fuse_layers: false   # op-by-op layers (one launch per op), e.g. to compare
//         fuse_inputs: false   # fused layers, but RMSNorm and SwiGLU as their own launches
//         fuse_inputs_max_m: 4 # ... folded into forwards of at most 4 tokens (1: decode only)
//         fuse_inputs_max_mk: 2304  # ... and of at most 2304 tokens x d_model (wide models: m = 1)
//         gemv_q8: true        # quantized weights' GEMV with x in int8 and integer dots (gemv_q8.cl)
//         gemv_q8_min_rows: 32768  # ... for matrices of at least this many rows only (0: all), e.g. LM heads
//         gemvq_lx: 32         # ... its work-items per row group, rows per group, groups per work-group
//         gemvq_rows: 4
//         gemvq_groups: 4
//         gemm_q8: true        # ... and the GEMM's (m tokens; its tile is gemm_lx/rows/tm/rpt)
//         gemm_q8_min_k: 2048  # ... for matrices of K >= 2048 columns only (0: any)
//         ptx_asm: true        # ... their byte dots as inline PTX dp4a (NVIDIA only)
//         warp_shuffle: true   # GEMV row sums by warp shuffles (inline PTX: needs ptx_asm), not a
//                              # local-memory tree with a barrier per step
//         gemm_warp_shuffle: true  # ... the GEMM's (NVIDIA's default)
//         glu_epilogue: false  # SwiGLU as the gate/up GEMV's epilogue (default), or folded into the
//                              # down projection's input / its own launch
//         attn_decode: false   # one token's RoPE + KV append + attention as one launch (attn_decode.cl,
//                              # default), or rope_kv and attention as two
//         attn_decode_wg: 256  # ... its work-group (a power of two; at least head_dim / 4 is used)
//         pinned_logits: false # a forward's logits read into pageable memory, not a mapped pinned buffer
//         device_argmax: false # greedy decoding reads the logit rows back and picks on the host
// The file comes from Device::open's argument, else $HETSPEC_CL_TUNING.
#pragma once
#include <cstdint>
#include <string>

#include "hetspec/core/dtype.hpp"

#include "hetspec/engine/opencl/devices.hpp"

namespace hetspec::ocl {

struct Tuning {
  int mm_split = 4;    // matmul code path: 1 = a work-item reads whole blocks (CPU), 4 = four share one (GPU)
  int gemv_lx = 32;    // work-items cooperating on a group of rows (power of two)
  int gemv_rows = 2;   // rows per group: each x block loaded once is applied to this many rows
  int gemv_groups = 4; // row groups per work-group
  int gemm_lx = 32;    // work-items cooperating on one row, m-token kernel (power of two)
  int gemm_rows = 4;   // rows per work-group
  int gemm_tm = 4;     // tokens per work-group (weight reuse factor)
  int norm_wg = 128;   // RMSNorm / softmax work-group (power of two)
  int attn_wg = 64;    // attention work-group per (head, token) (power of two)
  int elem_wg = 64;    // elementwise ops
  std::string source;  // how it was chosen: "GPU defaults + NVIDIA + file x.yaml"
  int gemm_rpt = 1;    // rows per work-item group in the GPU matmul path (x reuse; 1 = one row)
  // Batches of up to this many tokens run as that many GEMVs in one launch instead of the GEMM
  // (each token re-reads the weights, from cache on a small matrix; 1 = the GEMM from m = 2).
  int gemv_max_m = 1;
  int64_t gemv_max_mk = 0;  // ... and tokens x d_model in a model forward (0: no bound): wide models'
                            // matrices re-read per token cost more than the GEMM from a few tokens
  int gemv_min_m = 1;       // ... but batches of up to this many tokens (<= gemv_max_m) always as GEMVs
  int attn_split = 1;  // attention's P.V: positions split over this many groups of the work-group,
                       // partial sums added (power of two, <= attn_wg; 1: one chain of L steps);
                       // only for head_dim > attn_wg (attn_split_for)
  bool fuse_layers = true;  // model forwards use the fused layer (6-9 launches) rather than op by op
  // ... and fold RMSNorm / SwiGLU into the next matmul's input (6 launches, not 9): every row group
  // recomputes them, a win where a launch costs more than that (GPUs), a loss on CPU devices.
  bool fuse_inputs = true;
  // Largest batch (tokens per forward) that folds them, as a token count and as tokens x d_model (0:
  // no bound): the fold is recomputed per row group and token, which pays where launches dominate (a
  // narrow model's few-token verify) and not on wide models. One token always folds.
  int fuse_inputs_max_m = 1;
  int64_t fuse_inputs_max_mk = 0;
  // Quantized weights' GEMV through gemv_q8.cl: x rounded to int8 per block of 32 in the work-group,
  // integer dots (4-bit weights cost ~1 instruction each, not ~5 as float); its own tile shape
  // (gemvq_lx and gemvq_groups powers of two). ptx_asm: its byte dots as NVIDIA's dp4a (inline PTX).
  bool gemv_q8 = false;
  // ... for matrices of at least this many rows (0: all): a wide matrix (an LM head) is bound by the
  // float GEMV's instructions, a layer's small ones by latency, where the integer dot's extra phase costs.
  int64_t gemv_q8_min_rows = 0;
  // The same for the GEMM (a verify's m tokens, gemv_q8.cl): one launch rounds x's m rows to int8
  // (into Device::scratch), then the GEMM reads each weight block once for a tile of gemm_tm tokens.
  bool gemm_q8 = false;
  // ... for matrices of at least this many columns (0: any). A model whose d_model reaches it sends
  // every batch from 2 tokens to that GEMM (gemv_batch_limit; gemv_min_m is the float GEMM's): its
  // extra launch (the rounding of x) costs more than it saves on a narrow model, whose batches stay GEMVs.
  int gemm_q8_min_k = 0;
  // GEMVs of at least gemv_wide_k columns (0: none) take gemv_wide_lx work-items per row group and
  // gemv_wide_groups row groups per work-group: a long row (a down projection's K = 4 d_model) is a long
  // serial chain per work-item under the shape that suits the model's d_model-wide matrices.
  int64_t gemv_wide_k = 0;
  int gemv_wide_lx = 128;
  int gemv_wide_groups = 1;
  // GEMVs of at least gemv_tall_n rows (0: none; gate/up, an LM head) take their own tile, first:
  // many row groups each re-read x, so more rows per group (x reuse) pays there and not on a small matrix.
  int64_t gemv_tall_n = 0;
  int gemv_tall_lx = 64;
  int gemv_tall_rows = 4;
  int gemv_tall_groups = 2;
  int gemvq_lx = 32;
  int gemvq_rows = 4;
  int gemvq_groups = 4;
  bool ptx_asm = false;
  // The GEMVs (float and integer-dot) sum a row group's partial dots across its work-items by warp
  // shuffles (shfl.sync, inline PTX, so NVIDIA only: needs ptx_asm) instead of a local-memory tree of
  // log2(gemv_lx) barrier steps; a row group of more than one warp meets in local memory once. Applies
  // where the GEMV's work-items per row group are a multiple of 32 (a warp), and only with ptx_asm (a
  // file entry that asks for shuffles without it is an error).
  bool warp_shuffle = false;
  bool gemm_warp_shuffle = false;  // the same for the GEMM (m tokens), where gemm_lx is a multiple of 32
  // A layer forward's gate/up GEMV (m tokens as GEMVs) ends in SwiGLU (ops.hpp MatmulEx::glu): each
  // output's gate and up rows are summed in one row group, which writes silu(gate) * up once; the down
  // projection then reads it plainly. Otherwise SwiGLU is folded into the down projection's input,
  // where every row group recomputes it (K exps and 2 K floats read per group), or is its own launch.
  bool glu_epilogue = true;
  // A layer forward of one token runs RoPE + KV append + attention as one launch (attn_decode.cl: a
  // work-group of attn_decode_wg per query head, P.V split over positions) instead of rope_kv and
  // layer.cl's attention.
  bool attn_decode = true;
  int attn_decode_wg = 128;
  // A whole-model forward reads its logits into a mapped CL_MEM_ALLOC_HOST_PTR buffer (pinned: the
  // device writes it directly) rather than into pageable memory through the driver's staging copy.
  bool pinned_logits = true;
  // Greedy decoding (Runner::forward_argmax) picks each row's argmax on the device (argmax.cl) and reads
  // back one int per row, not the row.
  bool device_argmax = true;
};

Tuning default_tuning(const ClDeviceInfo& dev);
// Whether a matmul of `weights` with k columns runs the integer-dot GEMM (gemm_q8) under t.
bool runs_gemm_q8(const Tuning& t, DType weights, int64_t k);
// The largest batch of a model of width d_model whose layer weights are `weights` that runs as GEMVs
// (gemv_min_m, gemv_max_m, _mk; 1 for a model whose matrices run the integer-dot GEMM), and that folds
// RMSNorm / SwiGLU into the matmuls (0 without fuse_inputs); both at least 1 otherwise.
int gemv_batch_limit(const Tuning& t, int64_t d_model, DType weights);
int fold_batch_limit(const Tuning& t, int64_t d_model);
// The P.V split a model with this head_dim runs: attn_split where head_dim > attn_wg (a one-chain
// work-item would run head_dim / attn_wg chains of L steps in turn); where the work-group spans
// several heads' width, the largest power of two of them up to attn_split (one dim per work-item,
// L / split steps each); else 1 (a split with fewer lanes than dims was measured slower on the H200
// for head_dim 64 = attn_wg: docs/runs/h200-attn-split.md).
int attn_split_for(const Tuning& t, int64_t head_dim);
// attn_decode.cl's work-group for a model with this head_dim: attn_decode_wg, at least head_dim / 4
// (one work-item per quad of dims in P.V), rounded up to a power of two.
int attn_decode_wg(const Tuning& t, int64_t head_dim);
// Applies every entry of `path` whose match fits dev, in order. Throws Error on bad files.
void apply_tuning_file(Tuning& t, const ClDeviceInfo& dev, const std::string& path);
// Throws unless sizes are powers of two (where needed) within the device's max work-group size.
void validate_tuning(const Tuning& t, const ClDeviceInfo& dev, const std::string& where);
// default_tuning + $HETSPEC_CL_TUNING or `file` (if non-empty) + validation.
Tuning tuning_for(const ClDeviceInfo& dev, const std::string& file = "");

}  // namespace hetspec::ocl
