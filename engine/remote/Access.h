#pragma once
// Access: who may do what on a server. Two roles, each with its own token (a file of one line, at least
// MIN_TOKEN_CHARS hex or base64url characters): the owner uploads, trains, steers, downloads and deletes;
// a viewer only watches (GET routes but the checkpoint). A server without an owner token (loopback only)
// lets every request through. Tokens are compared in constant time.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/Result.h"
#include "remote/Reply.h"

namespace httplib {
struct Request;
}

namespace nsb::remote {

constexpr std::size_t MIN_TOKEN_CHARS = 32, MAX_TOKEN_CHARS = 512;
// The header with which client and server state their protocol (REMOTE_PROTOCOL) on every request and reply.
constexpr const char* PROTOCOL_HEADER = "X-Neural-Sandbox-Protocol";
// The variable `remote` reads a token from when --token-file is not given.
constexpr const char* TOKEN_ENVIRONMENT = "NEURAL_SANDBOX_TOKEN";

enum class Role { None, Viewer, Owner };

// A token file's text: one line (a final newline allowed) of MIN_TOKEN_CHARS to MAX_TOKEN_CHARS characters
// from [0-9A-Za-z_-]. Errors name `what` (the flag and file).
core::Result<std::string> parseToken(std::string_view text, const std::string& what);
core::Result<std::string> readTokenFile(const std::string& path, const std::string& flag);

// Equal strings, in a time that depends only on their lengths.
bool sameToken(std::string_view a, std::string_view b);

struct Tokens {
  std::string owner, viewer;  // empty: none

  // The role a request's token gives; everything when there is no owner token.
  Role roleOf(std::string_view presented) const;
};

// The role a route needs: None for GET /version, Viewer for the other GETs but a checkpoint, else Owner.
Role requiredRole(std::string_view method, std::string_view path);

// "Bearer TOKEN" from an Authorization header's value; empty when it is not one.
std::string_view bearerToken(std::string_view authorization);

// The server's gate, for every request before its body is read: a protocol (PROTOCOL_HEADER) other than
// `protocol` is 400, a token short of the route's role 401 (none or a wrong one) or 403 (a viewer
// steering; a token in a GET's ?token= only watches), a body over `maxBody` 413 (411 without a length) unless the route
// is an upload's. Empty: admitted.
std::optional<Reply> admit(const httplib::Request& req, const Tokens& tokens, std::uint32_t protocol,
                           std::size_t maxBody);

}  // namespace nsb::remote
