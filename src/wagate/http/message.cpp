#include "wagate/http/message.hpp"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <utility>

namespace wagate::http {

struct Responder::State {
  Fn fn;
  StreamFn stream_fn;
  std::atomic<bool> done{false};
};

namespace {

// Gathers a streamed body and answers it whole: for responders without a socket behind them.
class GatheringWriter final : public BodyWriter {
 public:
  GatheringWriter(Response head, Responder::Fn fn) : response_(std::move(head)), fn_(std::move(fn)) {}
  bool Write(std::string_view chunk) override {
    response_.body.append(chunk);
    return true;
  }
  void Finish() override {
    if (fn_) std::exchange(fn_, nullptr)(std::move(response_));
  }

 private:
  Response response_;
  Responder::Fn fn_;
};

// Yields a body held whole, a piece at a time, as a streamed body would arrive.
class WholeBodyReader final : public BodyReader {
 public:
  explicit WholeBodyReader(std::string body) : body_(std::move(body)) {}
  core::Result<bool> Read(std::string* piece) override {
    if (at_ == body_.size()) return false;
    size_t n = std::min(kBodyPieceBytes, body_.size() - at_);
    piece->assign(body_, at_, n);
    at_ += n;
    return true;
  }

 private:
  std::string body_;
  size_t at_ = 0;
};

}  // namespace

std::shared_ptr<BodyReader> StringBodyReader(std::string body) {
  return std::make_shared<WholeBodyReader>(std::move(body));
}

Responder::Responder(Fn fn, StreamFn stream_fn) : state_(std::make_shared<State>()) {
  state_->fn = std::move(fn);
  state_->stream_fn = std::move(stream_fn);
}

void Responder::operator()(Response response) const {
  if (state_->done.exchange(true)) return;
  Fn fn = std::move(state_->fn);
  fn(std::move(response));
}

std::shared_ptr<BodyWriter> Responder::Stream(Response head) const {
  if (state_->done.exchange(true)) return nullptr;
  if (state_->stream_fn) return state_->stream_fn(std::move(head));
  head.body.clear();
  return std::make_shared<GatheringWriter>(std::move(head), std::move(state_->fn));
}

std::string_view Request::Header(std::string_view lower_name) const {
  for (const auto& [name, value] : headers) {
    if (name == lower_name) return value;
  }
  return {};
}

std::string UrlDecode(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '+') {
      out.push_back(' ');
    } else if (c == '%' && i + 2 < in.size() && std::isxdigit(static_cast<unsigned char>(in[i + 1])) &&
               std::isxdigit(static_cast<unsigned char>(in[i + 2]))) {
      out.push_back(static_cast<char>(std::stoi(std::string(in.substr(i + 1, 2)), nullptr, 16)));
      i += 2;
    } else {
      out.push_back(c);
    }
  }
  return out;
}

namespace {

// Calls `visit(raw_key, raw_value)` for each pair until it returns true; `raw_value` is empty for "key".
template <typename Visit>
void ForEachUrlEncodedPair(std::string_view text, Visit visit) {
  while (!text.empty()) {
    size_t amp = text.find('&');
    std::string_view pair = text.substr(0, amp);
    size_t eq = pair.find('=');
    std::string_view value = eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
    if (!pair.empty() && visit(pair.substr(0, eq), value)) return;
    if (amp == std::string_view::npos) break;
    text.remove_prefix(amp + 1);
  }
}

}  // namespace

std::vector<std::pair<std::string, std::string>> ParseUrlEncoded(std::string_view text) {
  std::vector<std::pair<std::string, std::string>> pairs;
  ForEachUrlEncodedPair(text, [&pairs](std::string_view key, std::string_view value) {
    pairs.emplace_back(UrlDecode(key), UrlDecode(value));
    return false;
  });
  return pairs;
}

std::optional<std::string> Request::Query(std::string_view name) const {
  std::optional<std::string> found;
  ForEachUrlEncodedPair(query, [&](std::string_view key, std::string_view value) {
    if (UrlDecode(key) != name) return false;
    found = UrlDecode(value);
    return true;
  });
  return found;
}

}  // namespace wagate::http
