// What the fuzz targets share: reading the repository's files (plans) at start-up, a scratch
// directory, and a check that stops the run with a message libFuzzer records beside the input.
#pragma once

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <sys/types.h>
#include <unistd.h>

namespace guanxi::fuzz {

// A file of the source tree (GUANXI_SOURCE_DIR), e.g. "plans/chain-2plus1-699.toml". Aborts when it
// is missing: a target without its fixture would fuzz nothing.
inline std::string SourceFile(const std::string& relative) {
  const std::string path = std::string(GUANXI_SOURCE_DIR) + "/" + relative;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "fuzz: cannot read %s\n", path.c_str());
    std::abort();
  }
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A property the input broke: print it and abort, so that libFuzzer keeps the input as a crash.
[[noreturn]] inline void Fail(std::string_view what) {
  std::fprintf(stderr, "fuzz: property violated: %.*s\n", static_cast<int>(what.size()), what.data());
  std::abort();
}

inline void Check(bool ok, std::string_view what) {
  if (!ok) Fail(what);
}

// A fresh directory for one process's files: on tmpfs (/dev/shm) when there is one, where a commit's
// fsync costs nothing, so a target that writes runs at the speed of its code rather than of the disk.
inline std::filesystem::path ScratchDir(const std::string& name) {
  std::filesystem::path base = std::filesystem::exists("/dev/shm") ? std::filesystem::path("/dev/shm")
                                                                   : std::filesystem::temp_directory_path();
  const std::string prefix = "guanxi-" + name + "-";
  // A run that crashed (abort skips the atexit clean-up) left its directory: those of processes that
  // are gone are removed here.
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(base, ec)) {
    const std::string file = entry.path().filename().string();
    if (!file.starts_with(prefix)) continue;
    const long pid = std::strtol(file.c_str() + prefix.size(), nullptr, 10);
    if (pid > 0 && ::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH) {
      std::filesystem::remove_all(entry.path(), ec);
    }
  }
  std::filesystem::path dir = base / (prefix + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

}  // namespace guanxi::fuzz
