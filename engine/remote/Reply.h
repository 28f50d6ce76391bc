#pragma once
// Reply: a route's answer before it is written: its HTTP status and JSON body ({"error": "one line"} for
// a 4xx/5xx), for the parts of the server that decide without touching httplib's Response.
#include <nlohmann/json.hpp>
#include <string>

namespace nsb::remote {

struct Reply {
  int status = 200;
  nlohmann::json body;
};

inline Reply errorReply(int status, std::string message) { return {status, {{"error", std::move(message)}}}; }

}  // namespace nsb::remote
