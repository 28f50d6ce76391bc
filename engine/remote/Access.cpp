#include "remote/Access.h"

#include <httplib.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace nsb::remote {

core::Result<std::string> parseToken(std::string_view text, const std::string& what) {
  if (!text.empty() && text.back() == '\n') text.remove_suffix(1);
  if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
  if (text.size() < MIN_TOKEN_CHARS || text.size() > MAX_TOKEN_CHARS) {
    return core::badInput(what + ": a token is one line of " + std::to_string(MIN_TOKEN_CHARS) + " to " +
                          std::to_string(MAX_TOKEN_CHARS) +
                          " hex or base64url characters (e.g. `openssl rand -hex 32`)");
  }
  for (const char c : text) {
    const bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' || c == '_';
    if (!ok) return core::badInput(what + ": a token holds only hex or base64url characters (0-9 A-Z a-z - _)");
  }
  return std::string(text);
}

core::Result<std::string> readTokenFile(const std::string& path, const std::string& flag) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return core::badInput(flag + " " + path + ": cannot read");
  std::string text(MAX_TOKEN_CHARS + 3, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  return parseToken(text, flag + " " + path);
}

bool sameToken(std::string_view a, std::string_view b) {
  // Every byte of the longer is looked at, whatever differs first.
  const std::size_t n = std::max(a.size(), b.size());
  unsigned char differ = a.size() == b.size() ? 0 : 1;
  for (std::size_t i = 0; i < n; ++i) {
    const auto x = static_cast<unsigned char>(i < a.size() ? a[i] : 0);
    const auto y = static_cast<unsigned char>(i < b.size() ? b[i] : 0);
    differ |= static_cast<unsigned char>(x ^ y);
  }
  return differ == 0;
}

Role Tokens::roleOf(std::string_view presented) const {
  if (owner.empty()) return Role::Owner;
  if (presented.empty()) return Role::None;
  if (sameToken(presented, owner)) return Role::Owner;
  if (!viewer.empty() && sameToken(presented, viewer)) return Role::Viewer;
  return Role::None;
}

Role requiredRole(std::string_view method, std::string_view path) {
  if (method == "GET" && path == "/version") return Role::None;
  const bool checkpoint = path.size() >= 11 && path.substr(path.size() - 11) == "/checkpoint";
  if ((method == "GET" || method == "HEAD") && !checkpoint) return Role::Viewer;
  return Role::Owner;
}

std::string_view bearerToken(std::string_view authorization) {
  constexpr std::string_view PREFIX = "Bearer ";
  if (authorization.substr(0, PREFIX.size()) != PREFIX) return {};
  return authorization.substr(PREFIX.size());
}

std::optional<Reply> admit(const httplib::Request& req, const Tokens& tokens, std::uint32_t protocol,
                           std::size_t maxBody) {
  if (const auto theirs = req.get_header_value(PROTOCOL_HEADER);
      !theirs.empty() && theirs != std::to_string(protocol)) {
    return errorReply(400, "protocol: the client speaks version " + theirs.substr(0, 16) + ", this server " +
                               std::to_string(protocol) + "; use the same neural-sandbox version on both");
  }
  const Role needed = requiredRole(req.method, req.path);
  if (needed != Role::None) {
    const std::string authorization = req.get_header_value("Authorization");
    std::string_view token = bearerToken(authorization);
    // A browser opening a watch page cannot set a header: a GET may carry the token as ?token=, and it
    // only ever watches that way (a URL ends up in histories and logs).
    const std::string query = req.method == "GET" && token.empty() ? req.get_param_value("token") : std::string();
    if (!query.empty()) token = query;
    Role role = tokens.roleOf(token);
    if (!query.empty() && role == Role::Owner && !tokens.owner.empty()) role = Role::Viewer;
    if (role == Role::None) {
      return errorReply(401,
                        token.empty() ? "request: this server needs a token (--token-file)" : "request: wrong token");
    }
    if (role == Role::Viewer && needed == Role::Owner) {
      return errorReply(403, "request: a viewer token only watches; " + req.method + " " + req.path.substr(0, 64) +
                                 " needs the owner's");
    }
  }
  // Only an upload streams a large body; any other is read whole, so it is refused before.
  const bool upload = req.method == "POST" && req.path == "/datasets";
  if (!upload && req.has_header("Transfer-Encoding"))
    return errorReply(411, "request: send a body with its Content-Length");
  if (!upload && std::strtoull(req.get_header_value("Content-Length").c_str(), nullptr, 10) > maxBody) {
    return errorReply(413, "request: the body is over " + std::to_string(maxBody) + " bytes");
  }
  return std::nullopt;
}

}  // namespace nsb::remote
