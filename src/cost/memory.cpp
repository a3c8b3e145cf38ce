#include "hetspec/cost/memory.hpp"

#include <cstdio>

namespace hetspec {

void add_model_memory(const ModelSpec& s, const ModelPlacement& pl, const Profile& prof, int max_rows,
                      int ctx_tokens, std::array<PuUse, kMaxPus>& use) {
  int first = pl.is_split() ? pl.split : s.n_layers;
  double layer_bytes = s.layer_params() * bytes_per_weight(pl.dtype) + 2.0 * s.d_model * 4;
  double kv_layer = ctx_tokens * s.kv_bytes_per_token_layer();
  // A self-draft reads the target's own layers and head, a borrowing draft (hetspec draft v1) the
  // target's embedding and head: nothing of those of its own on shared memory (a copy where its PU
  // has memory of its own). A head over a vocabulary subset is a gathered copy: its own n_sub rows.
  const bool borrowed = s.self_draft && prof.unified_memory;
  const bool borrowed_embd = borrowed || (s.borrows_embedding && prof.unified_memory);
  const bool borrowed_head = borrowed_embd && s.head_rows == 0;
  if (borrowed) layer_bytes = 0;
  use[pl.pu].weights += first * layer_bytes + s.feature_params() * bytes_per_weight(pl.dtype);  // + an EAGLE draft's fc
  use[pl.pu].kv_cache += first * kv_layer;
  if (pl.is_split()) {
    use[pl.split_pu].weights += (s.n_layers - first) * layer_bytes;
    use[pl.split_pu].kv_cache += (s.n_layers - first) * kv_layer;
  }
  if (!borrowed_head) use[pl.head_pu].weights += s.head_bytes();
  // The token embedding: tied models share it with a whole-vocabulary head (one buffer on unified memory).
  const bool shares_head = s.tied_embeddings && s.head_rows == 0;
  if (!borrowed_embd && (!shares_head || (!prof.unified_memory && pl.head_pu != pl.pu)))
    use[pl.pu].weights += s.embedding_bytes();
  // Scratch: activations of max_rows tokens (residual, q/k/v, ffn gate+up) and the logits rows.
  double scratch = 4.0 * max_rows * (3.0 * s.d_model + s.q_dim() + 2.0 * s.kv_dim() + 2.0 * s.ffn_dim);
  use[pl.pu].scratch += scratch;
  if (pl.is_split()) use[pl.split_pu].scratch += scratch;
  use[pl.head_pu].scratch += 4.0 * max_rows * s.n_logits();
}

std::string memory_verdict(const std::array<PuUse, kMaxPus>& use, const Profile& prof) {
  char buf[256];
  double total = 0;
  for (size_t i = 0; i < prof.pus.size(); ++i) {
    double u = use[i].total();
    total += u;
    double limit = prof.pus[i].mem_bytes;
    if (!prof.unified_memory && limit <= 0) limit = prof.dram_bytes * prof.usable_memory_fraction;
    if (limit > 0 && u > limit) {
      std::snprintf(buf, sizeof buf, "does not fit: %s needs %.2f GB of its %.2f GB", prof.pus[i].id.c_str(), u / 1e9,
                    limit / 1e9);
      return buf;
    }
  }
  double usable = prof.dram_bytes * prof.usable_memory_fraction;
  if (prof.unified_memory && total > usable) {
    std::snprintf(buf, sizeof buf, "does not fit: needs %.2f GB of %.2f GB usable DRAM", total / 1e9, usable / 1e9);
    return buf;
  }
  return "";
}

}  // namespace hetspec
