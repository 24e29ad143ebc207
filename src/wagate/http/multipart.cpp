#include "wagate/http/multipart.hpp"

#include <algorithm>
#include <functional>
#include <optional>
#include <utility>

namespace wagate::http {
namespace {

constexpr size_t kMaxBoundaryChars = 70;       // RFC 2046 §5.1.1
constexpr size_t kMaxHeaderBytes = 16 * 1024;  // per part; real clients send a few hundred bytes
constexpr size_t kMaxParts = 1000;             // a form, not a storage format

core::Error Malformed(std::string message) { return core::Error::Invalid("invalid_multipart", std::move(message)); }

char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool IEquals(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return Lower(x) == Lower(y); });
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// A header value with parameters: `form-data; name="file"; filename="a \"b\".pdf"`.
struct HeaderValue {
  std::string_view value;
  std::vector<std::pair<std::string, std::string>> params;  // names lower-cased

  const std::string* Param(std::string_view name) const {
    for (const auto& [n, v] : params) {
      if (n == name) return &v;
    }
    return nullptr;
  }
};

// Quoted strings honour a backslash only before `"` or `\` (what curl and RFC 7230 senders escape); a
// lone backslash stays literal, because browsers send Windows paths unescaped.
std::optional<HeaderValue> ParseHeaderValue(std::string_view text) {
  HeaderValue out;
  size_t semi = text.find(';');
  out.value = Trim(text.substr(0, semi));
  size_t i = semi == std::string_view::npos ? text.size() : semi + 1;
  while (i < text.size()) {
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t' || text[i] == ';')) ++i;
    if (i >= text.size()) break;
    size_t eq = text.find_first_of("=;", i);
    std::string name(Trim(text.substr(i, eq == std::string_view::npos ? std::string_view::npos : eq - i)));
    std::transform(name.begin(), name.end(), name.begin(), Lower);
    if (eq == std::string_view::npos || text[eq] == ';') {  // a parameter without a value: ignored
      i = eq == std::string_view::npos ? text.size() : eq;
      continue;
    }
    i = eq + 1;
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
    std::string value;
    if (i < text.size() && text[i] == '"') {
      bool closed = false;
      for (++i; i < text.size(); ++i) {
        char c = text[i];
        if (c == '\\' && i + 1 < text.size() && (text[i + 1] == '"' || text[i + 1] == '\\')) {
          value.push_back(text[++i]);
        } else if (c == '"') {
          closed = true;
          ++i;
          break;
        } else {
          value.push_back(c);
        }
      }
      if (!closed) return std::nullopt;
    } else {
      size_t end = text.find(';', i);
      value = std::string(Trim(text.substr(i, end == std::string_view::npos ? std::string_view::npos : end - i)));
      i = end == std::string_view::npos ? text.size() : end;
    }
    out.params.emplace_back(std::move(name), std::move(value));
  }
  return out;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = Lower(c);
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// RFC 5987 `filename*=UTF-8''na%C3%AFve.pdf`; nullopt when it is not UTF-8 or badly encoded.
std::optional<std::string> DecodeExtendedValue(std::string_view v) {
  size_t first = v.find('\'');
  size_t second = first == std::string_view::npos ? first : v.find('\'', first + 1);
  if (second == std::string_view::npos || !IEquals(v.substr(0, first), "utf-8")) return std::nullopt;
  std::string out;
  for (size_t i = second + 1; i < v.size(); ++i) {
    if (v[i] != '%') {
      out.push_back(v[i]);
      continue;
    }
    if (i + 2 >= v.size() || HexValue(v[i + 1]) < 0 || HexValue(v[i + 2]) < 0) return std::nullopt;
    out.push_back(static_cast<char>(HexValue(v[i + 1]) * 16 + HexValue(v[i + 2])));
    i += 2;
  }
  return out;
}

core::Result<std::string> BoundaryOf(std::string_view content_type) {
  auto parsed = ParseHeaderValue(content_type);
  if (!parsed) return Malformed("the Content-Type header has an unterminated quoted string");
  if (!IEquals(parsed->value, "multipart/form-data")) {
    return Malformed("the Content-Type must be multipart/form-data (got '" + std::string(parsed->value) + "')");
  }
  const std::string* boundary = parsed->Param("boundary");
  if (!boundary || boundary->empty()) return Malformed("the Content-Type has no boundary parameter");
  if (boundary->size() > kMaxBoundaryChars) return Malformed("the boundary is longer than 70 characters");
  if (boundary->find_first_of("\r\n") != std::string::npos) return Malformed("the boundary contains a line break");
  return *boundary;
}

// Reads the header lines of one part from `pos` (just after the delimiter line) through the empty line.
core::Status ParsePartHeaders(std::string_view body, size_t* pos, size_t index, MultipartPart* part) {
  size_t start = *pos;
  bool has_disposition = false;
  for (;;) {
    size_t eol = body.find("\r\n", *pos);
    if (eol == std::string_view::npos || eol - start > kMaxHeaderBytes) {
      return Malformed("the headers of part " + std::to_string(index) + " do not end with an empty CRLF line");
    }
    std::string_view line = body.substr(*pos, eol - *pos);
    *pos = eol + 2;
    if (line.empty()) break;
    if (line.find('\n') != std::string_view::npos || line.find('\r') != std::string_view::npos) {
      return Malformed("a header line of part " + std::to_string(index) + " does not end with CRLF");
    }
    size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0 || line.front() == ' ' || line.front() == '\t') {
      return Malformed("part " + std::to_string(index) + " has a malformed header line");
    }
    std::string_view name = Trim(line.substr(0, colon));
    std::string_view value = Trim(line.substr(colon + 1));
    if (IEquals(name, "content-type")) {
      part->content_type = std::string(value);
    } else if (IEquals(name, "content-disposition")) {
      auto disposition = ParseHeaderValue(value);
      if (!disposition) return Malformed("part " + std::to_string(index) + " has an unterminated quoted string");
      if (!IEquals(disposition->value, "form-data")) {
        return Malformed("part " + std::to_string(index) + " is not form-data");
      }
      has_disposition = true;
      if (const std::string* n = disposition->Param("name")) part->name = *n;
      if (const std::string* f = disposition->Param("filename")) part->filename = *f;
      if (const std::string* f = disposition->Param("filename*")) {
        if (auto decoded = DecodeExtendedValue(*f)) part->filename = std::move(*decoded);
      }
    }
  }
  if (!has_disposition) return Malformed("part " + std::to_string(index) + " has no Content-Disposition header");
  if (part->name.empty()) return Malformed("part " + std::to_string(index) + " has no name");
  return core::Ok{};
}

// After "--boundary": `--` closes the body; optional blanks then CRLF start a part. Anything else means
// the boundary text was only a prefix of the data.
enum class DelimiterEnd { kNone, kPart, kClose };
DelimiterEnd DelimiterEndAt(std::string_view body, size_t pos) {
  if (body.substr(pos, 2) == "--") return DelimiterEnd::kClose;
  while (pos < body.size() && (body[pos] == ' ' || body[pos] == '\t')) ++pos;
  return body.substr(pos, 2) == "\r\n" ? DelimiterEnd::kPart : DelimiterEnd::kNone;
}

}  // namespace

core::Result<std::vector<MultipartPart>> ParseMultipart(std::string_view content_type, std::string_view body) {
  auto boundary = BoundaryOf(content_type);
  if (!boundary.ok()) return boundary.error();
  const std::string dash_boundary = "--" + *boundary;
  const std::string delimiter = "\r\n" + dash_boundary;  // how every later part is introduced
  std::boyer_moore_horspool_searcher searcher(delimiter.begin(), delimiter.end());
  auto find_delimiter = [&](size_t from) -> size_t {
    auto hit = std::search(body.begin() + static_cast<std::ptrdiff_t>(from), body.end(), searcher);
    return hit == body.end() ? std::string_view::npos : static_cast<size_t>(hit - body.begin());
  };

  // The first delimiter opens the body or follows a preamble line.
  size_t pos = 0;
  if (body.substr(0, dash_boundary.size()) != dash_boundary ||
      DelimiterEndAt(body, dash_boundary.size()) == DelimiterEnd::kNone) {
    size_t hit = find_delimiter(0);
    while (hit != std::string_view::npos && DelimiterEndAt(body, hit + delimiter.size()) == DelimiterEnd::kNone) {
      hit = find_delimiter(hit + 1);
    }
    if (hit == std::string_view::npos) return Malformed("the body contains no boundary '" + *boundary + "'");
    pos = hit + 2;
  }

  std::vector<MultipartPart> parts;
  for (;;) {
    pos += dash_boundary.size();
    if (DelimiterEndAt(body, pos) == DelimiterEnd::kClose) break;  // the epilogue after it is ignored
    pos = body.find("\r\n", pos) + 2;  // DelimiterEndAt found the CRLF after optional blanks
    if (parts.size() == kMaxParts) return Malformed("more than " + std::to_string(kMaxParts) + " parts");
    MultipartPart part;
    if (auto headers = ParsePartHeaders(body, &pos, parts.size(), &part); !headers.ok()) return headers.error();
    size_t hit = find_delimiter(pos);
    while (hit != std::string_view::npos && DelimiterEndAt(body, hit + delimiter.size()) == DelimiterEnd::kNone) {
      hit = find_delimiter(hit + 1);
    }
    if (hit == std::string_view::npos) {
      return Malformed("part " + std::to_string(parts.size()) + " is not closed by a boundary (truncated body?)");
    }
    part.data = body.substr(pos, hit - pos);  // the CRLF before the delimiter belongs to the delimiter
    parts.push_back(std::move(part));
    pos = hit + 2;
  }
  if (parts.empty()) return Malformed("the body has no parts");
  return parts;
}

}  // namespace wagate::http
