#include "server/callbacks/source_policy.h"

#include <map>

#include "gtest/gtest.h"

namespace jumio_gateway::callbacks {
namespace {

class FakeResolver : public HostResolver {
 public:
  absl::StatusOr<std::vector<IpAddress>> Resolve(
      const std::string& host) override {
    auto it = answers.find(host);
    if (it == answers.end()) return absl::UnavailableError("no answer");
    std::vector<IpAddress> out;
    for (const auto& a : it->second) out.push_back(*IpAddress::Parse(a));
    return out;
  }
  std::map<std::string, std::vector<std::string>> answers;
};

std::vector<Cidr> Cidrs(const std::vector<std::string>& t) {
  return *Cidr::ParseList(t);
}

TEST(CidrTest, Matches) {
  Cidr c = *Cidr::Parse("10.1.0.0/16");
  EXPECT_TRUE(c.Contains(*IpAddress::Parse("10.1.200.3")));
  EXPECT_FALSE(c.Contains(*IpAddress::Parse("10.2.0.1")));
  Cidr v6 = *Cidr::Parse("2001:db8::/32");
  EXPECT_TRUE(v6.Contains(*IpAddress::Parse("2001:db8:1::5")));
  EXPECT_FALSE(v6.Contains(*IpAddress::Parse("10.1.200.3")));
  // IPv4-mapped IPv6 is the IPv4 address.
  EXPECT_TRUE(c.Contains(*IpAddress::Parse("::ffff:10.1.2.3")));
  EXPECT_TRUE(Cidr::Parse("1.2.3.4").ok());
  EXPECT_FALSE(Cidr::Parse("1.2.3.4/33").ok());
  EXPECT_FALSE(Cidr::Parse("example.com").ok());
}

TEST(SourcePolicyTest, ForwardedForOnlyFromTrustedProxies) {
  SourcePolicy p(Cidrs({"198.51.100.0/24"}), Cidrs({"10.0.0.0/8"}), {},
                 nullptr);
  EXPECT_TRUE(p.Check("198.51.100.4", "").allowed);
  EXPECT_FALSE(p.Check("203.0.113.1", "").allowed);
  // Untrusted peer: its header is ignored.
  EXPECT_FALSE(p.Check("203.0.113.1", "198.51.100.4").allowed);
  // Trusted proxy chain: the first untrusted hop from the right counts.
  EXPECT_TRUE(p.Check("10.0.0.2", "198.51.100.4").allowed);
  EXPECT_TRUE(
      p.Check("10.0.0.2", "203.0.113.1, 198.51.100.4, 10.0.0.9").allowed);
  EXPECT_FALSE(p.Check("10.0.0.2", "198.51.100.4, 203.0.113.1").allowed);
  EXPECT_FALSE(p.Check("10.0.0.2", "garbage").allowed);
  EXPECT_FALSE(p.Check("not-an-ip", "").allowed);
}

TEST(SourcePolicyTest, ResolvedHostsJoinAndSurviveFailures) {
  FakeResolver r;
  r.answers["callback.amer-1.jumio.ai"] = {"34.202.241.227"};
  SourcePolicy p({}, {}, {"callback.amer-1.jumio.ai", "missing.example"}, &r);
  EXPECT_FALSE(p.Check("34.202.241.227", "").allowed);
  EXPECT_FALSE(p.Refresh().ok());  // one host failed
  EXPECT_TRUE(p.Check("34.202.241.227", "").allowed);
  // Jumio moves; a later failure keeps the last good answer.
  r.answers["callback.amer-1.jumio.ai"] = {"52.8.136.236"};
  p.Refresh().IgnoreError();
  EXPECT_TRUE(p.Check("52.8.136.236", "").allowed);
  EXPECT_FALSE(p.Check("34.202.241.227", "").allowed);
  r.answers.clear();
  p.Refresh().IgnoreError();
  EXPECT_TRUE(p.Check("52.8.136.236", "").allowed);
}

}  // namespace
}  // namespace jumio_gateway::callbacks
