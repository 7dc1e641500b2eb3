// Hostile clients on raw sockets: every socket non-blocking, driven by one epoll loop per object
// (or per FireRequests call), so thousands of connections cost one thread.
#include "support/hostile_clients.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <stdexcept>

namespace guanxi::test::hostile {
namespace {

using Clock = std::chrono::steady_clock;

sockaddr_in Address(const std::string& host, uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  if (::inet_pton(AF_INET, host.c_str(), &a.sin_addr) != 1) {
    throw std::invalid_argument("not an IPv4 address: " + host);
  }
  return a;
}

// A non-blocking socket connecting (or connected: *done) to `to` from `source` (empty: any).
// -1 with *err set when it cannot even start.
int StartConnect(const sockaddr_in& to, const std::string& source, bool* done, int* err) {
  *done = false;
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    *err = errno;
    return -1;
  }
  const int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (!source.empty()) {
    // The port is chosen at connect, per destination, not at bind: otherwise every bound socket
    // would take a port of its own from the address's whole range.
    ::setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
    sockaddr_in from = Address(source, 0);
    if (::bind(fd, reinterpret_cast<const sockaddr*>(&from), sizeof from) != 0) {
      *err = errno;
      ::close(fd);
      return -1;
    }
  }
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&to), sizeof to) == 0) {
    *done = true;
    return fd;
  }
  if (errno == EINPROGRESS) return fd;
  *err = errno;
  ::close(fd);
  return -1;
}

int SocketError(int fd) {
  int err = 0;
  socklen_t len = sizeof err;
  if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) return errno;
  return err;
}

void Watch(int epoll, int op, int fd, uint32_t events, uint64_t tag) {
  epoll_event ev{};
  ev.events = events;
  ev.data.u64 = tag;
  ::epoll_ctl(epoll, op, fd, &ev);
}

int MillisUntil(Clock::time_point t) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(t - Clock::now()).count();
  return static_cast<int>(std::clamp<int64_t>(left, 0, 1000));
}

bool IEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  }
  return true;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

// Parses an answer from what has arrived; true when it is complete (or `eof` ends it).
bool ParseAnswer(const std::string& in, bool eof, Answer& a) {
  const size_t head_end = in.find("\r\n\r\n");
  if (head_end == std::string::npos) {
    if (eof)
      a.error = in.empty() ? "closed without an answer" : "closed in the middle of the header";
    return eof;
  }
  if (in.size() < 12 || in.compare(0, 7, "HTTP/1.") != 0) {
    a.error = "not an HTTP answer";
    return true;
  }
  const unsigned status = static_cast<unsigned>(std::strtoul(in.substr(9, 3).c_str(), nullptr, 10));
  std::optional<size_t> length;
  std::string retry_after;
  size_t at = in.find("\r\n") + 2;
  while (at < head_end) {
    const size_t eol = in.find("\r\n", at);
    std::string_view line(in.data() + at, eol - at);
    at = eol + 2;
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    const std::string_view name = Trim(line.substr(0, colon)), value = Trim(line.substr(colon + 1));
    if (IEquals(name, "content-length"))
      length = static_cast<size_t>(std::strtoull(std::string(value).c_str(), nullptr, 10));
    if (IEquals(name, "retry-after")) retry_after = std::string(value);
  }
  const size_t body_at = head_end + 4;
  if (length && in.size() < body_at + *length) {
    if (eof) a.error = "closed in the middle of the body";
    return eof;
  }
  if (!length && !eof) return false;
  a.status = status;
  a.retry_after = std::move(retry_after);
  a.body = in.substr(body_at, length ? *length : std::string::npos);
  return true;
}

}  // namespace

uint64_t RaiseFileLimit() {
  rlimit r{};
  if (::getrlimit(RLIMIT_NOFILE, &r) != 0) return 0;
  if (r.rlim_cur < r.rlim_max) {
    rlimit wanted = r;
    wanted.rlim_cur = r.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &wanted) == 0) r = wanted;
  }
  return static_cast<uint64_t>(r.rlim_cur);
}

int64_t RssKiB(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::strtoll(line.c_str() + 6, nullptr, 10);
  }
  return -1;
}

int64_t SocketCount(int pid) {
  std::error_code ec;
  std::filesystem::directory_iterator it("/proc/" + std::to_string(pid) + "/fd", ec);
  if (ec) return -1;
  int64_t n = 0;
  for (const auto& entry : it) {
    const auto target = std::filesystem::read_symlink(entry.path(), ec);
    if (!ec && target.native().rfind("socket:", 0) == 0) ++n;
  }
  return n;
}

std::vector<std::string> LoopbackSources(int count) {
  std::vector<std::string> out;
  for (int i = 0; i < count; ++i) {
    const int n = 2 + i;  // all of 127.0.0.0/8 is loopback on Linux
    out.push_back("127." + std::to_string(n >> 16 & 255) + "." + std::to_string(n >> 8 & 255) +
                  "." + std::to_string(n & 255));
  }
  return out;
}

double Quantile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const double rank = std::ceil(p * static_cast<double>(values.size()));
  const size_t at =
      static_cast<size_t>(std::clamp(rank, 1.0, static_cast<double>(values.size()))) - 1;
  return values[at];
}

// ---- IdleConnections ----

IdleConnections::IdleConnections(const std::string& host, uint16_t port, int n,
                                 const std::vector<std::string>& sources)
    : epoll_(::epoll_create1(EPOLL_CLOEXEC)) {
  if (epoll_ < 0) throw std::runtime_error(std::string("epoll_create1: ") + std::strerror(errno));
  const sockaddr_in to = Address(host, port);
  fds_.reserve(static_cast<size_t>(std::max(n, 0)));
  for (int i = 0; i < n; ++i) {
    bool done = false;
    int err = 0;
    const std::string source =
        sources.empty() ? std::string() : sources[static_cast<size_t>(i) % sources.size()];
    const int fd = StartConnect(to, source, &done, &err);
    if (fd < 0) {
      ++counts_.failed;
      continue;
    }
    const size_t index = fds_.size();
    fds_.push_back(fd);
    ++counts_.opened;
    if (done) {
      states_.push_back(State::kConnected);
      ++counts_.connected;
      Watch(epoll_, EPOLL_CTL_ADD, fd, EPOLLIN | EPOLLRDHUP, index);
    } else {
      states_.push_back(State::kConnecting);
      ++counts_.pending;
      Watch(epoll_, EPOLL_CTL_ADD, fd, EPOLLOUT, index);
    }
  }
}

IdleConnections::~IdleConnections() {
  CloseAll();
  if (epoll_ >= 0) ::close(epoll_);
}

void IdleConnections::Finish(size_t i, bool by_server) {
  (states_[i] == State::kConnecting ? counts_.pending : counts_.connected) -= 1;
  (by_server ? counts_.closed_by_server : counts_.failed) += 1;
  ::close(fds_[i]);
  fds_[i] = -1;
  states_[i] = State::kClosed;
}

IdleConnections::Counts IdleConnections::Poll(std::chrono::milliseconds wait) {
  const auto deadline = Clock::now() + wait;
  std::vector<epoll_event> events(1024);
  char sink[4096];
  for (;;) {
    const int n =
        ::epoll_wait(epoll_, events.data(), static_cast<int>(events.size()), MillisUntil(deadline));
    if (n < 0 && errno != EINTR) break;
    for (int k = 0; k < n; ++k) {
      const size_t i = static_cast<size_t>(events[static_cast<size_t>(k)].data.u64);
      if (i >= fds_.size() || states_[i] == State::kClosed) continue;
      const int fd = fds_[i];
      if (states_[i] == State::kConnecting) {
        if (SocketError(fd) != 0) {
          Finish(i, /*by_server=*/false);
          continue;
        }
        states_[i] = State::kConnected;
        --counts_.pending;
        ++counts_.connected;
        Watch(epoll_, EPOLL_CTL_MOD, fd, EPOLLIN | EPOLLRDHUP, i);
        continue;
      }
      // Connected: whatever the server sends is read and dropped; its close ends the connection.
      for (;;) {
        const ssize_t got = ::recv(fd, sink, sizeof sink, 0);
        if (got > 0) continue;
        if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
        if (got < 0 && errno == EINTR) continue;
        Finish(i, /*by_server=*/true);
        break;
      }
    }
    if (Clock::now() >= deadline) break;
  }
  return counts_;
}

void IdleConnections::CloseAll() {
  for (size_t i = 0; i < fds_.size(); ++i) {
    if (fds_[i] >= 0) ::close(fds_[i]);
    fds_[i] = -1;
    states_[i] = State::kClosed;
  }
  counts_.connected = counts_.pending = 0;
}

// ---- SlowClients ----

SlowClients::SlowClients(Options options) : opts_(std::move(options)) {
  (void)Address(opts_.host, opts_.port);  // throws on a bad address here, not on the thread
  thread_ = std::thread([this] { Run(); });
}

SlowClients::~SlowClients() { Stop(); }

void SlowClients::Stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

SlowClients::Counts SlowClients::counts() const {
  std::lock_guard lock(mu_);
  return counts_;
}

void SlowClients::Run() {
  enum class St : uint8_t { kWaiting, kConnecting, kSending };
  struct Client {
    int fd = -1;
    bool body = false;
    St st = St::kWaiting;
    Clock::time_point next;
    size_t sent = 0;  // bytes of the request sent on this connection
    bool answered = false;
  };
  const sockaddr_in to = Address(opts_.host, opts_.port);
  const std::string header_prefix = "GET " + opts_.header_target +
                                    " HTTP/1.1\r\nHost: " + opts_.host +
                                    "\r\nUser-Agent: guanxi-slow-header\r\nX-Slow: ";
  const std::string body_header =
      "POST " + opts_.body_target + " HTTP/1.1\r\nHost: " + opts_.host +
      "\r\nUser-Agent: guanxi-slow-body\r\nContent-Type: application/json\r\n"
      "Content-Length: " +
      std::to_string(opts_.body_length) + "\r\n\r\n";
  const int epoll = ::epoll_create1(EPOLL_CLOEXEC);
  if (epoll < 0) return;
  const size_t total =
      static_cast<size_t>(std::max(0, opts_.header_clients) + std::max(0, opts_.body_clients));
  std::vector<Client> clients(total);
  const auto start = Clock::now();
  for (size_t i = 0; i < total; ++i) {
    clients[i].body = i >= static_cast<size_t>(std::max(0, opts_.header_clients));
    clients[i].next = start + opts_.interval * static_cast<int64_t>(i) /
                                  static_cast<int64_t>(std::max<size_t>(total, 1));
  }
  Counts c;
  size_t source = 0;
  const auto close_client = [&](Client& cl, Clock::time_point again) {
    ::close(cl.fd);
    cl.fd = -1;
    cl.st = St::kWaiting;
    cl.next = again;
    --c.open;
  };
  // Sends the next step of the request: the whole header of a body client first, then one byte of
  // the header or `body_step` bytes of the body. False when the server has closed the connection.
  const auto send_step = [&](Client& cl) {
    std::string out;
    if (!cl.body) {
      out.push_back(cl.sent < header_prefix.size() ? header_prefix[cl.sent] : 'a');
    } else {
      // The rest of the header, the rest of the burst, or a step of the body. The body is
      // whitespace: JSON that never gets to its value.
      const size_t header_left = body_header.size() - std::min(cl.sent, body_header.size());
      const size_t body_sent = cl.sent - (body_header.size() - header_left);
      const size_t burst = std::min(opts_.body_burst, opts_.body_length);
      const size_t step = body_sent < burst ? burst - body_sent : opts_.body_step;
      out = body_header.substr(body_header.size() - header_left);
      out.append(std::min(step, opts_.body_length - std::min(body_sent, opts_.body_length)), ' ');
      if (out.empty()) return true;
    }
    const ssize_t n = ::send(cl.fd, out.data(), out.size(), MSG_NOSIGNAL);
    if (n < 0) return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
    cl.sent += static_cast<size_t>(n);
    c.bytes_sent += n;
    return true;
  };
  std::vector<epoll_event> events(1024);
  char sink[4096];
  while (!stop_) {
    const int n = ::epoll_wait(epoll, events.data(), static_cast<int>(events.size()), 20);
    auto now = Clock::now();
    for (int k = 0; k < n; ++k) {
      Client& cl = clients[static_cast<size_t>(events[static_cast<size_t>(k)].data.u64)];
      if (cl.fd < 0) continue;
      if (cl.st == St::kConnecting) {
        if (SocketError(cl.fd) != 0) {
          ++c.connect_failures;
          close_client(cl, now + opts_.interval);
          continue;
        }
        cl.st = St::kSending;
        Watch(epoll, EPOLL_CTL_MOD, cl.fd, EPOLLIN | EPOLLRDHUP,
              static_cast<uint64_t>(&cl - clients.data()));
        if (cl.body && !send_step(cl)) {
          ++c.closed_by_server;
          close_client(cl, now + std::chrono::milliseconds(50));
          continue;
        }
        cl.next = now + opts_.interval;
        continue;
      }
      for (;;) {
        const ssize_t got = ::recv(cl.fd, sink, sizeof sink, 0);
        if (got > 0) {
          if (!cl.answered) ++c.answers;
          cl.answered = true;
          continue;
        }
        if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
        if (got < 0 && errno == EINTR) continue;
        ++c.closed_by_server;
        close_client(cl, now + std::chrono::milliseconds(50));  // and at once another
        break;
      }
    }
    now = Clock::now();
    for (size_t i = 0; i < clients.size(); ++i) {
      Client& cl = clients[i];
      if (cl.next > now || cl.st == St::kConnecting) continue;
      if (cl.st == St::kWaiting) {
        bool done = false;
        int err = 0;
        const std::string src =
            opts_.sources.empty() ? std::string() : opts_.sources[source++ % opts_.sources.size()];
        cl.fd = StartConnect(to, src, &done, &err);
        if (cl.fd < 0) {
          ++c.connect_failures;
          cl.next = now + opts_.interval;
          continue;
        }
        ++c.connections;
        ++c.open;
        cl.sent = 0;
        cl.answered = false;
        cl.st = done ? St::kSending : St::kConnecting;
        Watch(epoll, EPOLL_CTL_ADD, cl.fd, done ? EPOLLIN | EPOLLRDHUP : EPOLLOUT, i);
        if (!done) continue;
      }
      if (!send_step(cl)) {
        ++c.closed_by_server;
        close_client(cl, now + std::chrono::milliseconds(50));
        continue;
      }
      cl.next = std::max(cl.next + opts_.interval, now);
    }
    std::lock_guard lock(mu_);
    counts_ = c;
  }
  for (Client& cl : clients) {
    if (cl.fd >= 0) ::close(cl.fd);
  }
  ::close(epoll);
  std::lock_guard lock(mu_);
  counts_ = c;
  counts_.open = 0;
}

// ---- FireRequests ----

std::string RawRequest(std::string_view method, std::string_view target, std::string_view json_body,
                       std::string_view bearer) {
  std::string r;
  r.append(method).append(" ").append(target).append(
      " HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: guanxi-hostile\r\n");
  if (!bearer.empty()) r.append("Authorization: Bearer ").append(bearer).append("\r\n");
  if (!json_body.empty()) {
    r.append("Content-Type: application/json\r\nContent-Length: ")
        .append(std::to_string(json_body.size()))
        .append("\r\n");
  }
  r.append("Connection: close\r\n\r\n").append(json_body);
  return r;
}

std::vector<Answer> FireRequests(const std::string& host, uint16_t port,
                                 const std::vector<std::string>& requests, int concurrency,
                                 std::chrono::milliseconds timeout,
                                 const std::vector<std::string>& sources) {
  enum class St : uint8_t { kFree, kConnecting, kSending, kReading };
  struct Slot {
    int fd = -1;
    St st = St::kFree;
    size_t request = 0;
    size_t out = 0;  // bytes of the request sent
    std::string in;
    Clock::time_point start;
  };
  const sockaddr_in to = Address(host, port);
  std::vector<Answer> answers(requests.size());
  std::vector<Slot> slots(static_cast<size_t>(std::max(1, concurrency)));
  const int epoll = ::epoll_create1(EPOLL_CLOEXEC);
  if (epoll < 0) throw std::runtime_error(std::string("epoll_create1: ") + std::strerror(errno));
  const auto t0 = Clock::now();
  size_t next = 0, done = 0;
  const auto seconds = [](Clock::duration d) { return std::chrono::duration<double>(d).count(); };
  const auto finish = [&](Slot& s, std::string error) {
    Answer& a = answers[s.request];
    if (!error.empty() && a.status == 0 && a.error.empty()) a.error = std::move(error);
    a.seconds = seconds(Clock::now() - s.start);
    ::close(s.fd);
    s = Slot{};
    ++done;
  };
  // Sends what the socket takes; then waits for the answer.
  const auto pump_out = [&](Slot& s, size_t index) {
    const std::string& req = requests[s.request];
    while (s.out < req.size()) {
      const ssize_t n = ::send(s.fd, req.data() + s.out, req.size() - s.out, MSG_NOSIGNAL);
      if (n < 0) {
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) return;
        // The server may have answered and closed before taking the whole request (413 …).
        s.st = St::kReading;
        Watch(epoll, EPOLL_CTL_MOD, s.fd, EPOLLIN | EPOLLRDHUP, index);
        return;
      }
      s.out += static_cast<size_t>(n);
    }
    s.st = St::kReading;
    Watch(epoll, EPOLL_CTL_MOD, s.fd, EPOLLIN | EPOLLRDHUP, index);
  };
  const auto pump_in = [&](Slot& s) {
    char buf[16384];
    for (;;) {
      const ssize_t n = ::recv(s.fd, buf, sizeof buf, 0);
      if (n > 0) {
        s.in.append(buf, static_cast<size_t>(n));
        if (ParseAnswer(s.in, false, answers[s.request])) return finish(s, {});
        continue;
      }
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
      if (n < 0 && errno == EINTR) continue;
      const std::string why = n == 0 ? std::string() : std::strerror(errno);
      ParseAnswer(s.in, true, answers[s.request]);
      return finish(s, why.empty() ? "closed" : why);
    }
  };
  std::vector<epoll_event> events(1024);
  while (done < requests.size()) {
    for (size_t i = 0; i < slots.size() && next < requests.size(); ++i) {
      Slot& s = slots[i];
      if (s.st != St::kFree) continue;
      s.request = next++;
      s.start = Clock::now();
      answers[s.request].started = seconds(s.start - t0);
      bool connected = false;
      int err = 0;
      s.fd = StartConnect(to, sources.empty() ? std::string() : sources[s.request % sources.size()],
                          &connected, &err);
      if (s.fd < 0) {
        answers[s.request].error = std::string("connect: ") + std::strerror(err);
        s = Slot{};
        ++done;
        continue;
      }
      s.st = connected ? St::kSending : St::kConnecting;
      Watch(epoll, EPOLL_CTL_ADD, s.fd, EPOLLOUT | EPOLLIN | EPOLLRDHUP, i);
      if (connected) pump_out(s, i);
    }
    const int n = ::epoll_wait(epoll, events.data(), static_cast<int>(events.size()), 10);
    for (int k = 0; k < n; ++k) {
      const size_t i = static_cast<size_t>(events[static_cast<size_t>(k)].data.u64);
      Slot& s = slots[i];
      if (s.st == St::kFree) continue;
      if (s.st == St::kConnecting) {
        if (const int err = SocketError(s.fd); err != 0) {
          finish(s, std::string("connect: ") + std::strerror(err));
          continue;
        }
        s.st = St::kSending;
      }
      if (s.st == St::kSending) pump_out(s, i);
      if (s.st != St::kFree &&
          (events[static_cast<size_t>(k)].events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))) {
        pump_in(s);
      }
    }
    const auto now = Clock::now();
    for (Slot& s : slots) {
      if (s.st != St::kFree && now - s.start > timeout) finish(s, "timed out");
    }
  }
  ::close(epoll);
  return answers;
}

double MetricValue(std::string_view exposition, std::string_view name) {
  double sum = 0;
  bool found = false;
  size_t at = 0;
  while (at < exposition.size()) {
    size_t eol = exposition.find('\n', at);
    if (eol == std::string_view::npos) eol = exposition.size();
    const std::string_view line = exposition.substr(at, eol - at);
    at = eol + 1;
    if (line.size() <= name.size() || line.substr(0, name.size()) != name) continue;
    const char after = line[name.size()];
    if (after != ' ' && after != '{') continue;  // another metric whose name starts the same
    const size_t value_at = after == ' ' ? name.size() + 1 : line.find("} ");
    if (value_at == std::string_view::npos) continue;
    const std::string value(Trim(line.substr(after == ' ' ? value_at : value_at + 2)));
    sum += std::strtod(value.c_str(), nullptr);
    found = true;
  }
  return found ? sum : -1;
}

std::string ErrorCode(std::string_view body) {
  const size_t key = body.find("\"code\"");
  if (key == std::string_view::npos) return {};
  const size_t open = body.find('"', body.find(':', key));
  if (open == std::string_view::npos) return {};
  const size_t close = body.find('"', open + 1);
  if (close == std::string_view::npos) return {};
  return std::string(body.substr(open + 1, close - open - 1));
}

}  // namespace guanxi::test::hostile
