// GGUF parsing: header, metadata, tensor directory, data section. A Cursor checks every read
// against the file size; every count is bounded by the bytes left before anything is allocated.
#include "hetspec/model/gguf_file.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstring>
#include <limits>

#include "hetspec/core/error.hpp"
#include "hetspec/core/input_file.hpp"

namespace hetspec {

static_assert(std::endian::native == std::endian::little, "the GGUF reader assumes a little-endian host");

namespace {

constexpr uint32_t kMagic = 0x46554747;  // "GGUF" read as a little-endian u32
constexpr int kMaxDims = 4;              // GGML_MAX_DIMS
constexpr int kMaxArrayDepth = 8;
// Counts are bounded by the bytes left, but a corrupt count should not reserve memory up front.
constexpr uint64_t kMaxReserve = 1 << 16;

std::string num(uint64_t v) { return std::to_string(v); }

class Cursor {
 public:
  Cursor(const uint8_t* base, uint64_t size, const std::string& path) : base_(base), size_(size), path_(path) {}
  uint64_t pos() const { return pos_; }
  uint64_t left() const { return size_ - pos_; }
  std::string ctx = "header";  // what is being read, for messages ("metadata 'general.name'")

  [[noreturn]] void fail(const std::string& what) const { throw Error(path_ + ": " + ctx, what); }

  void need(uint64_t n, const char* what) const {
    if (n > left())
      fail(std::string("truncated file: ") + what + " needs " + num(n) + " bytes at offset " + num(pos_) +
           " but the file ends at " + num(size_));
  }
  template <class T>
  T read(const char* what) {
    need(sizeof(T), what);
    T v;
    std::memcpy(&v, base_ + pos_, sizeof(T));
    pos_ += sizeof(T);
    return v;
  }
  std::string_view str(const char* what) {
    uint64_t n = read<uint64_t>(what);
    if (n > left())
      fail(std::string("truncated file or absurd length: ") + what + " of " + num(n) + " bytes at offset " +
           num(pos_) + " but only " + num(left()) + " bytes are left");
    std::string_view s(reinterpret_cast<const char*>(base_ + pos_), n);
    pos_ += n;
    return s;
  }
  const uint8_t* bytes(uint64_t n, const char* what) {
    need(n, what);
    const uint8_t* p = base_ + pos_;
    pos_ += n;
    return p;
  }
  // A count of elements each at least min_bytes long must fit in the bytes left.
  void check_count(uint64_t count, uint64_t min_bytes, const char* what) const {
    if (count > left() / min_bytes)
      fail(std::string("absurd ") + what + " " + num(count) + ": at least " + num(min_bytes) +
           " bytes each, but only " + num(left()) + " bytes are left in the file");
  }

 private:
  const uint8_t* base_;
  uint64_t size_;
  const std::string& path_;
  uint64_t pos_ = 0;
};

int scalar_size(GgufType t) {
  switch (t) {
    case GgufType::U8: case GgufType::I8: case GgufType::BOOL: return 1;
    case GgufType::U16: case GgufType::I16: return 2;
    case GgufType::U32: case GgufType::I32: case GgufType::F32: return 4;
    case GgufType::U64: case GgufType::I64: case GgufType::F64: return 8;
    default: return 0;  // STRING, ARRAY
  }
}

GgufType read_type(Cursor& c, const char* what) {
  uint32_t t = c.read<uint32_t>(what);
  if (t > static_cast<uint32_t>(GgufType::F64)) c.fail("unknown metadata value type " + num(t));
  return static_cast<GgufType>(t);
}

GgufValue read_value(Cursor& c, GgufType type, int depth);

void read_scalar(Cursor& c, GgufValue& v) {
  switch (v.type) {
    case GgufType::U8: v.u = c.read<uint8_t>("u8 value"); break;
    case GgufType::I8: v.i = c.read<int8_t>("i8 value"); break;
    case GgufType::U16: v.u = c.read<uint16_t>("u16 value"); break;
    case GgufType::I16: v.i = c.read<int16_t>("i16 value"); break;
    case GgufType::U32: v.u = c.read<uint32_t>("u32 value"); break;
    case GgufType::I32: v.i = c.read<int32_t>("i32 value"); break;
    case GgufType::U64: v.u = c.read<uint64_t>("u64 value"); break;
    case GgufType::I64: v.i = c.read<int64_t>("i64 value"); break;
    case GgufType::F32: v.f = c.read<float>("f32 value"); break;
    case GgufType::F64: v.f = c.read<double>("f64 value"); break;
    case GgufType::BOOL: {
      uint8_t b = c.read<uint8_t>("bool value");
      if (b > 1) c.fail("bool value " + num(b) + " is neither 0 nor 1");
      v.u = b;
      break;
    }
    default: break;
  }
}

GgufValue read_value(Cursor& c, GgufType type, int depth) {
  GgufValue v;
  v.type = type;
  if (type == GgufType::STRING) {
    v.s = c.str("string value");
  } else if (type == GgufType::ARRAY) {
    if (depth >= kMaxArrayDepth) c.fail("arrays nested deeper than " + std::to_string(kMaxArrayDepth));
    v.elem_type = read_type(c, "array element type");
    v.count = c.read<uint64_t>("array length");
    if (v.elem_type == GgufType::STRING) {
      c.check_count(v.count, 8, "string array length");
      v.strings.reserve(std::min<uint64_t>(v.count, kMaxReserve));
      for (uint64_t k = 0; k < v.count; ++k) v.strings.push_back(c.str("array string"));
    } else if (v.elem_type == GgufType::ARRAY) {
      c.check_count(v.count, 12, "nested array length");
      v.nested.reserve(std::min<uint64_t>(v.count, kMaxReserve));
      for (uint64_t k = 0; k < v.count; ++k) v.nested.push_back(read_value(c, GgufType::ARRAY, depth + 1));
    } else {
      uint64_t es = scalar_size(v.elem_type);
      c.check_count(v.count, es, "array length");
      v.elems = c.bytes(v.count * es, "array elements");
      if (v.elem_type == GgufType::BOOL)
        for (uint64_t k = 0; k < v.count; ++k)
          if (v.elems[k] > 1) c.fail("bool array element " + num(k) + " is " + num(v.elems[k]));
    }
  } else {
    read_scalar(c, v);
  }
  return v;
}

uint64_t align_up(uint64_t x, uint64_t a) { return (x + a - 1) / a * a; }

}  // namespace

std::optional<GgmlTypeTraits> ggml_type_traits(int t) {
  // Block size and bytes per block by ggml type id (ggml.c type_traits; ids 4, 5 were removed).
  static const GgmlTypeTraits kTraits[] = {
      {1, 4},     {1, 2},     {32, 18},  {32, 20},  {0, 0},    {0, 0},    {32, 22},  {32, 24},
      {32, 34},   {32, 36},   {256, 84}, {256, 110}, {256, 144}, {256, 176}, {256, 210}, {256, 292},
      {256, 66},  {256, 74},  {256, 98}, {256, 50}, {32, 18},  {256, 110}, {256, 82}, {256, 136},
      {1, 1},     {1, 2},     {1, 4},    {1, 8},    {1, 8},    {256, 56}, {1, 2}};
  if (t < 0 || t >= static_cast<int>(sizeof(kTraits) / sizeof(kTraits[0])) || kTraits[t].block_size == 0)
    return std::nullopt;
  return kTraits[t];
}

int64_t GgufTensor::rows() const {
  int64_t r = 1;
  for (size_t k = 1; k < dims.size(); ++k) r *= dims[k];
  return r;
}

GgufFile GgufFile::open(const std::string& path) {
  GgufFile f;
  f.path_ = path;
  check_regular_file(path);  // before open(): a named pipe would block it
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) throw Error(path, std::string("cannot open: ") + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    throw Error(path, "not a regular file");
  }
  f.size_ = static_cast<uint64_t>(st.st_size);
  if (f.size_ < 8) {
    ::close(fd);
    throw Error(path, "not a GGUF file: only " + num(f.size_) + " bytes");
  }
  void* m = ::mmap(nullptr, f.size_, PROT_READ, MAP_PRIVATE, fd, 0);
  int err = errno;
  ::close(fd);
  if (m == MAP_FAILED) throw Error(path, std::string("cannot map: ") + std::strerror(err));
  f.map_ = m;
  f.base_ = static_cast<const uint8_t*>(m);
  f.parse();
  return f;
}

GgufFile GgufFile::from_bytes(std::string bytes, const std::string& name) {
  GgufFile f;
  f.path_ = name;
  f.owned_ = std::make_unique<std::string>(std::move(bytes));
  f.base_ = reinterpret_cast<const uint8_t*>(f.owned_->data());
  f.size_ = f.owned_->size();
  f.parse();
  return f;
}

GgufFile::GgufFile(GgufFile&& o) noexcept { *this = std::move(o); }

GgufFile& GgufFile::operator=(GgufFile&& o) noexcept {
  if (this == &o) return *this;
  if (map_) ::munmap(map_, size_);
  path_ = std::move(o.path_);
  base_ = o.base_;
  size_ = o.size_;
  map_ = o.map_;
  owned_ = std::move(o.owned_);
  version_ = o.version_;
  alignment_ = o.alignment_;
  data_offset_ = o.data_offset_;
  kv_ = std::move(o.kv_);
  key_order_ = std::move(o.key_order_);
  tensors_ = std::move(o.tensors_);
  tensor_index_ = std::move(o.tensor_index_);
  o.map_ = nullptr;
  o.base_ = nullptr;
  o.size_ = 0;
  return *this;
}

void GgufFile::release(const void* p, uint64_t n) const {
  if (!map_ || !p) return;
  const auto base = reinterpret_cast<uintptr_t>(map_), lo = reinterpret_cast<uintptr_t>(p);
  if (lo < base || lo - base > size_ || n > size_ - (lo - base)) return;
  const uintptr_t page = uintptr_t(::sysconf(_SC_PAGESIZE));
  const uintptr_t a = (lo + page - 1) / page * page, b = (lo + n) / page * page;  // whole pages inside
  if (b > a) ::madvise(reinterpret_cast<void*>(a), b - a, MADV_DONTNEED);
}

GgufFile::~GgufFile() {
  if (map_) ::munmap(map_, size_);
}

void GgufFile::parse() {
  Cursor c(base_, size_, path_);
  uint32_t magic = c.read<uint32_t>("magic");
  if (magic != kMagic) {
    std::string m(reinterpret_cast<const char*>(base_), 4);
    for (char& ch : m)
      if (static_cast<unsigned char>(ch) < 32 || static_cast<unsigned char>(ch) > 126) ch = '?';
    c.fail("not a GGUF file (magic '" + m + "', expected 'GGUF')");
  }
  version_ = c.read<uint32_t>("version");
  if (version_ == 1) c.fail("GGUF version 1 is not supported (32-bit counts); re-convert the model with a current llama.cpp");
  if (version_ != 2 && version_ != 3) {
    if (__builtin_bswap32(version_) == 2 || __builtin_bswap32(version_) == 3) c.fail("big-endian GGUF files are not supported");
    c.fail("unsupported GGUF version " + num(version_) + " (2 and 3 are supported)");
  }
  uint64_t n_tensors = c.read<uint64_t>("tensor count");
  uint64_t n_kv = c.read<uint64_t>("metadata count");
  c.check_count(n_kv, 8 + 4 + 1, "metadata count");
  c.check_count(n_tensors, 8 + 4 + 4 + 8, "tensor count");

  for (uint64_t k = 0; k < n_kv; ++k) {
    c.ctx = "metadata[" + num(k) + "]";
    std::string key(c.str("key"));
    if (key.empty()) c.fail("empty metadata key");
    c.ctx = key;
    GgufType t = read_type(c, "value type");
    GgufValue v = read_value(c, t, 0);
    if (!kv_.emplace(key, std::move(v)).second) c.fail("duplicate metadata key");
    key_order_.push_back(key);
  }

  if (has("general.alignment")) {
    uint32_t a = get_u32("general.alignment");
    if (a == 0 || (a & (a - 1)) != 0) throw Error(where("general.alignment"), "must be a power of two, got " + num(a));
    alignment_ = a;
  }

  tensors_.reserve(std::min<uint64_t>(n_tensors, kMaxReserve));
  for (uint64_t k = 0; k < n_tensors; ++k) {
    c.ctx = "tensor[" + num(k) + "]";
    GgufTensor t;
    t.name = std::string(c.str("tensor name"));
    if (t.name.empty()) c.fail("empty tensor name");
    c.ctx = t.name;
    uint32_t n_dims = c.read<uint32_t>("dimension count");
    if (n_dims > kMaxDims) c.fail("has " + num(n_dims) + " dimensions (at most " + std::to_string(kMaxDims) + ")");
    int64_t n = 1;
    for (uint32_t d = 0; d < n_dims; ++d) {
      uint64_t dim = c.read<uint64_t>("dimension");
      if (dim == 0 || dim > uint64_t(std::numeric_limits<int64_t>::max()))
        c.fail("dimension " + std::to_string(d) + " is " + num(dim));
      if (__builtin_mul_overflow(n, static_cast<int64_t>(dim), &n)) c.fail("element count overflows (dims too large)");
      t.dims.push_back(static_cast<int64_t>(dim));
    }
    t.n_elements = n;
    t.ggml_type = static_cast<int>(c.read<uint32_t>("tensor type"));
    auto traits = ggml_type_traits(t.ggml_type);
    if (!traits) c.fail("unknown ggml type " + std::to_string(t.ggml_type));
    t.dtype = dtype_from_ggml(t.ggml_type);
    int64_t row = t.dims.empty() ? 1 : t.dims[0];
    if (row % traits->block_size != 0)
      c.fail("row length " + std::to_string(row) + " is not a multiple of " + ggml_type_name(t.ggml_type) +
             "'s block size " + std::to_string(traits->block_size));
    int64_t blocks = n / traits->block_size, bytes = 0;
    if (__builtin_mul_overflow(blocks, static_cast<int64_t>(traits->block_bytes), &bytes))
      c.fail("byte size overflows (dims too large)");
    t.n_bytes = static_cast<uint64_t>(bytes);
    t.offset = c.read<uint64_t>("tensor data offset");
    if (t.offset % alignment_ != 0)
      c.fail("misaligned data offset " + num(t.offset) + " (alignment " + num(alignment_) + ")");
    if (!tensor_index_.emplace(t.name, tensors_.size()).second) c.fail("duplicate tensor name");
    tensors_.push_back(std::move(t));
  }

  data_offset_ = align_up(c.pos(), alignment_);
  for (auto& t : tensors_) {
    // Checked without overflow: data_offset + offset + n_bytes <= size.
    if (data_offset_ > size_ || t.offset > size_ - data_offset_ || t.n_bytes > size_ - data_offset_ - t.offset)
      throw Error(where(t.name), "tensor data [" + num(data_offset_) + " + " + num(t.offset) + ", +" + num(t.n_bytes) +
                                     " bytes) lies past the end of the file (" + num(size_) + " bytes; truncated?)");
    t.data = base_ + data_offset_ + t.offset;
  }
}

}  // namespace hetspec
