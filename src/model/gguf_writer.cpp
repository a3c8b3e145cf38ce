#include "hetspec/model/gguf_writer.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "hetspec/core/checked.hpp"
#include "hetspec/core/error.hpp"
#include "hetspec/engine/cpu/quant_blocks.hpp"

namespace hetspec {

GgufOwnedValue GgufOwnedValue::scalar_u(GgufType t, uint64_t v) {
  GgufOwnedValue o;
  o.type = t;
  o.u = v;
  return o;
}
GgufOwnedValue GgufOwnedValue::scalar_i(GgufType t, int64_t v) {
  GgufOwnedValue o;
  o.type = t;
  o.i = v;
  return o;
}
GgufOwnedValue GgufOwnedValue::scalar_f(GgufType t, double v) {
  GgufOwnedValue o;
  o.type = t;
  o.f = v;
  return o;
}
GgufOwnedValue GgufOwnedValue::string(std::string v) {
  GgufOwnedValue o;
  o.type = GgufType::STRING;
  o.s = std::move(v);
  return o;
}
GgufOwnedValue GgufOwnedValue::array(GgufType elem, std::vector<GgufOwnedValue> items) {
  GgufOwnedValue o;
  o.type = GgufType::ARRAY;
  o.elem_type = elem;
  o.items = std::move(items);
  return o;
}

GgufOwnedValue GgufOwnedValue::copy_of(const GgufValue& v) {
  switch (v.type) {
    case GgufType::U8: case GgufType::U16: case GgufType::U32: case GgufType::U64: case GgufType::BOOL:
      return scalar_u(v.type, v.u);
    case GgufType::I8: case GgufType::I16: case GgufType::I32: case GgufType::I64: return scalar_i(v.type, v.i);
    case GgufType::F32: case GgufType::F64: return scalar_f(v.type, v.f);
    case GgufType::STRING: return string(std::string(v.s));
    case GgufType::ARRAY: break;
  }
  std::vector<GgufOwnedValue> items;
  items.reserve(size_t(v.count));
  if (v.elem_type == GgufType::STRING) {
    for (auto sv : v.strings) items.push_back(string(std::string(sv)));
  } else if (v.elem_type == GgufType::ARRAY) {
    for (const auto& n : v.nested) items.push_back(copy_of(n));
  } else {
    for (uint64_t k = 0; k < v.count; ++k) {  // little-endian elements in the mapping
      const uint8_t* p = v.elems;
      auto load = [&](auto t) {
        std::memcpy(&t, p + k * sizeof(t), sizeof(t));
        return t;
      };
      switch (v.elem_type) {
        case GgufType::U8: items.push_back(scalar_u(v.elem_type, load(uint8_t{}))); break;
        case GgufType::BOOL: items.push_back(scalar_u(v.elem_type, load(uint8_t{}))); break;
        case GgufType::I8: items.push_back(scalar_i(v.elem_type, load(int8_t{}))); break;
        case GgufType::U16: items.push_back(scalar_u(v.elem_type, load(uint16_t{}))); break;
        case GgufType::I16: items.push_back(scalar_i(v.elem_type, load(int16_t{}))); break;
        case GgufType::U32: items.push_back(scalar_u(v.elem_type, load(uint32_t{}))); break;
        case GgufType::I32: items.push_back(scalar_i(v.elem_type, load(int32_t{}))); break;
        case GgufType::U64: items.push_back(scalar_u(v.elem_type, load(uint64_t{}))); break;
        case GgufType::I64: items.push_back(scalar_i(v.elem_type, load(int64_t{}))); break;
        case GgufType::F32: items.push_back(scalar_f(v.elem_type, load(float{}))); break;
        case GgufType::F64: items.push_back(scalar_f(v.elem_type, load(double{}))); break;
        default: break;
      }
    }
  }
  return array(v.elem_type, std::move(items));
}

void GgufWriter::copy_metadata(const GgufFile& f) {
  for (const auto& k : f.keys())
    if (k != "general.alignment") set(k, GgufOwnedValue::copy_of(f.get(k)));
}

namespace {

template <class T>
void put(std::string& out, T v) {
  char b[sizeof(T)];
  std::memcpy(b, &v, sizeof(T));
  out.append(b, sizeof(T));
}

void put_string(std::string& out, const std::string& s) {
  put<uint64_t>(out, s.size());
  out += s;
}

void put_value(std::string& out, const GgufOwnedValue& v, const std::string& key) {
  switch (v.type) {
    case GgufType::U8: put<uint8_t>(out, static_cast<uint8_t>(v.u)); break;
    case GgufType::I8: put<int8_t>(out, static_cast<int8_t>(v.i)); break;
    case GgufType::U16: put<uint16_t>(out, static_cast<uint16_t>(v.u)); break;
    case GgufType::I16: put<int16_t>(out, static_cast<int16_t>(v.i)); break;
    case GgufType::U32: put<uint32_t>(out, static_cast<uint32_t>(v.u)); break;
    case GgufType::I32: put<int32_t>(out, static_cast<int32_t>(v.i)); break;
    case GgufType::U64: put<uint64_t>(out, v.u); break;
    case GgufType::I64: put<int64_t>(out, v.i); break;
    case GgufType::F32: put<float>(out, static_cast<float>(v.f)); break;
    case GgufType::F64: put<double>(out, v.f); break;
    case GgufType::BOOL: put<uint8_t>(out, v.u ? 1 : 0); break;
    case GgufType::STRING: put_string(out, v.s); break;
    case GgufType::ARRAY:
      put<uint32_t>(out, static_cast<uint32_t>(v.elem_type));
      put<uint64_t>(out, v.items.size());
      for (const auto& e : v.items) {
        if (e.type != v.elem_type)
          throw Error(key, std::string("array element of type ") + gguf_type_name(e.type) + " in an array of " +
                               gguf_type_name(v.elem_type));
        put_value(out, e, key);
      }
      break;
  }
}

uint64_t align_up(uint64_t x, uint64_t a) { return (x + a - 1) / a * a; }

}  // namespace

GgufWriter::GgufWriter(uint32_t alignment) : alignment_(alignment) {
  if (alignment == 0 || (alignment & (alignment - 1)) != 0)
    throw Error("gguf writer", "alignment must be a power of two, got " + std::to_string(alignment));
  if (alignment != 32) set_u32("general.alignment", alignment);
}

void GgufWriter::set(const std::string& key, GgufOwnedValue v) {
  for (auto& [k, old] : kv_)
    if (k == key) {
      old = std::move(v);
      return;
    }
  kv_.emplace_back(key, std::move(v));
}

bool GgufWriter::remove(const std::string& key) {
  for (auto it = kv_.begin(); it != kv_.end(); ++it)
    if (it->first == key) {
      kv_.erase(it);
      return true;
    }
  return false;
}

void GgufWriter::set_string_array(const std::string& k, const std::vector<std::string>& v) {
  std::vector<GgufOwnedValue> items;
  items.reserve(v.size());
  for (const auto& s : v) items.push_back(GgufOwnedValue::string(s));
  set(k, GgufOwnedValue::array(GgufType::STRING, std::move(items)));
}

void GgufWriter::set_f32_array(const std::string& k, const std::vector<float>& v) {
  std::vector<GgufOwnedValue> items;
  items.reserve(v.size());
  for (float x : v) items.push_back(GgufOwnedValue::scalar_f(GgufType::F32, x));
  set(k, GgufOwnedValue::array(GgufType::F32, std::move(items)));
}

void GgufWriter::set_i32_array(const std::string& k, const std::vector<int32_t>& v) {
  std::vector<GgufOwnedValue> items;
  items.reserve(v.size());
  for (int32_t x : v) items.push_back(GgufOwnedValue::scalar_i(GgufType::I32, x));
  set(k, GgufOwnedValue::array(GgufType::I32, std::move(items)));
}

void GgufWriter::add_tensor(const std::string& name, int ggml_type, std::vector<int64_t> dims, std::string bytes) {
  auto traits = ggml_type_traits(ggml_type);
  if (!traits) throw Error(name, "unknown ggml type " + std::to_string(ggml_type));
  if (dims.empty() || dims.size() > 4) throw Error(name, "a tensor needs 1 to 4 dimensions");
  int64_t n = 1;
  for (int64_t d : dims) {
    if (d <= 0) throw Error(name, "dimensions must be positive");
    n = checked_mul(n, d, name);
  }
  if (dims[0] % traits->block_size != 0)
    throw Error(name, "row length " + std::to_string(dims[0]) + " is not a multiple of " + ggml_type_name(ggml_type) +
                          "'s block size " + std::to_string(traits->block_size));
  uint64_t expect = static_cast<uint64_t>(n / traits->block_size) * traits->block_bytes;
  if (bytes.size() != expect)
    throw Error(name, "has " + std::to_string(bytes.size()) + " bytes, its type and shape need " + std::to_string(expect));
  for (const auto& t : tensors_)
    if (t.name == name) throw Error(name, "duplicate tensor name");
  tensors_.push_back({name, ggml_type, std::move(dims), std::move(bytes)});
}

bool GgufWriter::remove_tensor(const std::string& name) {
  for (auto it = tensors_.begin(); it != tensors_.end(); ++it)
    if (it->name == name) {
      tensors_.erase(it);
      return true;
    }
  return false;
}

void GgufWriter::add_tensor_f32(const std::string& name, DType dtype, std::vector<int64_t> dims, const std::vector<float>& values) {
  if (!cpu_supports_dtype(dtype)) throw Error(name, std::string("cannot write dtype ") + dtype_name(dtype));
  if (dims.empty()) throw Error(name, "a tensor needs at least one dimension");
  int64_t cols = dims[0], n = 1;
  for (int64_t d : dims) {
    if (d <= 0) throw Error(name, "dimensions must be positive");
    n = checked_mul(n, d, name);
  }
  if (static_cast<int64_t>(values.size()) != n)
    throw Error(name, "has " + std::to_string(values.size()) + " values for " + std::to_string(n) + " elements");
  const auto& info = dtype_info(dtype);
  if (cols % info.block_size != 0)
    throw Error(name, "row length " + std::to_string(cols) + " is not a multiple of " + dtype_name(dtype) +
                          "'s block size " + std::to_string(info.block_size));
  size_t rb = row_bytes(dtype, static_cast<size_t>(cols));
  std::string bytes(rb * static_cast<size_t>(n / cols), '\0');
  for (int64_t r = 0; r < n / cols; ++r) quantize_row_ref(dtype, values.data() + r * cols, bytes.data() + r * rb, cols);
  add_tensor(name, info.ggml_type, std::move(dims), std::move(bytes));
}

std::string GgufWriter::header_bytes() const {
  std::string out;
  put<uint32_t>(out, 0x46554747);  // "GGUF"
  put<uint32_t>(out, 3);
  put<uint64_t>(out, tensors_.size());
  put<uint64_t>(out, kv_.size());
  for (const auto& [k, v] : kv_) {
    put_string(out, k);
    put<uint32_t>(out, static_cast<uint32_t>(v.type));
    put_value(out, v, k);
  }
  uint64_t offset = 0;
  for (const auto& t : tensors_) {
    put_string(out, t.name);
    put<uint32_t>(out, static_cast<uint32_t>(t.dims.size()));
    for (int64_t d : t.dims) put<uint64_t>(out, static_cast<uint64_t>(d));
    put<uint32_t>(out, static_cast<uint32_t>(t.ggml_type));
    put<uint64_t>(out, offset);
    offset = align_up(offset + t.bytes.size(), alignment_);
  }
  out.resize(align_up(out.size(), alignment_), '\0');
  return out;
}

std::string GgufWriter::to_bytes() const {
  std::string out = header_bytes();
  for (const auto& t : tensors_) {
    out += t.bytes;
    out.resize(align_up(out.size(), alignment_), '\0');
  }
  return out;
}

void GgufWriter::write(const std::string& path) const {
  namespace fs = std::filesystem;
  fs::path parent = fs::path(path).parent_path();
  std::error_code ec;
  if (!parent.empty()) fs::create_directories(parent, ec);
  std::string tmp = path + ".tmp." + std::to_string(::getpid());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw Error(path, std::string("cannot create: ") + std::strerror(errno));
  auto write_all = [&](const std::string& s) {
    size_t off = 0;
    while (off < s.size()) {
      ssize_t n = ::write(fd, s.data() + off, s.size() - off);
      if (n < 0) {
        int e = errno;
        ::close(fd);
        ::unlink(tmp.c_str());
        throw Error(path, std::string("write failed: ") + std::strerror(e));
      }
      off += static_cast<size_t>(n);
    }
  };
  write_all(header_bytes());
  for (const auto& t : tensors_) {
    write_all(t.bytes);
    write_all(std::string(align_up(t.bytes.size(), alignment_) - t.bytes.size(), '\0'));
  }
  bool ok = ::fsync(fd) == 0;
  ok = ::close(fd) == 0 && ok;
  if (!ok || std::rename(tmp.c_str(), path.c_str()) != 0) {
    int e = errno;
    ::unlink(tmp.c_str());
    throw Error(path, std::string("cannot write: ") + std::strerror(e));
  }
}

}  // namespace hetspec
