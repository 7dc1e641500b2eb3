// JSON has no Infinity or NaN, yet boost::json::serialize writes a non-finite double as a bare
// word (`"naive":Infinity`, issue #18) that no client can parse. Every JSON the designer sends out
// (calculators, lint, simulation reports, over HTTP or from `guanxi`) passes this check first; a
// non-finite number is a bug, answered as one rather than sent. Thread-safe: a pure function.
#pragma once

#include <boost/json/value.hpp>
#include <optional>
#include <string>

namespace guanxi::sim {

// Where the first Infinity or NaN in `v` is ("generations[3].naive"; "" for `v` itself), or
// nullopt when every number is finite.
std::optional<std::string> FindNonFinite(const boost::json::value& v);

}  // namespace guanxi::sim
