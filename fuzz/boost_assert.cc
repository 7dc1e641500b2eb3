// BOOST_ASSERT's handler for the fuzz targets (the `fuzz` preset defines BOOST_ENABLE_ASSERT_HANDLER
// for every file, so all agree): a failed Boost assertion aborts, as without a handler, except one
// that Boost itself got wrong. Beast 1.81's parser asserts that a final chunk is re-read with at
// least 5 bytes, but a client may send "0\r\n" and then "\r" alone (4 bytes); the code after the
// assertion handles that correctly (it asks for more), and Beast removed the assertion in 2024
// (boostorg/beast pull request 2861). Release builds define NDEBUG and never check it.
#include <boost/assert.hpp>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace boost {

void assertion_failed(char const* expr, char const* function, char const* file, long line) {
  if (std::strcmp(expr, "n >= 5") == 0 && std::strstr(function, "parse_chunk_header") != nullptr) return;
  std::fprintf(stderr, "%s:%ld: %s: Boost assertion `%s' failed.\n", file, line, function, expr);
  std::abort();
}

void assertion_failed_msg(char const* expr, char const* msg, char const* function, char const* file, long line) {
  std::fprintf(stderr, "%s:%ld: %s: Boost assertion `%s' failed: %s\n", file, line, function, expr, msg);
  std::abort();
}

}  // namespace boost
