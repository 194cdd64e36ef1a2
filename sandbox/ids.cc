#include "sandbox/ids.h"

#include "absl/strings/str_format.h"

namespace jumio::sandbox {

uint64_t IdSource::Next() {
  absl::MutexLock lock(&mu_);
  return engine_();
}

std::string IdSource::Uuid() {
  const uint64_t a = Next();
  const uint64_t b = Next();
  return absl::StrFormat("%08x-%04x-4%03x-%04x-%012x", a >> 32,
                         (a >> 16) & 0xffff, a & 0xfff,
                         ((b >> 48) & 0x3fff) | 0x8000, b & 0xffffffffffffULL);
}

std::string IdSource::Token(int bytes) {
  std::string out;
  while (static_cast<int>(out.size()) < bytes * 2)
    out += absl::StrFormat("%016x", Next());
  out.resize(bytes * 2);
  return out;
}

double IdSource::Uniform() {
  return static_cast<double>(Next() >> 11) * 0x1.0p-53;
}

}  // namespace jumio::sandbox
