#include "remote/Client.h"

#include <httplib.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <regex>

#include "remote/Access.h"
#include "remote/Server.h"
#include "remote/Wire.h"

namespace nsb::remote {

using nlohmann::json;

namespace {

// The server's answer as a result: its JSON, or its error line.
core::Result<json> answer(const std::string& url, const httplib::Result& result, const std::string& what) {
  if (!result) return core::runtimeError(url + ": " + what + ": " + httplib::to_string(result.error()));
  const json body = json::parse(result->body, nullptr, false);
  if (const auto protocol = result->get_header_value(PROTOCOL_HEADER);
      !protocol.empty() && protocol != std::to_string(REMOTE_PROTOCOL)) {
    return core::badInput(url + ": the server speaks protocol " + protocol.substr(0, 16) + ", this client " +
                          std::to_string(REMOTE_PROTOCOL) + "; use the same neural-sandbox version on both");
  }
  if (result->status >= 400) {
    std::string message = body.is_object() && body.contains("error") && body["error"].is_string()
                              ? body["error"].get<std::string>()
                              : "HTTP " + std::to_string(result->status);
    message = "server: " + message + " (HTTP " + std::to_string(result->status) + ")";
    return result->status < 500 ? core::badInput(message) : core::runtimeError(message);
  }
  if (body.is_discarded()) return core::runtimeError(url + ": " + what + ": the reply is not JSON");
  return body;
}

}  // namespace

core::Result<Client> Client::connect(const std::string& url, const ClientOptions& options) {
  static const std::regex pattern(R"(https?://[A-Za-z0-9.\-]+:[0-9]{1,5})");
  if (!std::regex_match(url, pattern)) {
    return core::badInput("--server " + url + ": expected http://HOST:PORT or https://HOST:PORT");
  }
  auto http = std::make_unique<httplib::Client>(url);
  if (!http->is_valid()) return core::badInput("--server " + url + ": not a valid address");
  http->set_default_headers({{PROTOCOL_HEADER, std::to_string(REMOTE_PROTOCOL)}});
  if (!options.token.empty()) http->set_bearer_token_auth(options.token);
  if (url.rfind("https", 0) == 0) {
    http->enable_server_certificate_verification(true);
    if (!options.caFile.empty()) http->set_ca_cert_path(options.caFile);
  }
  http->set_connection_timeout(5);
  http->set_read_timeout(options.readTimeout.count());
  return Client(url, std::move(http));
}

Client::Client(std::string url, std::unique_ptr<httplib::Client> http) : mUrl(std::move(url)), mHttp(std::move(http)) {}
Client::Client(Client&&) noexcept = default;
Client& Client::operator=(Client&&) noexcept = default;
Client::~Client() = default;

core::Result<json> Client::get(const std::string& path) { return answer(mUrl, mHttp->Get(path), "GET " + path); }

core::Result<json> Client::post(const std::string& path, const json& body) {
  return answer(mUrl, mHttp->Post(path, body.dump(), "application/json"), "POST " + path);
}

core::Result<json> Client::remove(const std::string& path) {
  return answer(mUrl, mHttp->Delete(path), "DELETE " + path);
}

core::Result<json> Client::upload(const std::vector<std::pair<std::string, std::string>>& parts) {
  // The server's limit, checked here: a refusal half-way through a large file would break the connection.
  auto version = get("/version");
  if (!version) return version.error();
  std::uint64_t total = 0;
  for (const auto& [part, path] : parts) {
    std::error_code ec;
    total += std::filesystem::file_size(path, ec);
  }
  if (const auto limit = version->value("max_upload", std::uint64_t{0}); limit != 0 && total > limit) {
    return core::badInput("upload: " + std::to_string(total) + " bytes, the server takes at most " +
                          std::to_string(limit) + " (its --max-upload)");
  }
  httplib::MultipartFormDataProviderItems items;
  for (const auto& [part, path] : parts) {
    auto file = std::make_shared<std::ifstream>(path, std::ios::binary);
    if (!*file) return core::badInput(path + ": cannot read");
    const std::string name = path.substr(path.find_last_of('/') == std::string::npos ? 0 : path.find_last_of('/') + 1);
    items.push_back({part,
                     [file](std::size_t, httplib::DataSink& sink) {
                       std::vector<char> buffer(1 << 16);
                       file->read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
                       const auto got = static_cast<std::size_t>(file->gcount());
                       if (got > 0 && !sink.write(buffer.data(), got)) return false;
                       if (file->eof()) sink.done();
                       return !file->bad();
                     },
                     name, "application/octet-stream"});
  }
  return answer(mUrl, mHttp->Post("/datasets", {}, {}, items), "POST /datasets");
}

core::Result<std::string> Client::download(const std::string& path, std::map<std::string, std::string>* headers) {
  auto result = mHttp->Get(path);
  if (result && result->status == 200) {
    if (headers) {
      headers->clear();
      for (const auto& [name, value] : result->headers) headers->emplace(name, value);
    }
    return std::move(result->body);
  }
  auto error = answer(mUrl, result, "GET " + path);
  return error ? core::runtimeError(mUrl + ": GET " + path + ": no data") : error.error();
}

namespace {

// A stream's end: the server's error line for a 4xx/5xx (its body collected in `errorBody`), else why it ended.
core::Status streamEnd(const std::string& url, const std::string& path, int status, const std::string& errorBody,
                       const httplib::Result& result) {
  if (status >= 400) {
    const json body = json::parse(errorBody, nullptr, false);
    std::string message = body.is_object() && body.contains("error") && body["error"].is_string()
                              ? body["error"].get<std::string>()
                              : "HTTP " + std::to_string(status);
    message = "server: " + message + " (HTTP " + std::to_string(status) + ")";
    return status < 500 ? core::Status(core::badInput(message)) : core::Status(core::runtimeError(message));
  }
  if (!result) return core::runtimeError(url + ": GET " + path + ": " + httplib::to_string(result.error()));
  return core::runtimeError(url + ": GET " + path + ": the stream ended");
}

}  // namespace

core::Status Client::follow(const std::string& path, std::chrono::milliseconds timeout, std::size_t maxBytes,
                            const std::function<Taken(std::string& pending)>& take) {
  std::string pending;  // bytes received and not yet taken
  Taken last = Taken::More;
  bool timedOut = false;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  int status = 0;
  std::string errorBody;
  auto result = mHttp->Get(
      path,
      [&](const httplib::Response& response) {
        status = response.status;
        return true;
      },
      [&](const char* data, std::size_t length) {
        if (status >= 400) {
          errorBody.append(data, std::min<std::size_t>(length, 4096));
          return true;
        }
        if (timeout.count() > 0 && std::chrono::steady_clock::now() > deadline) {
          timedOut = true;
          return false;
        }
        pending.append(data, length);
        last = take(pending);
        return last == Taken::More;
      });
  if (last == Taken::Stop) return core::Ok{};
  if (timedOut) {
    return core::runtimeError(mUrl + ": GET " + path + ": no end after " + std::to_string(timeout.count()) + " ms");
  }
  if (last == Taken::TooLong)
    return core::runtimeError(mUrl + ": GET " + path + ": a frame over " + std::to_string(maxBytes) + " bytes");
  return streamEnd(mUrl, path, status, errorBody, result);
}

core::Status Client::stream(const std::string& path, const std::function<bool(const json&)>& onFrame,
                            std::chrono::milliseconds timeout) {
  constexpr std::size_t MAX_EVENT_BYTES = std::size_t{1} << 20;
  return follow(path, timeout, MAX_EVENT_BYTES, [&](std::string& pending) {
    // Events end with a blank line; only "data:" lines carry a frame (":" lines keep the stream alive).
    for (std::size_t end; (end = pending.find("\n\n")) != std::string::npos;) {
      const std::string event = pending.substr(0, end);
      pending.erase(0, end + 2);
      if (event.rfind("data: ", 0) != 0) continue;
      const json frame = json::parse(event.substr(6), nullptr, false);
      if (frame.is_discarded()) continue;
      if (!onFrame(frame)) return Taken::Stop;
    }
    return pending.size() < MAX_EVENT_BYTES ? Taken::More : Taken::TooLong;
  });
}

core::Status Client::frames(const std::string& path, const std::function<bool(std::string_view)>& onFrame,
                            std::chrono::milliseconds timeout) {
  return follow(path, timeout, MAX_FRAME_BYTES, [&](std::string& pending) {
    std::size_t at = 0;
    Taken taken = Taken::More;
    while (taken == Taken::More && pending.size() - at >= 4) {
      std::uint32_t size = 0;
      std::memcpy(&size, pending.data() + at, 4);  // little-endian, as the hosts this runs on
      if (size > MAX_FRAME_BYTES) return Taken::TooLong;
      if (pending.size() - at - 4 < size) break;
      if (!onFrame(std::string_view(pending).substr(at + 4, size))) taken = Taken::Stop;
      at += 4 + std::size_t{size};
    }
    pending.erase(0, at);
    return taken;
  });
}

void Client::cancel() { mHttp->stop(); }

}  // namespace nsb::remote
