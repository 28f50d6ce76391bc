#pragma once
// `neural-sandbox serve` as a child process on a port chosen by the system: started, its URL read from
// its first line, stopped with SIGTERM or killed with SIGKILL (the crash the data folder must survive).
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "sandbox/CliProcess.h"

namespace nsb::remote::testing {

class ServerProcess {
 public:
  ServerProcess(const std::string& dataDir, std::vector<std::string> flags = {},
                const std::vector<std::pair<std::string, std::string>>& env = {}) {
    mErrPath = (std::filesystem::temp_directory_path() /
                ("nsb-serve-err-" + std::to_string(::getpid()) + "-" + std::to_string(serial()++)))
                   .string();
    int out[2];
    if (::pipe(out) != 0) return;
    mPid = ::fork();
    if (mPid == 0) {
      for (const auto& [name, value] : env) ::setenv(name.c_str(), value.c_str(), 1);
      const int err = ::open(mErrPath.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      ::dup2(out[1], STDOUT_FILENO);
      ::dup2(err, STDERR_FILENO);
      ::close(out[0]);
      // A free port unless the flags name one (a server started again on its port).
      std::vector<std::string> args = {NSB_CLI, "serve", "--data-dir", dataDir};
      if (std::find(flags.begin(), flags.end(), "--bind") == flags.end())
        args.insert(args.end(), {"--bind", "127.0.0.1:0"});
      args.insert(args.end(), flags.begin(), flags.end());
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      ::execv(NSB_CLI, argv.data());
      ::_exit(127);
    }
    ::close(out[1]);
    // The first line is the URL; a server that fails to start closes the pipe first. At most 30 s.
    std::string line;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (line.find('\n') == std::string::npos && std::chrono::steady_clock::now() < deadline) {
      pollfd p{out[0], POLLIN, 0};
      if (::poll(&p, 1, 100) <= 0) continue;
      char buffer[256];
      const ssize_t n = ::read(out[0], buffer, sizeof buffer);
      if (n <= 0) break;
      line.append(buffer, static_cast<std::size_t>(n));
    }
    ::close(out[0]);
    if (const auto end = line.find('\n'); end != std::string::npos) mUrl = line.substr(0, end);
  }

  ~ServerProcess() {
    if (mPid > 0) stop();
    std::filesystem::remove(mErrPath);
  }

  pid_t pid() const { return mPid; }
  // Empty when the server did not start (see err()).
  const std::string& url() const { return mUrl; }

  // SIGTERM, then at most 20 s for it to end (SIGKILL after that); its exit code.
  int stop() { return end(SIGTERM); }
  // SIGKILL: no chance to write anything.
  void kill() { end(SIGKILL); }

  std::string err() const {
    std::ifstream in(mErrPath);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }

 private:
  static int& serial() {
    static int n = 0;
    return n;
  }

  int end(int signal) {
    if (mPid <= 0) return -1;
    ::kill(mPid, signal);
    int status = 0;
    for (int i = 0; i < 200; ++i) {
      if (::waitpid(mPid, &status, WNOHANG) == mPid) {
        mPid = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ::kill(mPid, SIGKILL);
    ::waitpid(mPid, &status, 0);
    mPid = -1;
    return -1;
  }

  pid_t mPid = -1;
  std::string mUrl, mErrPath;
};

// A fresh folder under the temp directory, removed at the end of the test.
struct TempDir {
  std::filesystem::path path;
  TempDir() {
    path = std::filesystem::temp_directory_path() /
           ("nsb-remote-" + std::to_string(::getpid()) + "-" + std::to_string(counter()++));
    std::filesystem::remove_all(path);
    std::filesystem::create_directories(path);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  static int& counter() {
    static int n = 0;
    return n;
  }
};

}  // namespace nsb::remote::testing
