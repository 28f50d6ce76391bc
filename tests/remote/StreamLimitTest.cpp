// `serve --max-rate`: a stream capped far below its frames' bandwidth delivers at most cap * time plus
// one frame, while the job trains on. Bounded: 3 s of stream, 20 s at most for the job to start.
#include <gtest/gtest.h>
#include <httplib.h>

#include <chrono>
#include <thread>

#include "ServerProcess.h"
#include "remote/Client.h"

namespace nsb::remote {
namespace {

using nlohmann::json;
using testing::ServerProcess;
using testing::TempDir;

json smallJob() {
  return {{"preset", "spiral"}, {"backend", "cpu"}, {"points", 500},    {"features", "x1,x2"},
          {"seed", 7},          {"epochs", 100000}, {"hidden", {8, 8}}, {"steps-per-submit", 4}};
}

std::uint64_t stepOf(Client& client, const std::string& id) {
  auto s = client.get("/jobs/" + id);
  return s ? s->value("step", std::uint64_t{0}) : 0;
}

struct Received {
  std::uint64_t bytes = 0, frames = 0, largestFrame = 0;
  double seconds = 0;
};

// Reads the stream for `seconds`, counting its bytes and its frames ("data:" events).
Received readStream(const std::string& url, const std::string& path, double seconds) {
  Received r;
  httplib::Client http(url);
  http.set_read_timeout(5);
  std::string pending;
  const auto start = std::chrono::steady_clock::now();
  auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(); };
  http.Get(path, [&](const char* data, std::size_t length) {
    r.bytes += length;
    pending.append(data, length);
    for (std::size_t end; (end = pending.find("\n\n")) != std::string::npos;) {
      if (pending.rfind("data: ", 0) == 0) {
        ++r.frames;
        r.largestFrame = std::max<std::uint64_t>(r.largestFrame, end + 2);
      }
      pending.erase(0, end + 2);
    }
    return elapsed() < seconds;
  });
  r.seconds = elapsed();
  return r;
}

TEST(StreamLimit, ACappedViewerGetsAtMostTheCapAndTheJobTrainsOn) {
  constexpr std::uint64_t CAP = 2048;  // bytes a second: a frame of this job is about 3 KiB, 10 a second
  TempDir dir;
  ServerProcess server(dir.path.string(), {"--max-rate", "2k"});
  ASSERT_FALSE(server.url().empty()) << server.err();
  auto client = Client::connect(server.url());
  ASSERT_TRUE(client) << client.message();
  auto created = client->post("/jobs", smallJob());
  ASSERT_TRUE(created) << created.message();
  const std::string id = created->value("job", "");
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (stepOf(*client, id) == 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  const auto stepBefore = stepOf(*client, id);
  ASSERT_GT(stepBefore, 0u);

  const Received r = readStream(server.url(), "/jobs/" + id + "/stream", 3.0);
  ASSERT_GE(r.frames, 1u) << "no frame in " << r.seconds << " s";
  EXPECT_LE(static_cast<double>(r.bytes), CAP * r.seconds + static_cast<double>(r.largestFrame))
      << r.frames << " frames in " << r.seconds << " s";
  // Under the cap's frames, not the 10 a second the job publishes: frames were skipped, not queued.
  EXPECT_LT(static_cast<double>(r.frames), 10.0 * r.seconds / 2);
  EXPECT_GT(stepOf(*client, id), stepBefore) << "the job stopped training";
  EXPECT_EQ(server.stop(), 0) << server.err();
}

TEST(StreamLimit, ARateThatIsNotASizeIsRefused) {
  TempDir dir;
  ServerProcess server(dir.path.string(), {"--max-rate", "fast"});
  EXPECT_TRUE(server.url().empty());
  EXPECT_EQ(server.stop(), 2);
  EXPECT_NE(server.err().find("--max-rate"), std::string::npos) << server.err();
}

}  // namespace
}  // namespace nsb::remote
