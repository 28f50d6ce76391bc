#pragma once
// Recorder: a recording of the editor's frames for slides, written as the frames come: a PNG per frame in
// a folder (frame-000001.png, ...), or a video through Debian's ffmpeg, fed raw RGBA on its standard input
// (H.264 in yuv420p, odd sizes padded to even; or a GIF with a palette made from its own frames). A video
// is written to a temporary file beside it and renamed once ffmpeg has finished, so that a failed
// recording leaves no file. UI thread only.
#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>

#include "core/Result.h"
#include "render/Image.h"

namespace nsb::ui {

inline constexpr double DEFAULT_RECORDING_FPS = 30.0;

enum class RecordingKind { Frames, Mp4, Gif };

class Recorder {
 public:
  // A folder of PNGs (made if missing); bad input when it cannot be made or written.
  static core::Result<std::unique_ptr<Recorder>> frames(const std::string& folder);
  // A video, its kind by the extension (.mp4 or .gif; bad input otherwise). A runtime error when ffmpeg
  // is not on PATH, bad input when the file's folder cannot be written. ffmpeg starts with the first
  // frame, whose size the video takes.
  static core::Result<std::unique_ptr<Recorder>> video(const std::string& path, double fps);
  // A path ending in .mp4 or .gif: a video; anything else: a folder of PNGs (File > Record).
  static core::Result<std::unique_ptr<Recorder>> open(const std::string& path, double fps);
  static bool isVideo(const std::string& path);
  // ffmpeg's full path when it is on PATH, else empty.
  static std::string findFfmpeg();

  ~Recorder();  // an unfinished video: ffmpeg stopped, the temporary file removed
  Recorder(const Recorder&) = delete;
  Recorder& operator=(const Recorder&) = delete;

  // Writes one frame. A video's later frames of another size (a resized window) are cropped or padded
  // to the first one's. After an error the recording is over (its temporary file removed).
  core::Status add(const render::Image& frame);
  // Ends the recording: a video waits for ffmpeg and takes its final name.
  core::Status finish();
  std::uint64_t frameCount() const { return mFrames; }
  const std::string& path() const { return mPath; }
  RecordingKind kind() const { return mKind; }

 private:
  Recorder() = default;
  core::Status startFfmpeg(std::uint32_t width, std::uint32_t height);
  core::Status writeToFfmpeg(const std::uint8_t* data, std::size_t size);
  void readFfmpegErrors(bool wait);
  // Stops ffmpeg and removes the temporary file; `why` as the error (ffmpeg's own last line added).
  core::Error abandon(const std::string& why);
  std::string ffmpegSays() const;

  RecordingKind mKind = RecordingKind::Frames;
  std::string mPath;  // the folder or the video file
  std::string mTemporary;
  std::string mFfmpeg;
  double mFps = DEFAULT_RECORDING_FPS;
  std::uint64_t mFrames = 0;
  std::uint32_t mWidth = 0, mHeight = 0;
  pid_t mChild = -1;
  int mInput = -1;   // ffmpeg's standard input (a socket: a write after ffmpeg died fails, no SIGPIPE)
  int mErrors = -1;  // ffmpeg's standard error
  std::string mErrorText;
  bool mDone = false;
};

}  // namespace nsb::ui
