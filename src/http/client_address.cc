// Trusted proxies and the client address behind them.
#include "http/client_address.h"

#include <boost/asio/ip/address.hpp>
#include <charconv>
#include <optional>
#include <stdexcept>

namespace guanxi::http {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// The address as 16 bytes (IPv4 mapped into IPv6), or nothing when it is not an IP address.
std::optional<std::array<uint8_t, 16>> Bytes(std::string_view text) {
  boost::system::error_code ec;
  const auto a = boost::asio::ip::make_address(std::string(Trim(text)), ec);
  if (ec) return std::nullopt;
  if (a.is_v4()) return boost::asio::ip::make_address_v6(boost::asio::ip::v4_mapped, a.to_v4()).to_bytes();
  return a.to_v6().to_bytes();
}

bool InNet(const std::array<uint8_t, 16>& a, const std::array<uint8_t, 16>& net, int prefix) {
  for (int bit = 0; bit < prefix; bit += 8) {
    const int bits = std::min(8, prefix - bit);
    const auto mask = static_cast<uint8_t>(0xFF << (8 - bits));
    const auto i = static_cast<size_t>(bit / 8);
    if ((a[i] & mask) != (net[i] & mask)) return false;
  }
  return true;
}

}  // namespace

TrustedProxies::TrustedProxies(const std::vector<std::string>& entries) {
  for (const std::string& entry : entries) {
    const std::string_view e = Trim(entry);
    const size_t slash = e.find('/');
    const auto bytes = Bytes(e.substr(0, slash));
    int prefix = 128;
    bool ok = bytes.has_value();
    if (ok && slash != std::string_view::npos) {
      const std::string_view p = e.substr(slash + 1);
      auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), prefix);
      const bool v4 = e.substr(0, slash).find(':') == std::string_view::npos;
      const int max = v4 ? 32 : 128;
      ok = ec == std::errc() && end == p.data() + p.size() && !p.empty() && prefix >= 0 && prefix <= max;
      if (v4) prefix += 96;  // the mapped address's first 96 bits are fixed
    }
    if (!ok) {
      throw std::invalid_argument("\"" + entry + "\" is not an IP address or a network like 10.0.0.0/8");
    }
    nets_.push_back({*bytes, prefix});
  }
}

bool TrustedProxies::Contains(std::string_view address) const {
  const auto a = Bytes(address);
  if (!a) return false;
  for (const Net& n : nets_) {
    if (InNet(*a, n.bytes, n.prefix)) return true;
  }
  return false;
}

std::string TrustedProxies::ClientAddress(std::string_view peer, std::string_view forwarded_for,
                                          std::string_view real_ip) const {
  if (nets_.empty() || !Contains(peer)) return std::string(peer);
  if (Trim(forwarded_for).empty()) {
    return Bytes(real_ip) ? std::string(Trim(real_ip)) : std::string(peer);
  }
  // From the right: each hop appended the address it received from; the first one not added by a
  // proxy of ours is the client as far as we can know.
  std::string_view rest = forwarded_for;
  std::string client(peer);
  while (!rest.empty()) {
    const size_t comma = rest.rfind(',');
    const std::string_view hop = Trim(comma == std::string_view::npos ? rest : rest.substr(comma + 1));
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(0, comma);
    if (!Bytes(hop)) break;
    client = std::string(hop);
    if (!Contains(hop)) break;
  }
  return client;
}

}  // namespace guanxi::http
