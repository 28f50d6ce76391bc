// Recorder: ffmpeg runs as a child process started with posix_spawn and an argument vector (no shell,
// so nothing in a path is ever interpreted), the output named as "file:PATH" so that a path that looks
// like an option or a protocol stays a file. Its standard input is one end of a socket pair, written
// with MSG_NOSIGNAL: if ffmpeg dies the write fails instead of raising SIGPIPE in the editor. Its
// standard error is read while writing (poll), so that neither side can wait on the other. The frames go
// in as rgb0: the alpha byte is ignored (a GIF would otherwise take it for transparency).
#include "ui/Recorder.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <vector>

extern char** environ;

namespace nsb::ui {
namespace {

std::string lowerExtension(const std::string& path) {
  std::string ext = std::filesystem::path(path).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return ext;
}

// The folder a file goes to ("." for a bare name), and whether we may write there.
core::Status writableFolder(const std::string& path) {
  std::filesystem::path folder = std::filesystem::path(path).parent_path();
  if (folder.empty()) folder = ".";
  std::error_code ec;
  if (!std::filesystem::is_directory(folder, ec)) return core::badInput(path + ": no folder " + folder.string());
  if (::access(folder.c_str(), W_OK) != 0) return core::badInput(path + ": cannot write in " + folder.string());
  return core::Ok{};
}

// The process's umask, read without changing it (umask() would, for a moment, for every thread).
mode_t processUmask() {
  std::FILE* status = std::fopen("/proc/self/status", "r");
  unsigned mask = 022;
  if (status) {
    char line[256];
    while (std::fgets(line, sizeof line, status)) {
      if (std::sscanf(line, "Umask: %o", &mask) == 1) break;
    }
    std::fclose(status);
  }
  return static_cast<mode_t>(mask);
}

}  // namespace

bool Recorder::isVideo(const std::string& path) {
  const std::string ext = lowerExtension(path);
  return ext == ".mp4" || ext == ".gif";
}

std::string Recorder::findFfmpeg() {
  const char* path = std::getenv("PATH");
  if (!path) return {};
  std::string entries = path;
  std::size_t begin = 0;
  while (begin <= entries.size()) {
    std::size_t end = entries.find(':', begin);
    if (end == std::string::npos) end = entries.size();
    const std::string folder = end > begin ? entries.substr(begin, end - begin) : ".";
    const std::string candidate = folder + "/ffmpeg";
    struct stat st {};
    if (::stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(candidate.c_str(), X_OK) == 0) {
      return candidate;
    }
    begin = end + 1;
  }
  return {};
}

core::Result<std::unique_ptr<Recorder>> Recorder::frames(const std::string& folder) {
  if (folder.empty()) return core::badInput("no folder named for the frames");
  std::error_code ec;
  std::filesystem::create_directories(folder, ec);
  if (ec || !std::filesystem::is_directory(folder)) {
    return core::badInput(folder + ": cannot make the folder" + (ec ? " (" + ec.message() + ")" : ""));
  }
  if (::access(folder.c_str(), W_OK) != 0) return core::badInput(folder + ": cannot write in the folder");
  std::unique_ptr<Recorder> recorder(new Recorder());
  recorder->mKind = RecordingKind::Frames;
  recorder->mPath = folder;
  return recorder;
}

core::Result<std::unique_ptr<Recorder>> Recorder::video(const std::string& path, double fps) {
  const std::string ext = lowerExtension(path);
  if (ext != ".mp4" && ext != ".gif") return core::badInput(path + ": a video is .mp4 or .gif");
  if (!(fps >= 1.0 && fps <= 240.0)) return core::badInput("frames a second must be between 1 and 240");
  std::unique_ptr<Recorder> recorder(new Recorder());
  recorder->mFfmpeg = findFfmpeg();
  if (recorder->mFfmpeg.empty()) {
    return core::runtimeError(
        path +
        ": a video needs ffmpeg (Debian package ffmpeg, which third_party/install.sh "
        "installs) and there is none on PATH; PNG frames (--record DIR, or a folder in File > Record) "
        "need no ffmpeg");
  }
  NSB_TRY(writableFolder(path));
  // The temporary file is made now: a folder that cannot take the file fails before any frame.
  const std::filesystem::path target(path);
  std::string hidden = target.filename().string();
  hidden.insert(0, 1, '.');
  hidden.append(".part-XXXXXX");
  const std::string pattern = (target.parent_path() / hidden).string();
  std::vector<char> name(pattern.begin(), pattern.end());
  name.push_back('\0');
  const int fd = ::mkstemp(name.data());
  if (fd < 0) return core::badInput(path + ": cannot write the file (" + std::strerror(errno) + ")");
  ::fchmod(fd, 0666 & ~processUmask());  // mkstemp's 0600 is for the temporary name only
  ::close(fd);
  recorder->mKind = ext == ".mp4" ? RecordingKind::Mp4 : RecordingKind::Gif;
  recorder->mPath = path;
  recorder->mTemporary = name.data();
  recorder->mFps = fps;
  return recorder;
}

core::Result<std::unique_ptr<Recorder>> Recorder::open(const std::string& path, double fps) {
  return isVideo(path) ? video(path, fps) : frames(path);
}

Recorder::~Recorder() {
  if (!mDone && mKind != RecordingKind::Frames) abandon("");
}

core::Status Recorder::startFfmpeg(std::uint32_t width, std::uint32_t height) {
  int input[2] = {-1, -1}, errors[2] = {-1, -1};
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, input) != 0 || ::pipe2(errors, O_CLOEXEC) != 0) {
    for (int fd : {input[0], input[1], errors[0], errors[1]})
      if (fd >= 0) ::close(fd);
    return abandon("cannot make a pipe to ffmpeg");
  }
  char size[32], rate[32];
  std::snprintf(size, sizeof size, "%ux%u", width, height);
  std::snprintf(rate, sizeof rate, "%g", mFps);
  std::vector<std::string> args{mFfmpeg,      "-hide_banner", "-nostdin", "-loglevel", "error",       "-y",
                                "-f",         "rawvideo",     "-pix_fmt", "rgb0",      "-video_size", size,
                                "-framerate", rate,           "-i",       "pipe:0"};
  if (mKind == RecordingKind::Mp4) {
    // yuv420p (what players and slide software take) halves the chroma: the size must be even.
    for (const char* a : {"-vf", "pad=ceil(iw/2)*2:ceil(ih/2)*2", "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt",
                          "yuv420p", "-movflags", "+faststart", "-f", "mp4"})
      args.emplace_back(a);
  } else {
    // One palette made from all the frames, then applied: far fewer bands than GIF's default palette.
    for (const char* a : {"-vf", "split[a][b];[a]palettegen[p];[b][p]paletteuse", "-f", "gif"}) args.emplace_back(a);
  }
  args.push_back("file:" + mTemporary);
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, input[1], STDIN_FILENO);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, errors[1], STDERR_FILENO);
  const int spawned = ::posix_spawn(&mChild, mFfmpeg.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(input[1]);
  ::close(errors[1]);
  mInput = input[0];
  mErrors = errors[0];
  if (spawned != 0) {
    mChild = -1;
    return abandon(std::string("cannot start ffmpeg (") + std::strerror(spawned) + ")");
  }
  ::fcntl(mErrors, F_SETFL, ::fcntl(mErrors, F_GETFL) | O_NONBLOCK);
  mWidth = width;
  mHeight = height;
  return core::Ok{};
}

void Recorder::readFfmpegErrors(bool wait) {
  if (mErrors < 0) return;
  char buffer[4096];
  for (;;) {
    if (wait) {
      pollfd p{mErrors, POLLIN, 0};
      if (::poll(&p, 1, -1) < 0 && errno != EINTR) return;
    }
    const ssize_t n = ::read(mErrors, buffer, sizeof buffer);
    if (n > 0) {
      mErrorText.append(buffer, static_cast<std::size_t>(n));
      if (mErrorText.size() > 8192) mErrorText.erase(0, mErrorText.size() - 4096);  // the end says what went wrong
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN && wait) continue;
    return;  // the end of its output, or nothing more for now
  }
}

std::string Recorder::ffmpegSays() const {
  // Its last non-empty line, on one line of ours.
  std::string text = mErrorText;
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) text.pop_back();
  const auto start = text.find_last_of("\r\n");
  return start == std::string::npos ? text : text.substr(start + 1);
}

core::Status Recorder::writeToFfmpeg(const std::uint8_t* data, std::size_t size) {
  while (size > 0) {
    pollfd p[2] = {{mInput, POLLOUT, 0}, {mErrors, POLLIN, 0}};
    if (::poll(p, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return abandon("cannot write to ffmpeg");
    }
    if (p[1].revents) readFfmpegErrors(false);
    if (!(p[0].revents & (POLLOUT | POLLERR | POLLHUP))) continue;
    const ssize_t n = ::send(mInput, data, size, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      readFfmpegErrors(true);  // its reason, up to its exit
      return abandon("ffmpeg stopped");
    }
    data += n;
    size -= static_cast<std::size_t>(n);
  }
  return core::Ok{};
}

core::Status Recorder::add(const render::Image& frame) {
  if (mDone) return core::runtimeError(mPath + ": the recording is over");
  if (frame.width == 0 || frame.height == 0) return core::Ok{};
  if (mKind == RecordingKind::Frames) {
    char name[32];
    std::snprintf(name, sizeof name, "frame-%06llu.png", static_cast<unsigned long long>(mFrames + 1));
    NSB_TRY(render::writePng((std::filesystem::path(mPath) / name).string(), frame));
    ++mFrames;
    return core::Ok{};
  }
  if (mChild < 0) NSB_TRY(startFfmpeg(frame.width, frame.height));
  if (frame.width == mWidth && frame.height == mHeight) {
    NSB_TRY(writeToFfmpeg(frame.rgba.data(), frame.rgba.size()));
  } else {
    // A resized window: the picture in the top-left corner of the first size, black around it.
    std::vector<std::uint8_t> fitted(std::size_t{mWidth} * mHeight * 4, 0);
    const std::uint32_t w = std::min(mWidth, frame.width), h = std::min(mHeight, frame.height);
    for (std::uint32_t y = 0; y < h; ++y) {
      std::memcpy(&fitted[std::size_t{y} * mWidth * 4], frame.pixel(0, y), std::size_t{w} * 4);
    }
    NSB_TRY(writeToFfmpeg(fitted.data(), fitted.size()));
  }
  ++mFrames;
  return core::Ok{};
}

core::Status Recorder::finish() {
  if (mDone) return core::Ok{};
  if (mKind == RecordingKind::Frames) {
    mDone = true;
    return core::Ok{};
  }
  if (mChild < 0) return abandon("no frames were recorded");
  ::close(mInput);  // the end of the input: ffmpeg writes the rest and exits
  mInput = -1;
  readFfmpegErrors(true);
  int status = 0;
  while (::waitpid(mChild, &status, 0) < 0 && errno == EINTR) {
  }
  mChild = -1;
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return abandon("ffmpeg failed");
  std::error_code ec;
  std::filesystem::rename(mTemporary, mPath, ec);
  if (ec) return abandon("cannot write the file (" + ec.message() + ")");
  ::close(mErrors);
  mErrors = -1;
  mDone = true;
  return core::Ok{};
}

core::Error Recorder::abandon(const std::string& why) {
  mDone = true;
  if (mInput >= 0) ::close(mInput);
  mInput = -1;
  if (mChild > 0) {
    ::kill(mChild, SIGTERM);
    int status = 0;
    while (::waitpid(mChild, &status, 0) < 0 && errno == EINTR) {
    }
    mChild = -1;
  }
  if (mErrors >= 0) {
    readFfmpegErrors(false);
    ::close(mErrors);
    mErrors = -1;
  }
  if (!mTemporary.empty()) {
    std::error_code ignored;
    std::filesystem::remove(mTemporary, ignored);
  }
  const std::string said = ffmpegSays();
  return core::runtimeError(mPath + ": " + why + (said.empty() ? "" : ": " + said));
}

}  // namespace nsb::ui
