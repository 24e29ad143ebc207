#include "wagate/broker/amqp_link.hpp"

#include <amqp.h>
#include <amqp_ssl_socket.h>
#include <amqp_tcp_socket.h>
#include <sys/time.h>

#include <filesystem>
#include <map>

namespace wagate::broker {
namespace {

core::Error LinkError(std::string message) {
  return core::Error{core::ErrorKind::kUnavailable, "broker_unavailable", std::move(message)};
}

std::string Text(amqp_bytes_t b) { return b.len ? std::string(static_cast<const char*>(b.bytes), b.len) : ""; }

amqp_bytes_t Bytes(const std::string& s) { return amqp_bytes_t{s.size(), const_cast<char*>(s.data())}; }

timeval ToTimeval(std::chrono::milliseconds ms) {
  return timeval{static_cast<time_t>(ms.count() / 1000), static_cast<suseconds_t>((ms.count() % 1000) * 1000)};
}

// Why an RPC failed, in the broker's own words when it closed the channel or connection.
std::string Describe(const amqp_rpc_reply_t& r) {
  switch (r.reply_type) {
    case AMQP_RESPONSE_NORMAL:
      return "ok";
    case AMQP_RESPONSE_NONE:
      return "no reply from the broker";
    case AMQP_RESPONSE_LIBRARY_EXCEPTION:
      return amqp_error_string2(r.library_error);
    case AMQP_RESPONSE_SERVER_EXCEPTION:
      if (r.reply.id == AMQP_CONNECTION_CLOSE_METHOD) {
        auto* m = static_cast<amqp_connection_close_t*>(r.reply.decoded);
        return "the broker closed the connection: " + std::to_string(m->reply_code) + " " + Text(m->reply_text);
      }
      if (r.reply.id == AMQP_CHANNEL_CLOSE_METHOD) {
        auto* m = static_cast<amqp_channel_close_t*>(r.reply.decoded);
        return "the broker closed the channel: " + std::to_string(m->reply_code) + " " + Text(m->reply_text);
      }
      return "the broker answered with an unexpected method";
  }
  return "unknown error";
}

std::vector<Header> ReadHeaders(const amqp_table_t& table) {
  std::vector<Header> out;
  for (int i = 0; i < table.num_entries; ++i) {
    const amqp_table_entry_t& e = table.entries[i];
    const amqp_field_value_t& v = e.value;
    std::optional<HeaderValue> value;
    switch (v.kind) {
      case AMQP_FIELD_KIND_UTF8:
      case AMQP_FIELD_KIND_BYTES:
        value = Text(v.value.bytes);
        break;
      case AMQP_FIELD_KIND_BOOLEAN:
        value = v.value.boolean != 0;
        break;
      case AMQP_FIELD_KIND_I8:
        value = int64_t{v.value.i8};
        break;
      case AMQP_FIELD_KIND_U8:
        value = int64_t{v.value.u8};
        break;
      case AMQP_FIELD_KIND_I16:
        value = int64_t{v.value.i16};
        break;
      case AMQP_FIELD_KIND_U16:
        value = int64_t{v.value.u16};
        break;
      case AMQP_FIELD_KIND_I32:
        value = int64_t{v.value.i32};
        break;
      case AMQP_FIELD_KIND_U32:
        value = int64_t{v.value.u32};
        break;
      case AMQP_FIELD_KIND_I64:
        value = v.value.i64;
        break;
      case AMQP_FIELD_KIND_U64:
      case AMQP_FIELD_KIND_TIMESTAMP:
        value = static_cast<int64_t>(v.value.u64);
        break;
      case AMQP_FIELD_KIND_F32:
        value = double{v.value.f32};
        break;
      case AMQP_FIELD_KIND_F64:
        value = v.value.f64;
        break;
      default:
        break;  // tables, arrays, decimals, void: not kept
    }
    if (value) out.push_back({Text(e.key), std::move(*value)});
  }
  return out;
}

// Entries pointing into `headers` (which must outlive the publish).
std::vector<amqp_table_entry_t> WriteHeaders(const std::vector<Header>& headers) {
  std::vector<amqp_table_entry_t> out;
  out.reserve(headers.size());
  for (const Header& h : headers) {
    amqp_table_entry_t e{};
    e.key = Bytes(h.name);
    if (const auto* s = std::get_if<std::string>(&h.value)) {
      e.value.kind = AMQP_FIELD_KIND_UTF8;
      e.value.value.bytes = Bytes(*s);
    } else if (const auto* i = std::get_if<int64_t>(&h.value)) {
      e.value.kind = AMQP_FIELD_KIND_I64;
      e.value.value.i64 = *i;
    } else if (const auto* b = std::get_if<bool>(&h.value)) {
      e.value.kind = AMQP_FIELD_KIND_BOOLEAN;
      e.value.value.boolean = *b ? 1 : 0;
    } else {
      e.value.kind = AMQP_FIELD_KIND_F64;
      e.value.value.f64 = std::get<double>(h.value);
    }
    out.push_back(e);
  }
  return out;
}

}  // namespace

std::string DescribeUrl(const std::string& url) {
  std::string copy = url;
  amqp_connection_info info{};
  amqp_default_connection_info(&info);
  if (amqp_parse_url(copy.data(), &info) != AMQP_STATUS_OK) return "(an invalid AMQP URL)";
  return std::string(info.ssl ? "amqps://" : "amqp://") + info.host + ":" + std::to_string(info.port) + "/" +
         info.vhost;
}

struct AmqpLink::State {
  amqp_connection_state_t conn = nullptr;
  bool healthy = false;                    // false after a socket or protocol error: no polite close
  std::map<uint16_t, uint64_t> published;  // per confirm channel: the last publish's sequence number
};

AmqpLink::AmqpLink() : state_(std::make_unique<State>()) {}

AmqpLink::~AmqpLink() { Close(); }

bool AmqpLink::connected() const { return state_->conn != nullptr && state_->healthy; }

core::Status AmqpLink::Connect(const LinkSettings& settings) {
  Close();
  std::string copy = settings.url;  // amqp_parse_url writes into it; `info` points into it
  amqp_connection_info info{};
  amqp_default_connection_info(&info);
  if (amqp_parse_url(copy.data(), &info) != AMQP_STATUS_OK) {
    return core::Error::Invalid("invalid_config", "broker.url is not an AMQP URL (amqp://user:pass@host:port/vhost)");
  }
  State& s = *state_;
  s.conn = amqp_new_connection();
  s.published.clear();
  amqp_socket_t* socket = info.ssl ? amqp_ssl_socket_new(s.conn) : amqp_tcp_socket_new(s.conn);
  if (!socket) {
    Close();
    return LinkError("cannot create a socket for the broker");
  }
  if (info.ssl) {
    amqp_ssl_socket_set_verify_peer(socket, 1);
    amqp_ssl_socket_set_verify_hostname(socket, 1);
    const char* bundle = "/etc/ssl/certs/ca-certificates.crt";
    if (std::filesystem::exists(bundle)) amqp_ssl_socket_set_cacert(socket, bundle);
  }
  timeval connect_timeout = ToTimeval(settings.connect_timeout);
  if (int rc = amqp_socket_open_noblock(socket, info.host, info.port, &connect_timeout); rc != AMQP_STATUS_OK) {
    Close();
    return LinkError(std::string("cannot connect to ") + DescribeUrl(settings.url) + ": " + amqp_error_string2(rc));
  }
  // Every RPC (login, declare, consume) waits at most this long: a silent broker never hangs us.
  timeval rpc_timeout = ToTimeval(settings.connect_timeout * 2);
  amqp_set_handshake_timeout(s.conn, &rpc_timeout);
  amqp_set_rpc_timeout(s.conn, &rpc_timeout);
  amqp_rpc_reply_t r =
      amqp_login(s.conn, info.vhost, 0, 131072, settings.heartbeat_s, AMQP_SASL_METHOD_PLAIN, info.user, info.password);
  if (r.reply_type != AMQP_RESPONSE_NORMAL) {
    std::string why = Describe(r);
    Close();
    return LinkError("cannot log in to " + DescribeUrl(settings.url) + ": " + why);
  }
  s.healthy = true;
  return core::Ok{};
}

void AmqpLink::Close() {
  State& s = *state_;
  if (!s.conn) return;
  if (s.healthy) amqp_connection_close(s.conn, AMQP_REPLY_SUCCESS);
  amqp_destroy_connection(s.conn);
  s.conn = nullptr;
  s.healthy = false;
}

namespace {

core::Status Checked(amqp_connection_state_t conn, bool* healthy, const std::string& what) {
  amqp_rpc_reply_t r = amqp_get_rpc_reply(conn);
  if (r.reply_type == AMQP_RESPONSE_NORMAL) return core::Ok{};
  *healthy = false;  // a channel error closes the channel; we start over with a fresh connection
  return LinkError(what + ": " + Describe(r));
}

}  // namespace

core::Status AmqpLink::OpenChannel(uint16_t channel) {
  amqp_channel_open(state_->conn, channel);
  return Checked(state_->conn, &state_->healthy, "cannot open channel " + std::to_string(channel));
}

core::Status AmqpLink::DeclareExchange(uint16_t channel, const std::string& name, const std::string& type) {
  amqp_exchange_declare(state_->conn, channel, Bytes(name), Bytes(type), 0, 1, 0, 0, amqp_empty_table);
  return Checked(state_->conn, &state_->healthy, "cannot declare exchange '" + name + "'");
}

core::Status AmqpLink::DeclareQueue(uint16_t channel, const std::string& name,
                                    const std::string& dead_letter_exchange) {
  static const std::string kDeadLetterArgument = "x-dead-letter-exchange";
  amqp_table_entry_t entry{};
  amqp_table_t args = amqp_empty_table;
  if (!dead_letter_exchange.empty()) {
    entry.key = Bytes(kDeadLetterArgument);
    entry.value.kind = AMQP_FIELD_KIND_UTF8;
    entry.value.value.bytes = Bytes(dead_letter_exchange);
    args = amqp_table_t{1, &entry};
  }
  amqp_queue_declare(state_->conn, channel, Bytes(name), 0, 1, 0, 0, args);
  return Checked(state_->conn, &state_->healthy, "cannot declare queue '" + name + "'");
}

core::Status AmqpLink::BindQueue(uint16_t channel, const std::string& queue, const std::string& exchange,
                                 const std::string& routing_key) {
  amqp_queue_bind(state_->conn, channel, Bytes(queue), Bytes(exchange), Bytes(routing_key), amqp_empty_table);
  return Checked(state_->conn, &state_->healthy, "cannot bind queue '" + queue + "' to '" + exchange + "'");
}

core::Status AmqpLink::Qos(uint16_t channel, uint16_t prefetch) {
  amqp_basic_qos(state_->conn, channel, 0, prefetch, 0);
  return Checked(state_->conn, &state_->healthy, "cannot set the prefetch");
}

core::Status AmqpLink::Consume(uint16_t channel, const std::string& queue) {
  amqp_basic_consume(state_->conn, channel, Bytes(queue), amqp_empty_bytes, 0, 0, 0, amqp_empty_table);
  return Checked(state_->conn, &state_->healthy, "cannot consume from queue '" + queue + "'");
}

core::Status AmqpLink::EnableConfirms(uint16_t channel) {
  amqp_confirm_select(state_->conn, channel);
  core::Status st = Checked(state_->conn, &state_->healthy, "cannot enable publisher confirms");
  if (st.ok()) state_->published[channel] = 0;
  return st;
}

core::Result<uint64_t> AmqpLink::Publish(uint16_t channel, const std::string& exchange, const std::string& routing_key,
                                         const OutgoingMessage& m) {
  amqp_basic_properties_t props{};
  props._flags = AMQP_BASIC_CONTENT_TYPE_FLAG | AMQP_BASIC_DELIVERY_MODE_FLAG;
  props.content_type = Bytes(m.content_type);
  props.delivery_mode = m.persistent ? 2 : 1;
  if (m.message_id) {
    props._flags |= AMQP_BASIC_MESSAGE_ID_FLAG;
    props.message_id = Bytes(*m.message_id);
  }
  if (m.type) {
    props._flags |= AMQP_BASIC_TYPE_FLAG;
    props.type = Bytes(*m.type);
  }
  if (m.timestamp_s) {
    props._flags |= AMQP_BASIC_TIMESTAMP_FLAG;
    props.timestamp = static_cast<uint64_t>(*m.timestamp_s);
  }
  static const std::string kAppId = "wagate";
  props._flags |= AMQP_BASIC_APP_ID_FLAG;
  props.app_id = Bytes(kAppId);
  std::vector<amqp_table_entry_t> entries = WriteHeaders(m.headers);
  if (!entries.empty()) {
    props._flags |= AMQP_BASIC_HEADERS_FLAG;
    props.headers = amqp_table_t{static_cast<int>(entries.size()), entries.data()};
  }
  int rc = amqp_basic_publish(state_->conn, channel, Bytes(exchange), Bytes(routing_key), 0, 0, &props, Bytes(m.body));
  if (rc != AMQP_STATUS_OK) {
    state_->healthy = false;
    return LinkError(std::string("cannot publish: ") + amqp_error_string2(rc));
  }
  auto it = state_->published.find(channel);
  return it == state_->published.end() ? uint64_t{0} : ++it->second;
}

core::Status AmqpLink::Ack(uint16_t channel, uint64_t delivery_tag) {
  if (int rc = amqp_basic_ack(state_->conn, channel, delivery_tag, 0); rc != AMQP_STATUS_OK) {
    state_->healthy = false;
    return LinkError(std::string("cannot acknowledge: ") + amqp_error_string2(rc));
  }
  return core::Ok{};
}

core::Status AmqpLink::Nack(uint16_t channel, uint64_t delivery_tag, bool requeue) {
  if (int rc = amqp_basic_nack(state_->conn, channel, delivery_tag, 0, requeue ? 1 : 0); rc != AMQP_STATUS_OK) {
    state_->healthy = false;
    return LinkError(std::string("cannot reject: ") + amqp_error_string2(rc));
  }
  return core::Ok{};
}

core::Result<Incoming> AmqpLink::Next(std::chrono::milliseconds wait) {
  State& s = *state_;
  amqp_maybe_release_buffers(s.conn);
  timeval tv = ToTimeval(wait);
  amqp_frame_t frame{};
  int rc = amqp_simple_wait_frame_noblock(s.conn, &frame, &tv);
  if (rc == AMQP_STATUS_TIMEOUT) return Incoming{};
  if (rc != AMQP_STATUS_OK) {
    s.healthy = false;
    return LinkError(std::string("the broker connection failed: ") + amqp_error_string2(rc));
  }
  if (frame.frame_type != AMQP_FRAME_METHOD) return Incoming{};
  switch (frame.payload.method.id) {
    case AMQP_BASIC_DELIVER_METHOD: {
      auto* d = static_cast<amqp_basic_deliver_t*>(frame.payload.method.decoded);
      Delivery out;
      out.delivery_tag = d->delivery_tag;
      out.redelivered = d->redelivered != 0;
      out.exchange = Text(d->exchange);
      out.routing_key = Text(d->routing_key);
      amqp_message_t message{};
      amqp_rpc_reply_t r = amqp_read_message(s.conn, frame.channel, &message, 0);
      if (r.reply_type != AMQP_RESPONSE_NORMAL) {
        s.healthy = false;
        return LinkError("cannot read a delivery: " + Describe(r));
      }
      out.body = Text(message.body);
      const amqp_basic_properties_t& p = message.properties;
      if (p._flags & AMQP_BASIC_MESSAGE_ID_FLAG) out.message_id = Text(p.message_id);
      if (p._flags & AMQP_BASIC_CONTENT_TYPE_FLAG) out.content_type = Text(p.content_type);
      if (p._flags & AMQP_BASIC_HEADERS_FLAG) out.headers = ReadHeaders(p.headers);
      amqp_destroy_message(&message);
      return Incoming{std::move(out)};
    }
    case AMQP_BASIC_ACK_METHOD: {
      auto* a = static_cast<amqp_basic_ack_t*>(frame.payload.method.decoded);
      return Incoming{Confirm{frame.channel, a->delivery_tag, a->multiple != 0, true}};
    }
    case AMQP_BASIC_NACK_METHOD: {
      auto* n = static_cast<amqp_basic_nack_t*>(frame.payload.method.decoded);
      return Incoming{Confirm{frame.channel, n->delivery_tag, n->multiple != 0, false}};
    }
    case AMQP_BASIC_RETURN_METHOD: {  // not asked for (no mandatory flag): read and drop its content
      amqp_message_t message{};
      amqp_rpc_reply_t r = amqp_read_message(s.conn, frame.channel, &message, 0);
      if (r.reply_type == AMQP_RESPONSE_NORMAL) amqp_destroy_message(&message);
      return Incoming{};
    }
    case AMQP_CHANNEL_CLOSE_METHOD: {
      auto* m = static_cast<amqp_channel_close_t*>(frame.payload.method.decoded);
      std::string why = std::to_string(m->reply_code) + " " + Text(m->reply_text);
      amqp_channel_close_ok_t ok{};
      amqp_send_method(s.conn, frame.channel, AMQP_CHANNEL_CLOSE_OK_METHOD, &ok);
      s.healthy = false;
      return LinkError("the broker closed channel " + std::to_string(frame.channel) + ": " + why);
    }
    case AMQP_CONNECTION_CLOSE_METHOD: {
      auto* m = static_cast<amqp_connection_close_t*>(frame.payload.method.decoded);
      std::string why = std::to_string(m->reply_code) + " " + Text(m->reply_text);
      amqp_connection_close_ok_t ok{};
      amqp_send_method(s.conn, 0, AMQP_CONNECTION_CLOSE_OK_METHOD, &ok);
      s.healthy = false;
      return LinkError("the broker closed the connection: " + why);
    }
    case AMQP_BASIC_CANCEL_METHOD:
      s.healthy = false;
      return LinkError("the broker cancelled the consumer (was the queue deleted?)");
    default:
      return Incoming{};
  }
}

}  // namespace wagate::broker
