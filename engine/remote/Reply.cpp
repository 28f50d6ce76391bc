#include "remote/Reply.h"

#include <httplib.h>

namespace nsb::remote {

void reply(httplib::Response& res, int status, const nlohmann::json& body) {
  res.status = status;
  res.set_content(body.dump() + "\n", "application/json");
}

void reply(httplib::Response& res, const Reply& answer) { reply(res, answer.status, answer.body); }

void replyError(httplib::Response& res, int status, const std::string& message) {
  reply(res, errorReply(status, message));
}

}  // namespace nsb::remote
