#include "hetspec/cost/single_forward.hpp"

namespace hetspec {

double single_pu_forward_us(const ModelSpec& s, const Profile& prof, int pu, int threads, int64_t m, double n,
                            int64_t rows) {
  std::array<ExecContext, kMaxPus> ctx{};
  for (size_t i = 0; i < prof.pus.size() && i < size_t(kMaxPus); ++i) {
    ctx[i].pu = &prof.pus[i];
    ctx[i].threads = prof.pus[i].cores;
  }
  ctx[pu].threads = threads;
  ctx[pu].stream_bytes = s.n_layers * s.layer_bytes() + s.feature_bytes() + s.head_bytes();
  ctx[pu].weights_cached = prof.pus[pu].roofline.cache_bytes >= ctx[pu].stream_bytes;
  ModelPlacement pl;
  pl.pu = pu;
  pl.head_pu = pu;
  pl.dtype = s.weight_dtype;
  return model_forward(s, pl, prof, ctx, m, n, rows).total_us();
}

}  // namespace hetspec
