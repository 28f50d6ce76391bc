#pragma once
// neural-sandbox as a child process with environment variables of its own: started, waited for or
// killed, its stderr kept. For the tests that set NSB_MEMORY_BUDGET or the checkpoint kill hook.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace nsb::sandbox::testing {

struct Child {
  pid_t pid = -1;
  std::string errPath;
};

struct Finished {
  bool exited = false;  // else killed by `signal`
  int code = -1;
  int signal = 0;
  std::string err;
};

// Starts NSB_CLI with `args` and `env` added to this process's environment; stdout goes to /dev/null.
inline Child start(const std::vector<std::string>& args, const std::vector<std::pair<std::string, std::string>>& env) {
  static int serial = 0;
  Child child;
  child.errPath = (std::filesystem::temp_directory_path() /
                   ("nsb-child-err-" + std::to_string(::getpid()) + "-" + std::to_string(serial++)))
                      .string();
  child.pid = ::fork();
  if (child.pid == 0) {
    for (const auto& [name, value] : env) ::setenv(name.c_str(), value.c_str(), 1);
    const int out = ::open("/dev/null", O_WRONLY);
    const int err = ::open(child.errPath.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ::dup2(out, STDOUT_FILENO);
    ::dup2(err, STDERR_FILENO);
    std::vector<char*> argv{const_cast<char*>(NSB_CLI)};
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execv(NSB_CLI, argv.data());
    ::_exit(127);
  }
  return child;
}

inline Finished wait(const Child& child) {
  int status = 0;
  ::waitpid(child.pid, &status, 0);
  Finished f;
  f.exited = WIFEXITED(status);
  f.code = f.exited ? WEXITSTATUS(status) : -1;
  f.signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
  std::ifstream in(child.errPath);
  std::stringstream text;
  text << in.rdbuf();
  f.err = text.str();
  std::filesystem::remove(child.errPath);
  return f;
}

inline Finished runCli(const std::vector<std::string>& args,
                       const std::vector<std::pair<std::string, std::string>>& env = {}) {
  return wait(start(args, env));
}

inline int lineCount(const std::string& text) {
  int n = 0;
  for (char c : text) n += c == '\n';
  return n;
}

}  // namespace nsb::sandbox::testing
