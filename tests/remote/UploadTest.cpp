// Uploads end to end: the seed's seven steps through `neural-sandbox remote` (upload, train, download,
// eval on the server and here, against a local `train`), and every way an upload can be refused: a bad
// file (the loader's one line, naming the client's file), a wrong set of parts, --max-upload,
// --max-disk, a body cut off half-way. A refused upload leaves nothing in the data folder.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <chrono>
#include <cstdint>
#include <fstream>
#include <thread>

#include "ServerProcess.h"
#include "remote/Client.h"
#include "remote/JobSpec.h"
#include "remote/Uploads.h"
#include "remote/Wire.h"
#include "sandbox/CliRun.h"

namespace nsb::remote {
namespace {

using nlohmann::json;
using sandbox::testing::lastJsonLine;
using sandbox::testing::lineCount;
using sandbox::testing::run;
using testing::ServerProcess;
using testing::TempDir;
namespace fs = std::filesystem;

void writeIdx(const fs::path& path, const std::vector<std::uint32_t>& dims, const std::vector<std::uint8_t>& data) {
  std::ofstream out(path, std::ios::binary);
  const std::uint8_t magic[4] = {0, 0, 8, static_cast<std::uint8_t>(dims.size())};
  out.write(reinterpret_cast<const char*>(magic), 4);
  for (const auto d : dims) {
    const std::uint8_t be[4] = {static_cast<std::uint8_t>(d >> 24), static_cast<std::uint8_t>(d >> 16),
                                static_cast<std::uint8_t>(d >> 8), static_cast<std::uint8_t>(d)};
    out.write(reinterpret_cast<const char*>(be), 4);
  }
  out.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
}

// A small MNIST-like set named as MNIST's files are: 8x8 images of four classes (a bright quadrant
// each, with noise), 300 for training and 100 for the test.
void writeImages(const fs::path& dir) {
  std::uint32_t state = 12345;
  auto next = [&] { return (state = state * 1664525u + 1013904223u) >> 24; };
  for (const auto& [split, count] : {std::pair{"train", 300u}, std::pair{"t10k", 100u}}) {
    std::vector<std::uint8_t> pixels, labels;
    for (std::uint32_t i = 0; i < count; ++i) {
      const auto label = static_cast<std::uint8_t>(next() % 4);
      labels.push_back(label);
      for (int r = 0; r < 8; ++r) {
        for (int c = 0; c < 8; ++c) {
          const bool on = (r / 4) * 2 + c / 4 == label;
          pixels.push_back(static_cast<std::uint8_t>((on ? 180 : 20) + next() % 60));
        }
      }
    }
    writeIdx(dir / (std::string(split) + "-images-idx3-ubyte"), {count, 8, 8}, pixels);
    writeIdx(dir / (std::string(split) + "-labels-idx1-ubyte"), {count}, labels);
  }
}

std::string idxFiles(const fs::path& dir) {
  std::string files;
  for (const char* name :
       {"train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"}) {
    files += ' ';
    files += (dir / name).string();
  }
  return files;
}

std::size_t uploadsOnDisk(const fs::path& dataDir) {
  std::size_t n = 0;
  for (const auto& entry : fs::directory_iterator(dataDir / "datasets")) n += entry.is_directory() ? 1 : 0;
  return n;
}

TEST(RemoteUpload, TheSevenStepsGiveTheAccuracyOfALocalRun) {
  TempDir dir;
  writeImages(dir.path);
  ServerProcess server((dir.path / "data").string());
  ASSERT_FALSE(server.url().empty()) << server.err();
  const std::string at = " --server " + server.url();

  // 1. Upload the training data and the test data: one dataset.
  const auto uploaded = run("remote upload" + idxFiles(dir.path) + " --json" + at);
  ASSERT_EQ(uploaded.code, 0) << uploaded.err;
  const json info = lastJsonLine(uploaded.out);
  const std::string dataset = info.value("dataset", "");
  ASSERT_TRUE(isDatasetId(dataset)) << uploaded.out;
  EXPECT_EQ(info.value("train", 0), 300);
  EXPECT_EQ(info.value("test", 0), 100);
  EXPECT_EQ(info.value("features", 0), 64);

  // 2-4. Initialise the network there, train it (one epoch), validating as it goes.
  const std::string flags = " --preset mnist-mlp --hidden 16 --epochs 1 --seed 3 --backend cpu --json";
  const auto trained = run("remote train --dataset " + dataset + flags + at);
  ASSERT_EQ(trained.code, 0) << trained.err;
  const json job = lastJsonLine(trained.out);
  EXPECT_EQ(job.value("state", ""), "done");
  const std::string id = job.value("job", "");
  ASSERT_TRUE(job["test_accuracy"].is_number()) << trained.out;

  // 5. Download the trained model.
  const auto model = dir.path / "model.safetensors";
  const auto downloaded = run("remote download " + id + " --out " + model.string() + " --json" + at);
  ASSERT_EQ(downloaded.code, 0) << downloaded.err;

  // 6-7. Evaluate there on the uploaded test data, and here on the same files.
  const auto remoteEval = run("remote eval " + id + " --dataset " + dataset + " --json" + at);
  ASSERT_EQ(remoteEval.code, 0) << remoteEval.err;
  const auto localEval = run("eval --checkpoint " + model.string() + " --dataset " +
                             (dir.path / "train-images-idx3-ubyte").string() + " --backend cpu --json");
  ASSERT_EQ(localEval.code, 0) << localEval.err;
  const auto local = run("train --dataset " + (dir.path / "train-images-idx3-ubyte").string() + flags);
  ASSERT_EQ(local.code, 0) << local.err;

  const json r = lastJsonLine(remoteEval.out), e = lastJsonLine(localEval.out), l = lastJsonLine(local.out);
  EXPECT_EQ(r.value("samples", 0), 100);
  // The same weights, test data and backend on one machine: the same counts and the same sums.
  EXPECT_EQ(r["test_accuracy"], e["test_accuracy"]) << r.dump() << e.dump();
  EXPECT_EQ(r["test_accuracy"], l["test_accuracy"]) << r.dump() << l.dump();
  EXPECT_EQ(r["test_accuracy"], job["test_accuracy"]);
  EXPECT_EQ(r["test_loss"], e["test_loss"]);
  EXPECT_EQ(r["test_loss"], l["test_loss"]);

  // An upload a job uses cannot go; once the job is gone, it can, and its folder with it.
  const auto busy = run("remote rm " + dataset + at);
  EXPECT_EQ(busy.code, 2);
  EXPECT_NE(busy.err.find("used by job " + id), std::string::npos) << busy.err;
  ASSERT_EQ(run("remote rm " + id + at).code, 0);
  const auto removed = run("remote rm " + dataset + at);
  ASSERT_EQ(removed.code, 0) << removed.err;
  EXPECT_FALSE(fs::exists(dir.path / "data" / "datasets" / dataset));
  const auto gone = run("remote train --dataset " + dataset + " --detach" + at);
  EXPECT_EQ(gone.code, 2);
  EXPECT_NE(gone.err.find("dataset: no upload " + dataset), std::string::npos) << gone.err;
}

TEST(RemoteUpload, ACsvUploadTrainsAndABadOneGetsTheLoadersLineNamingTheClientsFile) {
  TempDir dir;
  {
    std::ofstream good(dir.path / "points.csv"), bad(dir.path / "bad.csv");
    good << "a,b,label\n";
    for (int i = 0; i < 200; ++i) good << (i % 7) * 0.1 << "," << (i % 5) * 0.2 << "," << (i % 2) << "\n";
    bad << "a,b,label\n1,2,0\n3,x,1\n";
  }
  ServerProcess server((dir.path / "data").string());
  ASSERT_FALSE(server.url().empty()) << server.err();
  const std::string at = " --server " + server.url();
  const auto refused = run("remote upload " + (dir.path / "bad.csv").string() + at);
  EXPECT_EQ(refused.code, 2);
  // The same words as `train --dataset bad.csv`, with the client's name for the file.
  const auto local = run("train --dataset " + (dir.path / "bad.csv").string());
  const auto what = local.err.find("bad.csv:3: column 2");
  ASSERT_NE(what, std::string::npos) << local.err;
  EXPECT_NE(refused.err.find("server: " + local.err.substr(what, local.err.find('\n') - what)), std::string::npos)
      << refused.err << " vs " << local.err;
  EXPECT_EQ(refused.err.find("datasets/"), std::string::npos) << "the server's path leaked: " << refused.err;
  EXPECT_EQ(lineCount(refused.err), 1) << refused.err;
  EXPECT_EQ(uploadsOnDisk(dir.path / "data"), 0u);

  const auto uploaded = run("remote upload " + (dir.path / "points.csv").string() + " --json" + at);
  ASSERT_EQ(uploaded.code, 0) << uploaded.err;
  const std::string dataset = lastJsonLine(uploaded.out).value("dataset", "");
  const auto trained = run("remote train --dataset " + dataset + " --preset xor --epochs 2 --backend cpu --json" + at);
  ASSERT_EQ(trained.code, 0) << trained.err;
  EXPECT_EQ(lastJsonLine(trained.out).value("state", ""), "done");

  // An attached editor's copy of the data names the upload by its id and the client's file, never the
  // server's path to it.
  auto client = Client::connect(server.url());
  ASSERT_TRUE(client) << client.message();
  auto bytes = client->download("/jobs/" + lastJsonLine(trained.out).value("job", "") + "/dataset");
  ASSERT_TRUE(bytes) << bytes.message();
  auto data = decodeDataset(bytes.value());
  ASSERT_TRUE(data) << data.message();
  EXPECT_EQ(data.value()->source, "upload " + dataset + " (points.csv)");
  EXPECT_EQ(bytes->find((dir.path / "data").string()), std::string::npos) << "the server's path leaked";
}

// A multipart upload of (part, bytes) through httplib, as the status code itself is the point.
std::pair<int, json> upload(const std::string& url, const httplib::MultipartFormDataItems& items) {
  httplib::Client http(url);
  auto result = http.Post("/datasets", items);
  if (!result) return {0, json()};
  return {result->status, json::parse(result->body, nullptr, false)};
}

TEST(RemoteUpload, RefusedUploadsGetTheRight4xxAndLeaveNothingBehind) {
  TempDir dir;
  writeImages(dir.path);
  std::ifstream imagesFile(dir.path / "train-images-idx3-ubyte", std::ios::binary);
  const std::string images((std::istreambuf_iterator<char>(imagesFile)), {});
  ASSERT_EQ(images.size(), 16u + 300u * 64u);
  // Quota: the data folder may hold 30,000 bytes; one upload 25,000.
  ServerProcess server((dir.path / "data").string(), {"--max-upload", "25000", "--max-disk", "30000"});
  ASSERT_FALSE(server.url().empty()) << server.err();
  const std::string labels(308, '\0');

  const struct {
    httplib::MultipartFormDataItems items;
    int status;
    std::string says;
  } cases[] = {
      {{{"passwd", "x", "../../etc/passwd", ""}}, 400, "unknown part '"},
      {{{"train-images", images, "a", ""}}, 400, "upload: expected csv, or train-images and train-labels"},
      {{{"csv", "a,b\n1,2\n", "x.csv", ""}, {"train-images", images, "a", ""}}, 400, "upload: expected"},
      {{{"csv", "a,b\n", "x.csv", ""}, {"csv", "a,b\n", "y.csv", ""}}, 400, "given twice"},
      {{{"train-images", images, "imgs", ""}, {"train-labels", labels, "lbls", ""}}, 400, "lbls"},
      {{{"train-images", images + images, "big", ""}}, 413, "--max-upload"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.says);
    const auto [status, body] = upload(server.url(), c.items);
    EXPECT_EQ(status, c.status) << body.dump();
    ASSERT_TRUE(body.is_object() && body["error"].is_string()) << body.dump();
    EXPECT_NE(body["error"].get<std::string>().find(c.says), std::string::npos) << body.dump();
    EXPECT_EQ(uploadsOnDisk(dir.path / "data"), 0u);
  }
  // Not multipart, or a Content-Length over the limit before a byte of it is read.
  httplib::Client http(server.url());
  auto plain = http.Post("/datasets", "a,b\n1,2\n", "text/csv");
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->status, 400);

  // The first upload fits the quota; the second would pass it: 507, and the first stays.
  std::ifstream labelsFile(dir.path / "train-labels-idx1-ubyte", std::ios::binary);
  const std::string realLabels((std::istreambuf_iterator<char>(labelsFile)), {});
  const httplib::MultipartFormDataItems pair = {{"train-images", images, "i", ""},
                                                {"train-labels", realLabels, "l", ""}};
  const auto [first, firstBody] = upload(server.url(), pair);
  ASSERT_EQ(first, 201) << firstBody.dump();
  const auto [second, secondBody] = upload(server.url(), pair);
  EXPECT_EQ(second, 507) << secondBody.dump();
  EXPECT_NE(secondBody.dump().find("--max-disk"), std::string::npos) << secondBody.dump();
  EXPECT_EQ(uploadsOnDisk(dir.path / "data"), 1u);

  // Cut off half-way: the headers promise 20,000 bytes, 5,000 come, the connection closes.
  const int port = std::stoi(server.url().substr(server.url().rfind(':') + 1));
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  const std::string head =
      "POST /datasets HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: multipart/form-data; boundary=XyZ\r\n"
      "Content-Length: 20000\r\n\r\n--XyZ\r\nContent-Disposition: form-data; name=\"csv\"; filename=\"a.csv\"\r\n\r\n";
  std::string partial = head + std::string(5000, '1');
  ASSERT_EQ(::send(fd, partial.data(), partial.size(), MSG_NOSIGNAL), static_cast<ssize_t>(partial.size()));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_EQ(uploadsOnDisk(dir.path / "data"), 2u) << "the upload was not being written as it came";
  // Two under way (this one and another that sent its headers only): a third waits its turn, 503.
  const int other = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_EQ(::connect(other, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  ASSERT_GT(::send(other, head.data(), head.size(), MSG_NOSIGNAL), 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  const auto [busy, busyBody] = upload(server.url(), pair);
  EXPECT_EQ(busy, 503) << busyBody.dump();
  EXPECT_TRUE(Client::connect(server.url())->get("/datasets")) << "control requests starved by uploads";
  ::close(other);
  ::close(fd);
  bool cleaned = false;
  for (int i = 0; i < 100 && !cleaned; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    cleaned = uploadsOnDisk(dir.path / "data") == 1u;
  }
  EXPECT_TRUE(cleaned) << "the cut-off upload stayed in the data folder";
  auto list = Client::connect(server.url())->get("/datasets");
  ASSERT_TRUE(list);
  EXPECT_EQ((*list)["datasets"].size(), 1u);
  // Path-like ids never reach the file system.
  for (const std::string path : {"/datasets/..%2F..%2Fetc", "/datasets/ds..", "/datasets/ds0123456789ab"}) {
    auto removed = http.Delete(path);
    ASSERT_TRUE(removed);
    EXPECT_EQ(removed->status, 404) << path;
  }
  EXPECT_EQ(server.stop(), 0) << server.err();
}

// The peak resident memory of a process (VmHWM), in bytes.
std::size_t peakBytes(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stoull(line.substr(6)) * 1024;
  }
  return 0;
}

TEST(RemoteUpload, AnUploadIsStreamedToDiskNeverHeldWholeInMemory) {
  TempDir dir;
  // 64 MB of a file (sparse: cheap to make), against a 48 MB quota: 48 MB reach the disk, then 507.
  const auto big = dir.path / "big.csv";
  std::ofstream(big).close();
  fs::resize_file(big, 64u << 20);
  ServerProcess server((dir.path / "data").string(), {"--max-disk", std::to_string(48u << 20)});
  ASSERT_FALSE(server.url().empty()) << server.err();
  const std::size_t peakBefore = peakBytes(server.pid());
  const auto refused = run("remote upload " + big.string() + " --server " + server.url());
  EXPECT_EQ(refused.code, 1) << refused.err;  // a full server is no fault of the input: a runtime error
  EXPECT_NE(refused.err.find("(--max-disk) (HTTP 507)"), std::string::npos) << refused.err;
  const std::size_t peakAfter = peakBytes(server.pid());
  // Held whole, the upload would take 48 MB or more; ThreadSanitizer's shadow memory alone adds about 20.
  EXPECT_LT(peakAfter, peakBefore + (24u << 20)) << peakBefore << " -> " << peakAfter;
  EXPECT_EQ(uploadsOnDisk(dir.path / "data"), 0u);

  // Over --max-upload: the client asks the server's limit first and sends nothing.
  ServerProcess small((dir.path / "data2").string(), {"--max-upload", "1000"});
  ASSERT_FALSE(small.url().empty()) << small.err();
  const auto tooBig = run("remote upload " + big.string() + " --server " + small.url());
  EXPECT_EQ(tooBig.code, 2) << tooBig.err;
  EXPECT_NE(tooBig.err.find("upload: 67108864 bytes, the server takes at most 1000 (its --max-upload)"),
            std::string::npos)
      << tooBig.err;
}

}  // namespace
}  // namespace nsb::remote
