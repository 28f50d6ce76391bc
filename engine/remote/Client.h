#pragma once
// Client: the other end of Server (remote/Server.h), for `neural-sandbox remote` and the tests. Each call
// is one HTTP request; the server's JSON errors come back as errors: 4xx as bad input with the server's
// one line, 5xx and a server that cannot be reached as runtime errors.
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/Result.h"

namespace httplib {
class Client;
}

namespace nsb::remote {

struct ClientOptions {
  std::string token;   // sent as "Authorization: Bearer" on every request; empty: none
  std::string caFile;  // https: the PEM certificate(s) to trust; empty: the system's
  // A request that receives nothing this long fails (a stream's keep-alives come every second).
  std::chrono::seconds readTimeout{60};  // a download waits for the session's checkpoint
};

class Client {
 public:
  // `url`: http://HOST:PORT or https://HOST:PORT (what `serve` prints). Bad input naming --server when
  // it is not one. Every request carries the protocol version (remote/Access.h: PROTOCOL_HEADER).
  static core::Result<Client> connect(const std::string& url, const ClientOptions& options = {});
  Client(Client&&) noexcept;
  Client& operator=(Client&&) noexcept;
  ~Client();

  core::Result<nlohmann::json> get(const std::string& path);
  core::Result<nlohmann::json> post(const std::string& path, const nlohmann::json& body = nlohmann::json::object());
  core::Result<nlohmann::json> remove(const std::string& path);
  // POST /datasets: each (part, file) streamed from disk as a multipart part (remote/Uploads.h).
  core::Result<nlohmann::json> upload(const std::vector<std::pair<std::string, std::string>>& parts);
  // The body as bytes (a checkpoint, a dataset); with `headers`, the reply's headers too, named as the
  // server sent them (e.g. "X-NSB-Dataset-Version").
  core::Result<std::string> download(const std::string& path, std::map<std::string, std::string>* headers = nullptr);
  // Reads a Server-Sent Events stream, calling onFrame with each frame's JSON until it returns false
  // (Ok then), the stream ends (a runtime error: the connection was lost or closed) or, when `timeout`
  // is not zero, that time has passed (a runtime error; the server's keep-alives let it be noticed).
  core::Status stream(const std::string& path, const std::function<bool(const nlohmann::json&)>& onFrame,
                      std::chrono::milliseconds timeout = std::chrono::milliseconds(0));
  // Reads a stream of binary frames (GET /jobs/ID/frames: each a 4-byte little-endian length, then that
  // many bytes, at most MAX_FRAME_BYTES), calling onFrame with each frame's bytes until it returns false
  // (Ok then); a keep-alive (length 0, about every second) calls it with an empty view, so that a caller
  // can stop within a second even when no frame comes. Ends otherwise as stream() does. One request at
  // a time per Client: a stream holds it, so commands go through another Client.
  core::Status frames(const std::string& path, const std::function<bool(std::string_view)>& onFrame,
                      std::chrono::milliseconds timeout = std::chrono::milliseconds(0));
  // Any thread: ends the request in flight (it returns an error); the client can be used again.
  void cancel();

 private:
  // What a stream's parser did with the bytes received: wants more, was told to stop, or met a frame too long.
  enum class Taken { More, Stop, TooLong };
  // GET `path` as a stream, handing the bytes not yet taken to `take` as they come (stream, frames);
  // TooLong ends it with an error naming `maxBytes`.
  core::Status follow(const std::string& path, std::chrono::milliseconds timeout, std::size_t maxBytes,
                      const std::function<Taken(std::string& pending)>& take);
  Client(std::string url, std::unique_ptr<httplib::Client> http);
  std::string mUrl;
  std::unique_ptr<httplib::Client> mHttp;
};

}  // namespace nsb::remote
