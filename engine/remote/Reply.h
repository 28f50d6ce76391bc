#pragma once
// Reply: a route's answer before it is written: its HTTP status and JSON body ({"error": "one line"} for
// a 4xx/5xx), for the parts of the server that decide without touching httplib's Response; and the
// routes' one way to write a JSON answer into that Response.
#include <nlohmann/json.hpp>
#include <string>

namespace httplib {
struct Response;
}

namespace nsb::remote {

struct Reply {
  int status = 200;
  nlohmann::json body;
};

inline Reply errorReply(int status, std::string message) { return {status, {{"error", std::move(message)}}}; }

// Writes `body` (one line of JSON) with `status` into `res`.
void reply(httplib::Response& res, int status, const nlohmann::json& body);
void reply(httplib::Response& res, const Reply& answer);
void replyError(httplib::Response& res, int status, const std::string& message);

}  // namespace nsb::remote
