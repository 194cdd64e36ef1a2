#include "sandbox/multipart_parse.h"

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace jumio::sandbox {
namespace {

constexpr size_t kMaxBoundaryChars = 70;  // RFC 2046 section 5.1.1

// RFC 9110 tchar.
bool IsTokenChar(char c) {
  if (absl::ascii_isalnum(static_cast<unsigned char>(c))) return true;
  switch (c) {
    case '!':
    case '#':
    case '$':
    case '%':
    case '&':
    case '\'':
    case '*':
    case '+':
    case '-':
    case '.':
    case '^':
    case '_':
    case '`':
    case '|':
    case '~':
      return true;
    default:
      return false;
  }
}

// RFC 2046 bcharsnospace.
bool IsBoundaryCharNoSpace(char c) {
  if (absl::ascii_isalnum(static_cast<unsigned char>(c))) return true;
  switch (c) {
    case '\'':
    case '(':
    case ')':
    case '+':
    case '_':
    case ',':
    case '-':
    case '.':
    case '/':
    case ':':
    case '=':
    case '?':
      return true;
    default:
      return false;
  }
}

bool IsWhitespace(char c) { return c == ' ' || c == '\t'; }

// A header field value character: VCHAR, SP, HTAB or obs-text.
bool IsFieldValueChar(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u == '\t' || (u >= 0x20 && u != 0x7f);
}

void SkipWhitespace(absl::string_view* s) {
  size_t i = 0;
  while (i < s->size() && IsWhitespace((*s)[i])) ++i;
  s->remove_prefix(i);
}

// Consumes a token from the front of `s`; "" when none is there.
absl::string_view ConsumeToken(absl::string_view* s) {
  size_t i = 0;
  while (i < s->size() && IsTokenChar((*s)[i])) ++i;
  absl::string_view token = s->substr(0, i);
  s->remove_prefix(i);
  return token;
}

// Consumes a quoted-string (RFC 9110 section 5.6.4) from the front of `s`,
// which starts with '"', and stores its unescaped content.
bool ConsumeQuotedString(absl::string_view* s, std::string* out) {
  out->clear();
  for (size_t i = 1; i < s->size(); ++i) {
    const char c = (*s)[i];
    if (c == '"') {
      s->remove_prefix(i + 1);
      return true;
    }
    if (c == '\\') {
      if (i + 1 == s->size() || !IsFieldValueChar((*s)[i + 1])) return false;
      out->push_back((*s)[++i]);
      continue;
    }
    if (!IsFieldValueChar(c)) return false;
    out->push_back(c);
  }
  return false;  // no closing quote
}

struct Parameter {
  std::string name;  // lower case
  std::string value;
};

// Parses `*( OWS ";" OWS parameter )` up to the end of `s`. An empty element
// between semicolons is allowed (RFC 9110 section 5.6.6); a parameter named
// twice is not.
absl::Status ParseParameters(absl::string_view s, absl::string_view what,
                             std::vector<Parameter>* out) {
  while (true) {
    SkipWhitespace(&s);
    if (s.empty()) return absl::OkStatus();
    if (s.front() != ';') {
      return absl::InvalidArgumentError(
          absl::StrCat(what, ": expected ';' before a parameter"));
    }
    s.remove_prefix(1);
    SkipWhitespace(&s);
    if (s.empty() || s.front() == ';') continue;
    Parameter p;
    const absl::string_view name = ConsumeToken(&s);
    if (name.empty() || s.empty() || s.front() != '=') {
      return absl::InvalidArgumentError(
          absl::StrCat(what, ": a parameter must be name=value"));
    }
    s.remove_prefix(1);
    p.name = absl::AsciiStrToLower(name);
    if (!s.empty() && s.front() == '"') {
      if (!ConsumeQuotedString(&s, &p.value)) {
        return absl::InvalidArgumentError(
            absl::StrCat(what, ": malformed quoted parameter value"));
      }
    } else {
      const absl::string_view value = ConsumeToken(&s);
      if (value.empty()) {
        return absl::InvalidArgumentError(
            absl::StrCat(what, ": empty parameter value"));
      }
      p.value = std::string(value);
    }
    for (const Parameter& seen : *out) {
      if (seen.name == p.name) {
        return absl::InvalidArgumentError(
            absl::StrCat(what, ": parameter ", p.name, " appears twice"));
      }
    }
    out->push_back(std::move(p));
  }
}

const Parameter* FindParameter(const std::vector<Parameter>& params,
                               absl::string_view name) {
  for (const Parameter& p : params) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

// Splits a media type into "type/subtype" (lower case) and the rest.
bool SplitMediaType(absl::string_view value, std::string* type,
                    absl::string_view* rest) {
  SkipWhitespace(&value);
  const absl::string_view major = ConsumeToken(&value);
  if (major.empty() || value.empty() || value.front() != '/') return false;
  value.remove_prefix(1);
  const absl::string_view minor = ConsumeToken(&value);
  if (minor.empty()) return false;
  *type = absl::AsciiStrToLower(absl::StrCat(major, "/", minor));
  *rest = value;
  return true;
}

absl::Status ValidateBoundary(absl::string_view b) {
  if (b.empty() || b.size() > kMaxBoundaryChars) {
    return absl::InvalidArgumentError(
        absl::StrCat("multipart boundary must have 1 to ", kMaxBoundaryChars,
                     " characters"));
  }
  for (char c : b) {
    if (c != ' ' && !IsBoundaryCharNoSpace(c)) {
      return absl::InvalidArgumentError(
          "multipart boundary has a character RFC 2046 does not allow");
    }
  }
  if (b.back() == ' ') {
    return absl::InvalidArgumentError(
        "multipart boundary must not end with a space");
  }
  return absl::OkStatus();
}

// Reads one part's header block starting at `*pos` (just after the CRLF of its
// delimiter line) and leaves `*pos` at the first content byte.
absl::Status ParsePartHeaders(absl::string_view body, size_t* pos,
                              const MultipartLimits& limits,
                              MultipartPart* part) {
  const size_t start = *pos;
  while (true) {
    const size_t used = *pos - start;
    if (used >= limits.max_header_bytes) {
      return absl::InvalidArgumentError(absl::StrCat(
          "multipart part headers exceed ", limits.max_header_bytes, " bytes"));
    }
    // Look for the line end only within what the cap still allows.
    const absl::string_view window =
        body.substr(*pos, limits.max_header_bytes - used);
    const size_t eol = window.find("\r\n");
    if (eol == absl::string_view::npos) {
      return absl::InvalidArgumentError(
          window.size() < limits.max_header_bytes - used
              ? "multipart body ends inside a part's headers"
              : absl::StrCat("multipart part headers exceed ",
                             limits.max_header_bytes, " bytes"));
    }
    *pos += eol + 2;
    if (eol == 0) return absl::OkStatus();  // the empty line
    absl::string_view line = window.substr(0, eol);
    if (IsWhitespace(line.front())) {
      return absl::InvalidArgumentError(
          "multipart part header is folded or starts with whitespace");
    }
    for (char c : line) {
      if (!IsFieldValueChar(c)) {
        return absl::InvalidArgumentError(
            "multipart part header has a control character");
      }
    }
    const absl::string_view name = ConsumeToken(&line);
    if (name.empty() || line.empty() || line.front() != ':') {
      return absl::InvalidArgumentError(
          "multipart part header line is not name: value");
    }
    line.remove_prefix(1);
    part->headers.emplace_back(std::string(name),
                               std::string(absl::StripAsciiWhitespace(line)));
  }
}

// Checks the headers of a form-data part and fills name, filename and
// content_type from them.
absl::Status InterpretPartHeaders(MultipartPart* part) {
  const std::string* disposition = nullptr;
  const std::string* content_type = nullptr;
  for (const auto& [name, value] : part->headers) {
    if (absl::EqualsIgnoreCase(name, "Content-Disposition")) {
      if (disposition != nullptr) {
        return absl::InvalidArgumentError(
            "multipart part has two Content-Disposition headers");
      }
      disposition = &value;
    } else if (absl::EqualsIgnoreCase(name, "Content-Type")) {
      if (content_type != nullptr) {
        return absl::InvalidArgumentError(
            "multipart part has two Content-Type headers");
      }
      content_type = &value;
    } else if (absl::EqualsIgnoreCase(name, "Content-Transfer-Encoding")) {
      // RFC 7578 section 4.7: deprecated; only identity encodings keep the
      // bytes as they are.
      if (!absl::EqualsIgnoreCase(value, "binary") &&
          !absl::EqualsIgnoreCase(value, "8bit") &&
          !absl::EqualsIgnoreCase(value, "7bit")) {
        return absl::InvalidArgumentError(
            "multipart part uses an unsupported Content-Transfer-Encoding");
      }
    }
  }
  if (disposition == nullptr) {
    return absl::InvalidArgumentError(
        "multipart part has no Content-Disposition header");
  }
  absl::string_view rest = *disposition;
  const absl::string_view type = ConsumeToken(&rest);
  if (!absl::EqualsIgnoreCase(type, "form-data")) {
    return absl::InvalidArgumentError(
        "multipart part's Content-Disposition is not form-data");
  }
  std::vector<Parameter> params;
  absl::Status s = ParseParameters(rest, "Content-Disposition", &params);
  if (!s.ok()) return s;
  const Parameter* name = FindParameter(params, "name");
  if (name == nullptr || name->value.empty()) {
    return absl::InvalidArgumentError(
        "multipart part's Content-Disposition has no name");
  }
  part->name = name->value;
  if (const Parameter* f = FindParameter(params, "filename"); f != nullptr) {
    part->filename = f->value;
  }
  if (content_type != nullptr) part->content_type = *content_type;
  return absl::OkStatus();
}

}  // namespace

bool IsMultipartFormData(absl::string_view content_type) {
  std::string type;
  absl::string_view rest;
  return SplitMediaType(content_type, &type, &rest) &&
         type == "multipart/form-data";
}

absl::StatusOr<std::string> MultipartBoundary(absl::string_view content_type) {
  std::string type;
  absl::string_view rest;
  if (!SplitMediaType(content_type, &type, &rest) ||
      type != "multipart/form-data") {
    return absl::InvalidArgumentError(
        "Content-Type is not multipart/form-data");
  }
  std::vector<Parameter> params;
  absl::Status s = ParseParameters(rest, "Content-Type", &params);
  if (!s.ok()) return s;
  const Parameter* boundary = FindParameter(params, "boundary");
  if (boundary == nullptr) {
    return absl::InvalidArgumentError(
        "multipart/form-data Content-Type has no boundary");
  }
  s = ValidateBoundary(boundary->value);
  if (!s.ok()) return s;
  return boundary->value;
}

absl::StatusOr<std::vector<MultipartPart>> ParseMultipart(
    absl::string_view content_type, absl::string_view body,
    const MultipartLimits& limits) {
  absl::StatusOr<std::string> boundary = MultipartBoundary(content_type);
  if (!boundary.ok()) return boundary.status();
  const std::string delimiter = absl::StrCat("\r\n--", *boundary);
  const absl::string_view dash_boundary =
      absl::string_view(delimiter).substr(2);

  // The first delimiter opens the body or follows a preamble and its CRLF.
  size_t pos;
  if (absl::StartsWith(body, dash_boundary)) {
    pos = dash_boundary.size();
  } else {
    const size_t first = body.find(delimiter);
    if (first == absl::string_view::npos) {
      return absl::InvalidArgumentError(
          "multipart body has no boundary delimiter");
    }
    pos = first + delimiter.size();
  }

  std::vector<MultipartPart> parts;
  while (true) {
    // `pos` is just after "--boundary" of a delimiter line.
    const bool close = body.substr(pos, 2) == "--";
    if (close) pos += 2;
    while (pos < body.size() && IsWhitespace(body[pos])) ++pos;
    if (close) {
      if (parts.empty()) {
        return absl::InvalidArgumentError("multipart body has no parts");
      }
      // Anything after the close delimiter's line is the epilogue.
      if (pos == body.size() || body.substr(pos, 2) == "\r\n") return parts;
      return absl::InvalidArgumentError(
          "multipart close delimiter is followed by other characters");
    }
    if (body.substr(pos, 2) != "\r\n") {
      return absl::InvalidArgumentError(
          pos == body.size()
              ? "multipart body ends without its close delimiter"
              : "multipart delimiter line has characters after the boundary");
    }
    pos += 2;
    if (parts.size() == limits.max_parts) {
      return absl::InvalidArgumentError(absl::StrCat(
          "multipart body has more than ", limits.max_parts, " parts"));
    }
    MultipartPart part;
    absl::Status s = ParsePartHeaders(body, &pos, limits, &part);
    if (!s.ok()) return s;
    s = InterpretPartHeaders(&part);
    if (!s.ok()) return s;
    const size_t next = body.find(delimiter, pos);
    if (next == absl::string_view::npos) {
      return absl::InvalidArgumentError(
          "multipart body ends inside a part (no closing boundary)");
    }
    part.data = body.substr(pos, next - pos);
    parts.push_back(std::move(part));
    pos = next + delimiter.size();
  }
}

const MultipartPart* FindPart(const std::vector<MultipartPart>& parts,
                              absl::string_view name) {
  for (const MultipartPart& p : parts) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

}  // namespace jumio::sandbox
