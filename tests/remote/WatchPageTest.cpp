// The watch page: its pages, frames and curves over plain HTTP, and the page in a real browser
// (headless Chromium, Debian's chromium; skipped where it is not installed). A real `serve` on a free
// loopback port; every wait bounded.
#include <gtest/gtest.h>
#include <httplib.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <thread>

#include "ServerProcess.h"
#include "remote/Client.h"

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wconversion"
#pragma GCC diagnostic ignored "-Wsign-conversion"
#pragma GCC diagnostic ignored "-Wdouble-promotion"
#pragma GCC diagnostic ignored "-Wcast-qual"
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#pragma GCC diagnostic ignored "-Wuseless-cast"
#define STB_IMAGE_IMPLEMENTATION
#define STBI_ONLY_PNG
#define STBI_ONLY_JPEG
#include <stb_image.h>
#pragma GCC diagnostic pop

namespace nsb::remote {
namespace {

using nlohmann::json;
using testing::ServerProcess;
using testing::TempDir;

json smallJob() {
  return {{"preset", "spiral"}, {"backend", "cpu"}, {"points", 500},    {"features", "x1,x2"},
          {"seed", 7},          {"epochs", 100000}, {"hidden", {8, 8}}, {"steps-per-submit", 4}};
}

struct Picture {
  int width = 0, height = 0;
  std::vector<unsigned char> rgb;  // 3 bytes a pixel

  // The standard deviation of the pixels' grey levels in [x0, x1) x [y0, y1): near 0 for a flat area.
  double spread(int x0, int y0, int x1, int y1) const {
    double sum = 0, squares = 0, n = 0;
    for (int y = y0; y < y1; ++y) {
      for (int x = x0; x < x1; ++x) {
        const auto* p =
            &rgb[(static_cast<std::size_t>(y) * static_cast<std::size_t>(width) + static_cast<std::size_t>(x)) * 3];
        const double grey = (p[0] + p[1] + p[2]) / 3.0;
        sum += grey;
        squares += grey * grey;
        ++n;
      }
    }
    const double mean = sum / n;
    return std::sqrt(std::max(0.0, squares / n - mean * mean));
  }
  // Pixels in the area that differ from `other`'s by more than a JPEG's noise.
  int changed(const Picture& other, int x0, int y0, int x1, int y1) const {
    int n = 0;
    for (int y = y0; y < y1; ++y) {
      for (int x = x0; x < x1; ++x) {
        const std::size_t i =
            (static_cast<std::size_t>(y) * static_cast<std::size_t>(width) + static_cast<std::size_t>(x)) * 3;
        int d = 0;
        for (int c = 0; c < 3; ++c) d += std::abs(int{rgb[i + c]} - int{other.rgb[i + c]});
        if (d > 24) ++n;
      }
    }
    return n;
  }
};

std::optional<Picture> decode(const std::string& bytes) {
  Picture p;
  int channels = 0;
  unsigned char* pixels = stbi_load_from_memory(reinterpret_cast<const unsigned char*>(bytes.data()),
                                                static_cast<int>(bytes.size()), &p.width, &p.height, &channels, 3);
  if (!pixels) return std::nullopt;
  p.rgb.assign(pixels, pixels + static_cast<std::size_t>(p.width) * static_cast<std::size_t>(p.height) * 3);
  stbi_image_free(pixels);
  return p;
}

std::string createJob(const ServerProcess& server) {
  auto client = Client::connect(server.url());
  EXPECT_TRUE(client) << (client ? "" : client.message());
  if (!client) return "";
  auto created = client->post("/jobs", smallJob());
  EXPECT_TRUE(created) << (created ? "" : created.message());
  return created ? created->value("job", "") : "";
}

TEST(WatchPage, PagesFramesAndCurves) {
  TempDir dir;
  ServerProcess server(dir.path.string(), {"--watch-fps", "4"});
  ASSERT_FALSE(server.url().empty()) << server.err();
  const std::string job = createJob(server);
  ASSERT_FALSE(job.empty());
  httplib::Client http(server.url());
  http.set_read_timeout(30, 0);
  const httplib::Headers browser = {{"Accept", "text/html,application/xhtml+xml,*/*;q=0.8"}};

  // The list and the job's page for a browser; the same job's URL still answers a client with JSON.
  auto index = http.Get("/", browser);
  ASSERT_TRUE(index);
  EXPECT_EQ(index->status, 200);
  EXPECT_NE(index->get_header_value("Content-Type").find("text/html"), std::string::npos);
  EXPECT_NE(index->body.find("fetch(\"/jobs\""), std::string::npos);
  auto page = http.Get("/jobs/" + job, browser);
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 200);
  EXPECT_NE(page->body.find("/jobs/" + job + "/frame"), std::string::npos);
  EXPECT_EQ(page->body.find("{{"), std::string::npos) << "a placeholder was left in the page";
  auto status = http.Get("/jobs/" + job);
  ASSERT_TRUE(status);
  EXPECT_EQ(json::parse(status->body).value("job", ""), job);
  auto missing = http.Get("/jobs/zz9", browser);
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);
  EXPECT_EQ(http.Get("/jobs/zz9/frame")->status, 404);

  // A frame: the editor's views drawn by the server, not a flat picture; a later one differs.
  auto first = http.Get("/jobs/" + job + "/frame");
  ASSERT_TRUE(first);
  ASSERT_EQ(first->status, 200) << first->body << server.err();
  EXPECT_EQ(first->get_header_value("Content-Type"), "image/jpeg");
  const auto a = decode(first->body);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->width, 960);
  EXPECT_EQ(a->height, 540);
  EXPECT_GT(a->spread(0, 0, a->width, a->height), 10.0);
  const auto n1 = std::stoull(first->get_header_value("X-Frame"));
  std::this_thread::sleep_for(std::chrono::seconds(2));
  auto second = http.Get("/jobs/" + job + "/frame");
  ASSERT_TRUE(second);
  const auto b = decode(second->body);
  ASSERT_TRUE(b);
  const auto n2 = std::stoull(second->get_header_value("X-Frame"));
  EXPECT_GT(n2, n1);
  EXPECT_GT(b->changed(*a, 0, 0, a->width, a->height), 100);

  // Drawn only while someone fetches: 3 s after the last request (WATCH_IDLE) it stops; at 4 frames a
  // second 7 s unwatched would otherwise draw about 28.
  std::this_thread::sleep_for(std::chrono::seconds(7));
  auto later = http.Get("/jobs/" + job + "/frame");
  ASSERT_TRUE(later);
  const auto n3 = std::stoull(later->get_header_value("X-Frame"));
  EXPECT_LE(n3 - n2, 3u * 4u + 2u) << "frames were drawn with nobody watching";

  // The curves: the points after a step; a bad step is refused.
  auto curves = http.Get("/jobs/" + job + "/curves");
  ASSERT_TRUE(curves);
  ASSERT_EQ(curves->status, 200);
  const json all = json::parse(curves->body);
  ASSERT_FALSE(all["points"].empty());
  EXPECT_EQ(all["points"][0].size(), 4u);
  const auto lastStep = all["points"].back()[0].get<std::uint64_t>();
  const json after = json::parse(http.Get("/jobs/" + job + "/curves?since=" + std::to_string(lastStep))->body);
  for (const auto& p : after["points"]) EXPECT_GT(p[0].get<std::uint64_t>(), lastStep);
  EXPECT_EQ(http.Get("/jobs/" + job + "/curves?since=-1")->status, 400);
  EXPECT_EQ(server.stop(), 0) << server.err();
}

// Chromium's path, or empty when it is not installed (test.sh installs it).
std::string chromium() {
  for (const char* path : {"/usr/bin/chromium", "/usr/bin/chromium-browser"}) {
    if (std::filesystem::exists(path)) return path;
  }
  return "";
}

// Headless Chromium loads `url` and writes a screenshot (--screenshot) or prints the DOM (--dump-dom,
// into `out`). Its load completes only when the page's first frame has come (the <img>); the virtual
// time budget then lets the page's scripts run their first requests. At most 90 s.
bool runChromium(const std::string& url, const std::string& mode, const std::filesystem::path& out,
                 const std::filesystem::path& profile) {
  const std::string command = "timeout 90 " + chromium() +
                              " --headless --no-sandbox --disable-gpu --hide-scrollbars --no-first-run"
                              " --window-size=1280,720 --virtual-time-budget=3000 --user-data-dir=" +
                              profile.string() + " " + mode + " '" + url + "' > " +
                              (mode == "--dump-dom" ? out.string() : "/dev/null") + " 2>/dev/null";
  return std::system(command.c_str()) == 0;
}

std::string readFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(WatchPage, ChromiumShowsTheLiveFrame) {
  if (chromium().empty()) GTEST_SKIP() << "chromium is not installed (third_party/install.sh --test installs it)";
  TempDir dir;
  ServerProcess server((dir.path / "data").string());
  ASSERT_FALSE(server.url().empty()) << server.err();
  const std::string job = createJob(server);
  ASSERT_FALSE(job.empty());
  const std::string url = server.url() + "/jobs/" + job;

  const auto shot = [&](const std::string& name) -> std::optional<Picture> {
    const auto path = dir.path / (name + ".png");
    const std::string mode = "--screenshot=" + path.string();
    if (!runChromium(url, mode, path, dir.path / "profile")) return std::nullopt;
    return decode(readFile(path));
  };
  const auto a = shot("a");
  ASSERT_TRUE(a) << "chromium wrote no screenshot";
  ASSERT_EQ(a->width, 1280);
  // The frame's area (960 x 540 at the top left, job.html) shows the views, not a flat area.
  EXPECT_GT(a->spread(0, 0, 960, 540), 10.0);
  std::this_thread::sleep_for(std::chrono::seconds(3));
  const auto b = shot("b");
  ASSERT_TRUE(b);
  EXPECT_GT(b->changed(*a, 0, 0, 960, 540), 100) << "two screenshots 3 s apart show the same frame";

  // The page's scripts ran: the status line filled from GET /jobs/ID.
  ASSERT_TRUE(runChromium(url, "--dump-dom", dir.path / "dom.html", dir.path / "profile"));
  EXPECT_NE(readFile(dir.path / "dom.html").find("running, step"), std::string::npos);
  EXPECT_EQ(server.stop(), 0) << server.err();
}

}  // namespace
}  // namespace nsb::remote
