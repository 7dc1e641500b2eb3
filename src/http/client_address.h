// Which address a request comes from. Behind a reverse proxy every connection's peer is the proxy;
// the client's own address is in the headers the proxy adds (X-Forwarded-For, X-Real-IP), which any
// client can also forge. So the headers are believed only when the peer is one of the proxies the
// shop trusts (the `trusted_proxies` setting), and in X-Forwarded-For only up to the first address,
// from the right, that is not a trusted proxy. Immutable after construction: safe on any thread.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace guanxi::http {

class TrustedProxies {
 public:
  TrustedProxies() = default;
  // Each entry an IP address ("10.0.0.5", "::1") or a network in CIDR form ("10.0.0.0/8",
  // "fd00::/8"). Throws std::invalid_argument naming the first entry that is neither.
  explicit TrustedProxies(const std::vector<std::string>& entries);

  bool empty() const { return nets_.empty(); }
  // True when `address` (text) is an IP address inside one of the entries.
  bool Contains(std::string_view address) const;

  // The client's address for a request whose peer is `peer`: the peer itself unless it is
  // trusted; else the rightmost address in X-Forwarded-For that is not a trusted proxy (all of them
  // trusted: the leftmost), or X-Real-IP when there is no X-Forwarded-For. A header that is not a
  // list of IP addresses is ignored from the first bad entry leftwards.
  std::string ClientAddress(std::string_view peer, std::string_view forwarded_for,
                            std::string_view real_ip) const;

 private:
  struct Net {
    std::array<uint8_t, 16> bytes;  // IPv4 as an IPv4-mapped IPv6 address
    int prefix;                     // bits, of the 128
  };
  std::vector<Net> nets_;
};

}  // namespace guanxi::http
