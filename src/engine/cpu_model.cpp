#include "hetspec/engine/cpu_model.hpp"

#include "hetspec/core/error.hpp"
#include "hetspec/engine/cpu/repack.hpp"
#include "hetspec/engine/cpu/thread_pool.hpp"
#include "hetspec/model/draft_gguf.hpp"
#include "hetspec/model/gguf_spec.hpp"

namespace hetspec {

ModelWeights weights_from_gguf(const GgufFile& f, const ModelSpec& s, WeightStorage& store, const ModelWeights* borrow) {
  validate_gguf_tensors(f, s);
  auto vec = [&](const std::string& name) -> const float* {
    store.small.push_back(f.tensor_f32(name));
    return store.small.back().data();  // the inner buffer does not move when `small` grows
  };
  ModelWeights w;
  w.spec = s;
  if (s.borrows_embedding) {
    if (!borrow)
      throw Error(f.where(kTokenEmbdTensor), "missing tensor: this draft borrows its target's token embedding and LM head "
                                             "(hetspec draft v1); load it as a draft beside its target");
    check(borrow->spec.vocab == s.vocab && borrow->spec.d_model == s.d_model && borrow->head_token_ids.empty(), f.path(),
          "the model to borrow the embedding and head from has another shape");
    w.token_embd = borrow->token_embd;  // (vocab, d) views into the target's mapping
    w.output = borrow->output;
  } else {
    w.token_embd = f.weight(kTokenEmbdTensor);
    w.output = f.find_tensor(kOutputTensor) ? f.weight(kOutputTensor) : w.token_embd;
  }
  w.head_token_ids = read_head_token_ids(f, s.vocab);
  if (!w.head_token_ids.empty()) w.output = gather_rows(w.output, w.head_token_ids, store.head);  // (n_sub, d)
  w.output_norm = vec(kOutputNormTensor);
  if (s.reads_features) w.fc = f.weight(kFeatureFcTensor);  // (d, 2d)
  if (f.find_tensor(kRopeFreqsTensor)) {
    f.check_dims(kRopeFreqsTensor, {s.head_dim / 2});
    w.rope_freqs = vec(kRopeFreqsTensor);
  }
  for (int l = 0; l < s.n_layers; ++l) {
    LayerTensorNames n = layer_tensor_names(l);
    LayerWeights L;
    L.attn_norm = vec(n.attn_norm);
    L.wq = f.weight(n.attn_q);
    L.wk = f.weight(n.attn_k);
    L.wv = f.weight(n.attn_v);
    L.wo = f.weight(n.attn_output);
    if (s.qkv_bias) {
      L.bq = vec(n.attn_q_bias);
      L.bk = vec(n.attn_k_bias);
      L.bv = vec(n.attn_v_bias);
    }
    L.ffn_norm = vec(n.ffn_norm);
    L.w_gate = f.weight(n.ffn_gate);
    L.w_up = f.weight(n.ffn_up);
    L.w_down = f.weight(n.ffn_down);
    w.layers.push_back(L);
  }
  validate_weights(w, f.path());
  return w;
}

std::unique_ptr<CpuModel> CpuModel::open(GgufFile f, const ModelSpec& s, const ModelWeights* borrow, int threads,
                                         int max_batch) {
  std::unique_ptr<CpuModel> m(new CpuModel(std::move(f)));
  m->weights_ = weights_from_gguf(m->file_, s, m->store_, borrow);
  m->threads_ = threads;
  if (threads > 1) m->pool_ = std::make_unique<ThreadPool>(threads);
  m->max_batch_ = max_batch;
  return m;
}

const ModelWeights& CpuModel::cpu_weights() const {
  std::call_once(cpu_once_, [this] {
    cpu_weights_ = weights_;
    if (!cpu_repack_enabled()) return;
    // One X8 copy of every eligible matrix, all in one buffer on huge pages; the mapped bytes each was
    // made from are released (they stay in the page cache for OpenCL uploads). token_embd stays
    // plain: the forward looks rows up in it.
    std::vector<WeightView*> views;
    for (LayerWeights& L : cpu_weights_.layers)
      for (WeightView* v : {&L.wq, &L.wk, &L.wv, &L.wo, &L.w_gate, &L.w_up, &L.w_down}) views.push_back(v);
    views.push_back(&cpu_weights_.output);
    if (cpu_weights_.fc.data) views.push_back(&cpu_weights_.fc);
    size_t total = 0;
    for (const WeightView* v : views)
      if (x8_eligible(*v)) total += (size_t(v->rows) * v->row_stride() + 63) / 64 * 64;
    packed_ = HugeBuffer(total);
    size_t at = 0;
    for (WeightView* v : views) {
      if (!x8_eligible(*v)) continue;
      const WeightView plain = *v;
      const size_t bytes = size_t(plain.rows) * plain.row_stride();
      *v = repack_x8_into(plain, packed_.data() + at);
      at += (bytes + 63) / 64 * 64;
      if (plain.data != weights_.token_embd.data) file_.release(plain.data, bytes);
    }
  });
  return cpu_weights_;
}

CpuForward& CpuModel::forward() {
  std::call_once(forward_once_, [this] { forward_ = std::make_unique<CpuForward>(cpu_weights(), max_batch_, pool_.get()); });
  return *forward_;
}

std::unique_ptr<CpuModel> CpuModel::load(const std::string& path, int threads, int max_batch) {
  check(threads >= 1 && threads <= 1024, path, "threads must be in [1, 1024], got " + std::to_string(threads));
  GgufFile f = GgufFile::open(path);
  ModelSpec s = spec_from_gguf(f);
  return open(std::move(f), s, nullptr, threads, max_batch);
}

std::unique_ptr<CpuModel> CpuModel::load_draft(const std::string& path, const CpuModel& target, int threads, int max_batch) {
  check(threads >= 1 && threads <= 1024, path, "threads must be in [1, 1024], got " + std::to_string(threads));
  GgufFile f = GgufFile::open(path);
  ModelSpec s = spec_from_gguf(f);
  if (s.borrows_embedding) {
    check_same_tokenizer(f, target.file());
    s = borrowing_draft_spec(s, path, target.spec());
  }
  check_draft_target_pair(s, path, target.spec(), target.file().path());
  return open(std::move(f), s, s.borrows_embedding ? &target.weights() : nullptr, threads, max_batch);
}

CpuModel::~CpuModel() = default;

KvCache CpuModel::make_cache(int capacity) const {
  const ModelSpec& s = spec();
  if (capacity > s.context)
    throw Error(file_.path(), "a cache of " + std::to_string(capacity) + " positions exceeds the model's context (" +
                                  std::to_string(s.context) + ")");
  return KvCache(capacity, int(s.kv_dim()), 0, s.n_layers);  // as CpuForward::make_cache
}

}  // namespace hetspec
