// docs/openapi.yaml against the router: every route AddShopRoutes registers is documented with its
// method, and the document names no route the router does not have. The YAML is read line by line
// (no YAML library): under the top-level `paths:` key, a path is a line "  /…:" at two spaces of
// indent and an operation is a line "    get:" (post, put, …) at four spaces under it.
#include <algorithm>
#include <cctype>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "http/api_fixture.h"

namespace guanxi::test {
namespace {

using Operation = std::pair<std::string, std::string>;  // lower-case method, path pattern

struct ParsedPaths {
  std::vector<Operation> operations;  // in document order
  std::vector<std::string> errors;    // lines in `paths:` the simple reader does not understand
};

size_t Indent(const std::string& line) {
  size_t n = 0;
  while (n < line.size() && line[n] == ' ') ++n;
  return n;
}

ParsedPaths ParseOpenApiPaths(const std::string& text) {
  static const std::set<std::string> kMethods = {"get", "put", "post", "delete", "options", "head", "patch", "trace"};
  ParsedPaths out;
  std::istringstream in(text);
  std::string line;
  bool in_paths = false;
  std::string path;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const size_t indent = Indent(line);
    if (indent == line.size() || line[indent] == '#') continue;  // blank or comment
    if (indent == 0) {
      in_paths = line == "paths:";
      path.clear();
      continue;
    }
    if (!in_paths) continue;
    if (indent == 2) {
      if (line[2] != '/' || line.back() != ':') {
        out.errors.push_back("line " + std::to_string(number) + ": expected \"  /path:\": " + line);
        path.clear();
        continue;
      }
      path = line.substr(2, line.size() - 3);
    } else if (indent == 4 && !path.empty()) {
      const std::string key = line.substr(4, line.find(':') == std::string::npos ? std::string::npos : line.find(':') - 4);
      if (kMethods.count(key) != 0) {
        if (line != "    " + key + ":") {
          out.errors.push_back("line " + std::to_string(number) + ": an operation opens a block: " + line);
        }
        out.operations.emplace_back(key, path);
      }
      // Other keys at this level (parameters, summary …) belong to the path item.
    }
  }
  return out;
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string Describe(const Operation& op) {
  std::string m = op.first;
  for (char& c : m) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return m + " " + op.second;
}

// The reader itself, on a small document: a test of the parser, so a broken parser cannot make the
// real comparison pass vacuously.
TEST(OpenApiReader, FindsPathsAndMethodsOnlyUnderPaths) {
  const std::string doc =
      "openapi: 3.0.3\n"
      "info:\n"
      "  /not-a-path:\n"
      "    get:\n"
      "paths:\n"
      "  # a comment\n"
      "  /a:\n"
      "    get:\n"
      "      summary: x\n"
      "      responses:\n"
      "        \"200\": {description: ok}\n"
      "    post:\n"
      "      parameters:\n"
      "        - name: get\n"
      "  /a/{id}/b:\n"
      "    parameters: []\n"
      "    put:\n"
      "components:\n"
      "  schemas:\n"
      "    get:\n";
  const ParsedPaths p = ParseOpenApiPaths(doc);
  EXPECT_TRUE(p.errors.empty());
  const std::vector<Operation> want = {{"get", "/a"}, {"post", "/a"}, {"put", "/a/{id}/b"}};
  EXPECT_EQ(p.operations, want);
}

class OpenApiTest : public ApiTest {};

TEST_F(OpenApiTest, DocumentsEveryRouteAndNoOther) {
  const std::string path = std::string(GUANXI_SOURCE_DIR) + "/docs/openapi.yaml";
  const std::string text = ReadText(path);
  ASSERT_FALSE(text.empty()) << "cannot read " << path;
  const ParsedPaths doc = ParseOpenApiPaths(text);
  for (const std::string& e : doc.errors) ADD_FAILURE() << path << " " << e;

  std::set<Operation> documented;
  for (const Operation& op : doc.operations) {
    EXPECT_TRUE(documented.insert(op).second) << Describe(op) << " is documented twice";
  }
  std::set<Operation> registered;
  for (const http::Router::Route& r : router_->routes()) {
    registered.emplace(Lower(std::string(boost::beast::http::to_string(r.method))), r.pattern);
  }
  ASSERT_GT(registered.size(), 40u) << "AddShopRoutes registered suspiciously few routes";

  for (const Operation& op : registered) {
    EXPECT_TRUE(documented.count(op) != 0) << Describe(op) << " is registered by AddShopRoutes but not in " << path;
  }
  for (const Operation& op : documented) {
    EXPECT_TRUE(registered.count(op) != 0) << Describe(op) << " is in " << path << " but no such route is registered";
  }
}

}  // namespace
}  // namespace guanxi::test
