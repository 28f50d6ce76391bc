#pragma once
// Runs the built neural-sandbox (NSB_CLI) with arguments through the shell, keeping its exit code,
// standard output and standard error, and the result line of a --json command. Shared by the CLI tests;
// CliProcess.h runs it without a shell, with a changed environment, and can kill it.
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "CliProcess.h"  // lineCount

namespace nsb::sandbox::testing {

struct CliRun {
  int code = -1;
  std::string out, err;
};

// `environment`: VAR=value words set for this run only (through env).
inline CliRun run(const std::string& args, const std::string& environment = "") {
  const auto errPath = std::filesystem::temp_directory_path() / ("nsb-cli-err-" + std::to_string(::getpid()));
  const std::string command =
      (environment.empty() ? "" : "env " + environment + " ") + NSB_CLI + " " + args + " 2>" + errPath.string();
  CliRun r;
  FILE* pipe = ::popen(command.c_str(), "r");
  std::array<char, 4096> buffer{};
  while (std::fgets(buffer.data(), buffer.size(), pipe)) r.out += buffer.data();
  const int status = ::pclose(pipe);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  std::ifstream in(errPath);
  std::stringstream s;
  s << in.rdbuf();
  r.err = s.str();
  std::filesystem::remove(errPath);
  return r;
}

// The last non-empty line of `out`, parsed as JSON (a --json command's result).
inline nlohmann::json lastJsonLine(const std::string& out) {
  std::istringstream lines(out);
  std::string line, last;
  while (std::getline(lines, line)) {
    if (!line.empty()) last = line;
  }
  return nlohmann::json::parse(last);
}

}  // namespace nsb::sandbox::testing
