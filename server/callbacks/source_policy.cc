#include "server/callbacks/source_policy.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <sys/socket.h>

#include <cstring>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace jumio_gateway::callbacks {

absl::StatusOr<IpAddress> IpAddress::Parse(absl::string_view text) {
  std::string s(absl::StripAsciiWhitespace(text));
  // "[::1]" as some proxies write it.
  if (s.size() > 2 && s.front() == '[' && s.back() == ']') {
    s = s.substr(1, s.size() - 2);
  }
  IpAddress a;
  in_addr v4;
  in6_addr v6;
  if (inet_pton(AF_INET, s.c_str(), &v4) == 1) {
    std::memcpy(a.bytes.data(), &v4, 4);
    return a;
  }
  if (inet_pton(AF_INET6, s.c_str(), &v6) == 1) {
    static const uint8_t kMapped[12] = {0, 0, 0, 0, 0,    0,
                                        0, 0, 0, 0, 0xff, 0xff};
    if (std::memcmp(&v6, kMapped, 12) == 0) {
      std::memcpy(a.bytes.data(), reinterpret_cast<uint8_t*>(&v6) + 12, 4);
      return a;
    }
    a.v6 = true;
    std::memcpy(a.bytes.data(), &v6, 16);
    return a;
  }
  return absl::InvalidArgumentError(absl::StrCat("not an IP address: ", s));
}

std::string IpAddress::ToString() const {
  char buf[INET6_ADDRSTRLEN] = {};
  inet_ntop(v6 ? AF_INET6 : AF_INET, bytes.data(), buf, sizeof(buf));
  return buf;
}

absl::StatusOr<Cidr> Cidr::Parse(absl::string_view text) {
  std::pair<absl::string_view, absl::string_view> parts =
      absl::StrSplit(absl::StripAsciiWhitespace(text), absl::MaxSplits('/', 1));
  absl::StatusOr<IpAddress> base = IpAddress::Parse(parts.first);
  if (!base.ok()) return base.status();
  Cidr c;
  c.base = *base;
  const int max = base->v6 ? 128 : 32;
  c.prefix_len = max;
  if (!parts.second.empty() &&
      (!absl::SimpleAtoi(parts.second, &c.prefix_len) || c.prefix_len < 0 ||
       c.prefix_len > max)) {
    return absl::InvalidArgumentError(
        absl::StrCat("bad CIDR prefix length: ", text));
  }
  return c;
}

absl::StatusOr<std::vector<Cidr>> Cidr::ParseList(
    const std::vector<std::string>& texts) {
  std::vector<Cidr> out;
  for (const std::string& t : texts) {
    if (absl::StripAsciiWhitespace(t).empty()) continue;
    absl::StatusOr<Cidr> c = Parse(t);
    if (!c.ok()) return c.status();
    out.push_back(*c);
  }
  return out;
}

bool Cidr::Contains(const IpAddress& a) const {
  if (a.v6 != base.v6) return false;
  int bits = prefix_len;
  for (size_t i = 0; bits > 0; ++i, bits -= 8) {
    const uint8_t mask =
        bits >= 8 ? 0xff : static_cast<uint8_t>(0xff << (8 - bits));
    if ((a.bytes[i] & mask) != (base.bytes[i] & mask)) return false;
  }
  return true;
}

absl::StatusOr<std::vector<IpAddress>> SystemHostResolver::Resolve(
    const std::string& host) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  const int rc = getaddrinfo(host.c_str(), nullptr, &hints, &res);
  if (rc != 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot resolve ", host, ": ", gai_strerror(rc)));
  }
  std::vector<IpAddress> out;
  for (addrinfo* p = res; p != nullptr; p = p->ai_next) {
    char buf[INET6_ADDRSTRLEN] = {};
    const void* src =
        p->ai_family == AF_INET
            ? static_cast<const void*>(
                  &reinterpret_cast<sockaddr_in*>(p->ai_addr)->sin_addr)
            : static_cast<const void*>(
                  &reinterpret_cast<sockaddr_in6*>(p->ai_addr)->sin6_addr);
    if (inet_ntop(p->ai_family, src, buf, sizeof(buf)) == nullptr) continue;
    absl::StatusOr<IpAddress> a = IpAddress::Parse(buf);
    if (a.ok()) out.push_back(*a);
  }
  freeaddrinfo(res);
  return out;
}

std::vector<std::string> JumioCallbackHosts() {
  return {"callback.amer-1.jumio.ai", "callback.emea-1.jumio.ai",
          "callback.apac-1.jumio.ai", "callback.jumio.com",
          "callback.lon.jumio.com",   "callback.core-sgp.jumio.com"};
}

std::vector<std::string> JumioPublishedCallbackAddresses() {
  return {// US
          "34.202.241.227", "34.226.103.119", "34.226.254.127", "52.8.136.236",
          "54.177.61.57", "54.183.15.212",
          // EU
          "34.253.41.236", "35.157.27.193", "52.48.0.25", "52.57.194.92",
          "52.58.113.86", "52.209.180.134",
          // APAC
          "3.0.109.121", "52.76.184.73", "52.77.102.92", "13.238.100.17",
          "13.238.203.238", "52.64.132.26"};
}

SourcePolicy::SourcePolicy(std::vector<Cidr> allowed,
                           std::vector<Cidr> trusted_proxies,
                           std::vector<std::string> hosts,
                           HostResolver* resolver)
    : allowed_(std::move(allowed)),
      trusted_proxies_(std::move(trusted_proxies)),
      hosts_(std::move(hosts)),
      resolver_(resolver) {}

absl::Status SourcePolicy::Refresh() {
  absl::Status first;
  for (const std::string& host : hosts_) {
    if (resolver_ == nullptr) break;
    absl::StatusOr<std::vector<IpAddress>> r = resolver_->Resolve(host);
    if (!r.ok()) {
      if (first.ok()) first = r.status();
      continue;
    }
    absl::MutexLock l(&mu_);
    resolved_[host] = *std::move(r);
  }
  return first;
}

bool SourcePolicy::Allowed(const IpAddress& a) const {
  for (const Cidr& c : allowed_) {
    if (c.Contains(a)) return true;
  }
  absl::MutexLock l(&mu_);
  for (const auto& [host, addresses] : resolved_) {
    for (const IpAddress& r : addresses) {
      if (r == a) return true;
    }
  }
  return false;
}

bool SourcePolicy::Trusted(const IpAddress& a) const {
  for (const Cidr& c : trusted_proxies_) {
    if (c.Contains(a)) return true;
  }
  return false;
}

SourcePolicy::Decision SourcePolicy::Check(
    absl::string_view peer, absl::string_view forwarded_for) const {
  Decision d;
  absl::StatusOr<IpAddress> sender = IpAddress::Parse(peer);
  if (!sender.ok()) return d;
  if (Trusted(*sender) && !absl::StripAsciiWhitespace(forwarded_for).empty()) {
    // Walk from the right: each trusted proxy vouches for the hop before
    // it; the first untrusted hop is the sender. Anything left of it could
    // have been written by the sender itself and is ignored.
    d.via_proxy = true;
    std::vector<absl::string_view> hops = absl::StrSplit(forwarded_for, ',');
    for (auto it = hops.rbegin(); it != hops.rend(); ++it) {
      absl::StatusOr<IpAddress> hop = IpAddress::Parse(*it);
      if (!hop.ok()) return d;  // a garbled chain proves nothing
      sender = *hop;
      if (!Trusted(*hop)) break;
    }
  }
  d.sender = sender->ToString();
  d.allowed = Allowed(*sender);
  return d;
}

}  // namespace jumio_gateway::callbacks
