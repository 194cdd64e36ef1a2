#include "server/core/json.h"

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "absl/strings/str_cat.h"
#include "rapidjson/encodedstream.h"
#include "rapidjson/error/en.h"
#include "rapidjson/memorystream.h"
#include "rapidjson/reader.h"

namespace jumio_gateway::core {
namespace {

constexpr unsigned kFlags =
    rapidjson::kParseIterativeFlag | rapidjson::kParseValidateEncodingFlag;

// Forwards SAX events to `Next` while counting nesting; refuses (stops the
// reader) as soon as an array or object would open beyond `max_depth`.
template <typename Next>
class DepthLimiter {
 public:
  DepthLimiter(Next* next, int max_depth) : next_(next), max_(max_depth) {}

  bool too_deep() const { return too_deep_; }
  bool bad_string() const { return bad_string_; }

  bool Null() { return next_->Null(); }
  bool Bool(bool b) { return next_->Bool(b); }
  bool Int(int i) { return next_->Int(i); }
  bool Uint(unsigned u) { return next_->Uint(u); }
  bool Int64(int64_t i) { return next_->Int64(i); }
  bool Uint64(uint64_t u) { return next_->Uint64(u); }
  bool Double(double d) { return next_->Double(d); }
  bool RawNumber(const char* s, rapidjson::SizeType n, bool copy) {
    return next_->RawNumber(s, n, copy);
  }
  // The raw bytes are validated by the reader; a decoded string can still be
  // invalid when it held an escaped lone low surrogate ("\udc00"), which
  // RapidJSON encodes as is.
  bool String(const char* s, rapidjson::SizeType n, bool copy) {
    return CheckString(s, n) && next_->String(s, n, copy);
  }
  bool Key(const char* s, rapidjson::SizeType n, bool copy) {
    return CheckString(s, n) && next_->Key(s, n, copy);
  }
  bool StartObject() { return Open() && next_->StartObject(); }
  bool EndObject(rapidjson::SizeType members) {
    --depth_;
    return next_->EndObject(members);
  }
  bool StartArray() { return Open() && next_->StartArray(); }
  bool EndArray(rapidjson::SizeType elements) {
    --depth_;
    return next_->EndArray(elements);
  }

 private:
  bool Open() {
    if (++depth_ > max_) {
      too_deep_ = true;
      return false;
    }
    return true;
  }

  bool CheckString(const char* s, rapidjson::SizeType n) {
    if (IsValidUtf8(absl::string_view(s, n))) return true;
    bad_string_ = true;
    return false;
  }

  Next* const next_;
  const int max_;
  int depth_ = 0;
  bool too_deep_ = false;
  bool bad_string_ = false;
};

// Runs the reader over `text` into `handler` (already wrapped by `limiter`).
template <typename Handler, unsigned kExtraFlags = 0>
absl::Status Run(absl::string_view text, const JsonLimits& limits,
                 Handler* handler, size_t* stop_offset = nullptr) {
  if (text.size() > limits.max_bytes) {
    return absl::InvalidArgumentError(absl::StrCat("JSON text of ", text.size(),
                                                   " bytes is larger than ",
                                                   limits.max_bytes));
  }
  DepthLimiter<Handler> limiter(handler, limits.max_depth);
  rapidjson::MemoryStream ms(text.data(), text.size());
  rapidjson::EncodedInputStream<rapidjson::UTF8<>, rapidjson::MemoryStream> in(
      ms);
  rapidjson::Reader reader;
  const rapidjson::ParseResult result =
      reader.Parse<kFlags | kExtraFlags>(in, limiter);
  if (stop_offset != nullptr) *stop_offset = result.Offset();
  if (limiter.too_deep()) {
    return absl::InvalidArgumentError(
        absl::StrCat("JSON nesting deeper than ", limits.max_depth, " at byte ",
                     result.Offset()));
  }
  if (limiter.bad_string()) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid JSON: string escapes an unpaired UTF-16 "
                     "surrogate before byte ",
                     result.Offset()));
  }
  if (result.IsError()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "invalid JSON: ", rapidjson::GetParseError_En(result.Code()),
        " at byte ", result.Offset()));
  }
  // The reader treats a NUL byte as the end of the text: anything after one
  // would be silently ignored.
  if (in.Tell() != text.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid JSON: NUL byte at byte ", in.Tell()));
  }
  return absl::OkStatus();
}

// A SAX handler that accepts everything and builds nothing.
struct NullHandler
    : rapidjson::BaseReaderHandler<rapidjson::UTF8<>, NullHandler> {
  bool Default() { return true; }
};

// A decimal number as sign, significant digits and decimal exponent, so that
// "1.50", "15e-1" and "0.15E1" compare equal. Input is a JSON number.
std::string NormalizeNumber(absl::string_view text) {
  bool negative = false;
  size_t i = 0;
  if (i < text.size() && text[i] == '-') {
    negative = true;
    ++i;
  }
  std::string digits;
  int64_t point = 0;  // digits before the decimal point
  bool fraction = false;
  for (; i < text.size(); ++i) {
    const char c = text[i];
    if (c >= '0' && c <= '9') {
      digits.push_back(c);
      if (!fraction) ++point;
    } else if (c == '.') {
      fraction = true;
    } else {
      break;
    }
  }
  int64_t exponent = 0;
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    bool exp_negative = false;
    if (i < text.size() && (text[i] == '+' || text[i] == '-')) {
      exp_negative = text[i] == '-';
      ++i;
    }
    for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i) {
      // Exponents this large are infinities or zeros anyway.
      if (exponent < 100000) exponent = exponent * 10 + (text[i] - '0');
    }
    if (exp_negative) exponent = -exponent;
  }
  size_t lead = 0;
  while (lead < digits.size() && digits[lead] == '0') ++lead;
  if (lead == digits.size()) return "0";
  point -= static_cast<int64_t>(lead);
  digits.erase(0, lead);
  while (!digits.empty() && digits.back() == '0') digits.pop_back();
  return absl::StrCat(negative ? "-" : "", digits, "e", point + exponent);
}

bool FitsDouble(absl::string_view text) {
  const std::string copy(text);
  const double value = std::strtod(copy.c_str(), nullptr);
  if (!std::isfinite(value)) return false;
  // The shortest %g form that reads back as the same double.
  char buffer[40];
  for (int precision = 1; precision <= 17; ++precision) {
    std::snprintf(buffer, sizeof(buffer), "%.*g", precision, value);
    if (std::strtod(buffer, nullptr) == value) break;
  }
  return NormalizeNumber(buffer) == NormalizeNumber(text);
}

// Sees numbers as text (kParseNumbersAsStringsFlag) and stops at the first
// one a double cannot hold exactly.
struct ExactNumbers
    : rapidjson::BaseReaderHandler<rapidjson::UTF8<>, ExactNumbers> {
  bool Default() { return true; }
  bool RawNumber(const char* s, rapidjson::SizeType n, bool) {
    inexact = !FitsDouble(absl::string_view(s, n));
    return !inexact;
  }
  bool inexact = false;
};

}  // namespace

bool IsValidUtf8(absl::string_view text) {
  size_t i = 0;
  const size_t n = text.size();
  while (i < n) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    int extra;
    uint32_t code;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      extra = 1;
      code = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      extra = 2;
      code = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      extra = 3;
      code = c & 0x07;
    } else {
      return false;
    }
    if (i + static_cast<size_t>(extra) >= n) return false;
    for (int k = 1; k <= extra; ++k) {
      const unsigned char cc = static_cast<unsigned char>(text[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      code = (code << 6) | (cc & 0x3F);
    }
    // Reject overlong forms, surrogates and code points beyond U+10FFFF.
    if ((extra == 1 && code < 0x80) || (extra == 2 && code < 0x800) ||
        (extra == 3 && code < 0x10000) || code > 0x10FFFF ||
        (code >= 0xD800 && code <= 0xDFFF)) {
      return false;
    }
    i += extra + 1;
  }
  return true;
}

absl::Status CheckJsonNumbersExact(absl::string_view text, JsonLimits limits) {
  ExactNumbers handler;
  size_t offset = 0;
  absl::Status status =
      Run<ExactNumbers, rapidjson::kParseNumbersAsStringsFlag>(
          text, limits, &handler, &offset);
  if (handler.inexact) {
    return absl::InvalidArgumentError(
        absl::StrCat("JSON number before byte ", offset,
                     " cannot be held exactly by a double"));
  }
  return status;
}

absl::Status ParseJson(absl::string_view text, rapidjson::Document* doc,
                       JsonLimits limits) {
  absl::Status status;
  // Populate builds the document from the events the generator sends to it
  // and leaves it untouched when the generator fails.
  auto generate = [&](rapidjson::Document& handler) {
    status = Run(text, limits, &handler);
    return status.ok();
  };
  doc->SetNull();
  doc->Populate(generate);
  if (!status.ok()) doc->SetNull();
  return status;
}

absl::Status ValidateJson(absl::string_view text, JsonLimits limits) {
  NullHandler handler;
  return Run(text, limits, &handler);
}

}  // namespace jumio_gateway::core
