// GGUF metadata getters (typed, with safe integer conversion and key-named errors) and tensor
// lookups (WeightView for the kernels, f32 copies of small vectors).
#include <cmath>
#include <cstring>
#include <limits>
#include <sstream>

#include "hetspec/core/error.hpp"
#include "hetspec/engine/cpu/quant_blocks.hpp"
#include "hetspec/model/gguf_file.hpp"

namespace hetspec {

const char* gguf_type_name(GgufType t) {
  static const char* names[] = {"u8", "i8", "u16", "i16", "u32", "i32", "f32", "bool", "string", "array", "u64", "i64", "f64"};
  auto k = static_cast<uint32_t>(t);
  return k < 13 ? names[k] : "unknown";
}

namespace {

bool is_unsigned(GgufType t) { return t == GgufType::U8 || t == GgufType::U16 || t == GgufType::U32 || t == GgufType::U64; }
bool is_signed(GgufType t) { return t == GgufType::I8 || t == GgufType::I16 || t == GgufType::I32 || t == GgufType::I64; }
bool is_float(GgufType t) { return t == GgufType::F32 || t == GgufType::F64; }

std::string describe(const GgufValue& v) {
  if (v.type == GgufType::ARRAY) return std::string("array of ") + gguf_type_name(v.elem_type);
  return gguf_type_name(v.type);
}

// An integer value as a wide signed number; throws for non-integers.
__int128 as_int(const GgufValue& v, const std::string& where) {
  if (is_unsigned(v.type)) return static_cast<__int128>(v.u);
  if (is_signed(v.type)) return v.i;
  throw Error(where, "expected an integer, got " + describe(v));
}

template <class T>
T narrow(__int128 x, const std::string& where, const char* tname) {
  if (x < static_cast<__int128>(std::numeric_limits<T>::min()) || x > static_cast<__int128>(std::numeric_limits<T>::max())) {
    std::string s = x < 0 ? "-" + std::to_string(static_cast<uint64_t>(-x)) : std::to_string(static_cast<uint64_t>(x));
    throw Error(where, "value " + s + " does not fit in " + tname);
  }
  return static_cast<T>(x);
}

double as_double(const GgufValue& v, const std::string& where) {
  if (is_float(v.type)) return v.f;
  if (is_unsigned(v.type)) return static_cast<double>(v.u);
  if (is_signed(v.type)) return static_cast<double>(v.i);
  throw Error(where, "expected a number, got " + describe(v));
}

// Decodes element k of a numeric array into a scalar GgufValue.
GgufValue element(const GgufValue& a, uint64_t k) {
  GgufValue e;
  e.type = a.elem_type;
  const uint8_t* p = a.elems;
  auto rd = [&](auto tag) {
    decltype(tag) x;
    std::memcpy(&x, p + k * sizeof(x), sizeof(x));
    return x;
  };
  switch (a.elem_type) {
    case GgufType::U8: case GgufType::BOOL: e.u = rd(uint8_t{}); break;
    case GgufType::I8: e.i = rd(int8_t{}); break;
    case GgufType::U16: e.u = rd(uint16_t{}); break;
    case GgufType::I16: e.i = rd(int16_t{}); break;
    case GgufType::U32: e.u = rd(uint32_t{}); break;
    case GgufType::I32: e.i = rd(int32_t{}); break;
    case GgufType::U64: e.u = rd(uint64_t{}); break;
    case GgufType::I64: e.i = rd(int64_t{}); break;
    case GgufType::F32: e.f = rd(float{}); break;
    case GgufType::F64: e.f = rd(double{}); break;
    default: break;
  }
  return e;
}

std::string quoted(std::string_view s, size_t max_chars = 60) {
  std::string out = "\"";
  for (size_t k = 0; k < s.size() && k < max_chars; ++k) {
    unsigned char c = static_cast<unsigned char>(s[k]);
    if (c == '"' || c == '\\') out += '\\', out += static_cast<char>(c);
    else if (c == '\n') out += "\\n";
    else if (c < 32) out += "\\x" + std::string(1, "0123456789abcdef"[c >> 4]) + "0123456789abcdef"[c & 15];
    else out += static_cast<char>(c);
  }
  if (s.size() > max_chars) out += "...";
  return out + "\"";
}

}  // namespace

std::string GgufValue::to_string(size_t max_elems) const {
  std::ostringstream o;
  switch (type) {
    case GgufType::STRING: return quoted(s);
    case GgufType::BOOL: return u ? "true" : "false";
    case GgufType::F32: case GgufType::F64: o << f; return o.str();
    case GgufType::ARRAY: {
      o << "[" << count << " x " << gguf_type_name(elem_type) << "] [";
      for (uint64_t k = 0; k < count && k < max_elems; ++k) {
        if (k) o << ", ";
        if (elem_type == GgufType::STRING) o << quoted(strings[k], 24);
        else if (elem_type == GgufType::ARRAY) o << nested[k].to_string(max_elems);
        else o << element(*this, k).to_string();
      }
      if (count > max_elems) o << ", ...";
      o << "]";
      return o.str();
    }
    default: return is_unsigned(type) ? std::to_string(u) : std::to_string(i);
  }
}

const GgufValue* GgufFile::find(const std::string& key) const {
  auto it = kv_.find(key);
  return it == kv_.end() ? nullptr : &it->second;
}

const GgufValue& GgufFile::get(const std::string& key) const {
  const GgufValue* v = find(key);
  if (!v) throw Error(where(key), "missing metadata key");
  return *v;
}

uint32_t GgufFile::get_u32(const std::string& key) const { return narrow<uint32_t>(as_int(get(key), where(key)), where(key), "u32"); }
uint64_t GgufFile::get_u64(const std::string& key) const { return narrow<uint64_t>(as_int(get(key), where(key)), where(key), "u64"); }
int32_t GgufFile::get_i32(const std::string& key) const { return narrow<int32_t>(as_int(get(key), where(key)), where(key), "i32"); }
int64_t GgufFile::get_i64(const std::string& key) const { return narrow<int64_t>(as_int(get(key), where(key)), where(key), "i64"); }
double GgufFile::get_f64(const std::string& key) const { return as_double(get(key), where(key)); }
float GgufFile::get_f32(const std::string& key) const {
  double d = get_f64(key);
  if (std::isfinite(d) && std::fabs(d) > std::numeric_limits<float>::max())
    throw Error(where(key), "value " + std::to_string(d) + " does not fit in f32");
  return static_cast<float>(d);
}
bool GgufFile::get_bool(const std::string& key) const {
  const GgufValue& v = get(key);
  if (v.type != GgufType::BOOL) throw Error(where(key), "expected a bool, got " + describe(v));
  return v.u != 0;
}
std::string GgufFile::get_string(const std::string& key) const {
  const GgufValue& v = get(key);
  if (v.type != GgufType::STRING) throw Error(where(key), "expected a string, got " + describe(v));
  return std::string(v.s);
}

uint32_t GgufFile::get_u32_or(const std::string& k, uint32_t d) const { return has(k) ? get_u32(k) : d; }
uint64_t GgufFile::get_u64_or(const std::string& k, uint64_t d) const { return has(k) ? get_u64(k) : d; }
int32_t GgufFile::get_i32_or(const std::string& k, int32_t d) const { return has(k) ? get_i32(k) : d; }
int64_t GgufFile::get_i64_or(const std::string& k, int64_t d) const { return has(k) ? get_i64(k) : d; }
float GgufFile::get_f32_or(const std::string& k, float d) const { return has(k) ? get_f32(k) : d; }
double GgufFile::get_f64_or(const std::string& k, double d) const { return has(k) ? get_f64(k) : d; }
bool GgufFile::get_bool_or(const std::string& k, bool d) const { return has(k) ? get_bool(k) : d; }
std::string GgufFile::get_string_or(const std::string& k, const std::string& d) const { return has(k) ? get_string(k) : d; }
std::optional<int64_t> GgufFile::get_i64_opt(const std::string& k) const {
  return has(k) ? std::optional<int64_t>(get_i64(k)) : std::nullopt;
}
std::optional<double> GgufFile::get_f64_opt(const std::string& k) const {
  return has(k) ? std::optional<double>(get_f64(k)) : std::nullopt;
}
std::optional<std::string> GgufFile::get_string_opt(const std::string& k) const {
  return has(k) ? std::optional<std::string>(get_string(k)) : std::nullopt;
}

uint64_t GgufFile::array_size(const std::string& key) const {
  const GgufValue& v = get(key);
  if (v.type != GgufType::ARRAY) throw Error(where(key), "expected an array, got " + describe(v));
  return v.count;
}

const std::vector<std::string_view>& GgufFile::get_string_array(const std::string& key) const {
  const GgufValue& v = get(key);
  if (v.type != GgufType::ARRAY || v.elem_type != GgufType::STRING)
    throw Error(where(key), "expected an array of strings, got " + describe(v));
  return v.strings;
}

std::vector<int64_t> GgufFile::get_i64_array(const std::string& key) const {
  const GgufValue& v = get(key);
  bool ok = v.type == GgufType::ARRAY && (is_unsigned(v.elem_type) || is_signed(v.elem_type) || v.elem_type == GgufType::BOOL);
  if (!ok) throw Error(where(key), "expected an array of integers, got " + describe(v));
  std::vector<int64_t> out(v.count);
  for (uint64_t k = 0; k < v.count; ++k) {
    GgufValue e = element(v, k);
    out[k] = v.elem_type == GgufType::BOOL ? int64_t(e.u)
                                           : narrow<int64_t>(as_int(e, where(key)), where(key) + "[" + std::to_string(k) + "]", "i64");
  }
  return out;
}

std::vector<int32_t> GgufFile::get_i32_array(const std::string& key) const {
  std::vector<int64_t> wide = get_i64_array(key);
  std::vector<int32_t> out(wide.size());
  for (size_t k = 0; k < wide.size(); ++k)
    out[k] = narrow<int32_t>(wide[k], where(key) + "[" + std::to_string(k) + "]", "i32");
  return out;
}

std::vector<float> GgufFile::get_f32_array(const std::string& key) const {
  const GgufValue& v = get(key);
  bool ok = v.type == GgufType::ARRAY && (is_float(v.elem_type) || is_unsigned(v.elem_type) || is_signed(v.elem_type));
  if (!ok) throw Error(where(key), "expected an array of numbers, got " + describe(v));
  std::vector<float> out(v.count);
  for (uint64_t k = 0; k < v.count; ++k) out[k] = static_cast<float>(as_double(element(v, k), where(key)));
  return out;
}

const GgufTensor* GgufFile::find_tensor(const std::string& name) const {
  auto it = tensor_index_.find(name);
  return it == tensor_index_.end() ? nullptr : &tensors_[it->second];
}

const GgufTensor& GgufFile::tensor(const std::string& name) const {
  const GgufTensor* t = find_tensor(name);
  if (!t) throw Error(where(name), "missing tensor");
  return *t;
}

namespace {
void require_supported(const GgufFile& f, const GgufTensor& t) {
  if (!t.dtype || !cpu_supports_dtype(*t.dtype))
    throw Error(f.where(t.name), "unsupported tensor type " + t.type_name() + " in tensor " + t.name);
}
}  // namespace

WeightView GgufFile::weight(const std::string& name) const {
  const GgufTensor& t = tensor(name);
  require_supported(*this, t);
  if (t.dims.size() > 2) throw Error(where(name), "expected a matrix, got " + std::to_string(t.dims.size()) + " dimensions");
  WeightView w;
  w.data = t.data;
  w.dtype = *t.dtype;
  w.cols = t.cols();
  w.rows = t.rows();
  return w;
}

std::vector<float> GgufFile::tensor_f32(const std::string& name) const {
  const GgufTensor& t = tensor(name);
  require_supported(*this, t);
  std::vector<float> out(static_cast<size_t>(t.n_elements));
  size_t rb = row_bytes(*t.dtype, static_cast<size_t>(t.cols()));
  for (int64_t r = 0; r < t.rows(); ++r) dequantize_row_ref(*t.dtype, t.data + r * rb, out.data() + r * t.cols(), t.cols());
  return out;
}

void GgufFile::check_dims(const std::string& name, const std::vector<int64_t>& dims) const {
  const GgufTensor& t = tensor(name);
  if (t.dims == dims) return;
  auto fmt = [](const std::vector<int64_t>& d) {
    std::string s = "[";
    for (size_t k = 0; k < d.size(); ++k) s += (k ? ", " : "") + std::to_string(d[k]);
    return s + "]";
  };
  throw Error(where(name), "has shape " + fmt(t.dims) + ", expected " + fmt(dims));
}

}  // namespace hetspec
