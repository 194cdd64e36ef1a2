#include "server/core/json.h"

#include <cstdint>

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
  bool String(const char* s, rapidjson::SizeType n, bool copy) {
    return next_->String(s, n, copy);
  }
  bool Key(const char* s, rapidjson::SizeType n, bool copy) {
    return next_->Key(s, n, copy);
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

  Next* const next_;
  const int max_;
  int depth_ = 0;
  bool too_deep_ = false;
};

// Runs the reader over `text` into `handler` (already wrapped by `limiter`).
template <typename Handler>
absl::Status Run(absl::string_view text, const JsonLimits& limits,
                 Handler* handler) {
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
  const rapidjson::ParseResult result = reader.Parse<kFlags>(in, limiter);
  if (limiter.too_deep()) {
    return absl::InvalidArgumentError(
        absl::StrCat("JSON nesting deeper than ", limits.max_depth, " at byte ",
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

}  // namespace

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
