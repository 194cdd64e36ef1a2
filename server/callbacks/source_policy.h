// Who may send callbacks: the sender's address must be in an allowlist of
// CIDRs, optionally extended by the current addresses of Jumio's published
// callback host names (resolved at start and refreshed, because Jumio changes
// them over time). X-Forwarded-For is believed only when the TCP peer is a
// configured trusted proxy; otherwise the TCP peer is the sender.
#ifndef JUMIO_GATEWAY_SERVER_CALLBACKS_SOURCE_POLICY_H_
#define JUMIO_GATEWAY_SERVER_CALLBACKS_SOURCE_POLICY_H_

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"

namespace jumio_gateway::callbacks {

// An IPv4 or IPv6 address; IPv4-mapped IPv6 (::ffff:a.b.c.d) is IPv4.
struct IpAddress {
  bool v6 = false;
  std::array<uint8_t, 16> bytes{};  // IPv4 uses the first 4

  static absl::StatusOr<IpAddress> Parse(absl::string_view text);
  std::string ToString() const;
  bool operator==(const IpAddress& o) const {
    return v6 == o.v6 && bytes == o.bytes;
  }
};

struct Cidr {
  IpAddress base;
  int prefix_len = 0;

  // "10.0.0.0/8", "2001:db8::/32", or a single address.
  static absl::StatusOr<Cidr> Parse(absl::string_view text);
  static absl::StatusOr<std::vector<Cidr>> ParseList(
      const std::vector<std::string>& texts);
  bool Contains(const IpAddress& address) const;
};

// Resolves a host name to its current addresses; injectable for tests.
class HostResolver {
 public:
  virtual ~HostResolver() = default;
  virtual absl::StatusOr<std::vector<IpAddress>> Resolve(
      const std::string& host) = 0;
};

// getaddrinfo.
class SystemHostResolver final : public HostResolver {
 public:
  absl::StatusOr<std::vector<IpAddress>> Resolve(
      const std::string& host) override;
};

// Jumio's callback host names (KYX regions and the older data-centre names).
std::vector<std::string> JumioCallbackHosts();
// The callback source addresses Jumio published in late 2025 (a fallback
// when resolving is disabled or fails at start).
std::vector<std::string> JumioPublishedCallbackAddresses();

class SourcePolicy {
 public:
  // `resolver` may be null when `hosts` is empty; it must outlive this.
  SourcePolicy(std::vector<Cidr> allowed, std::vector<Cidr> trusted_proxies,
               std::vector<std::string> hosts, HostResolver* resolver);

  // Resolves every host; a host that fails keeps its previous addresses (a
  // DNS hiccup must not lock Jumio out). Returns the first failure, if any.
  absl::Status Refresh();

  struct Decision {
    bool allowed = false;
    // The sender as determined (the peer, or the client named by a trusted
    // proxy); empty when unparsable.
    std::string sender;
    bool via_proxy = false;
  };
  // `peer` is the TCP peer address, `forwarded_for` the X-Forwarded-For
  // header value (may be empty).
  Decision Check(absl::string_view peer, absl::string_view forwarded_for) const;

 private:
  bool Allowed(const IpAddress& a) const;
  bool Trusted(const IpAddress& a) const;

  const std::vector<Cidr> allowed_;
  const std::vector<Cidr> trusted_proxies_;
  const std::vector<std::string> hosts_;
  HostResolver* const resolver_;
  mutable absl::Mutex mu_;
  std::map<std::string, std::vector<IpAddress>> resolved_ ABSL_GUARDED_BY(mu_);
};

}  // namespace jumio_gateway::callbacks

#endif  // JUMIO_GATEWAY_SERVER_CALLBACKS_SOURCE_POLICY_H_
