#include "remote/Uploads.h"

#include <httplib.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <random>

#include "data/Csv.h"
#include "data/Idx.h"
#include "remote/DiskQuota.h"

namespace nsb::remote {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr const char* UPLOAD_INFO = "upload.json";
constexpr const char* PARTS = "csv, or train-images and train-labels (with test-images and test-labels)";
// Bytes of multipart framing allowed beyond --max-upload in a Content-Length (boundaries, part headers).
constexpr std::uint64_t FRAMING_BYTES = 64 * 1024;

// A client's file name as shown back: its last component, printable ASCII, at most 128 characters.
std::string shownName(std::string_view name) {
  if (const auto slash = name.find_last_of("/\\"); slash != std::string_view::npos) name.remove_prefix(slash + 1);
  std::string shown;
  for (const char c : name.substr(0, 128)) shown += c > 0x20 && c < 0x7f ? c : '_';
  return shown;
}

void replaceAll(std::string& text, const std::string& from, const std::string& to) {
  for (std::size_t at = 0; !from.empty() && (at = text.find(from, at)) != std::string::npos; at += to.size()) {
    text.replace(at, from.size(), to);
  }
}

}  // namespace

bool isDatasetId(std::string_view id) {
  return id.size() == DATASET_ID_LENGTH && id.substr(0, 2) == "ds" &&
         std::all_of(id.begin() + 2, id.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

std::string uploadFileName(std::string_view part) {
  static const std::map<std::string, std::string, std::less<>> files = {{"csv", "data.csv"},
                                                                        {"train-images", "train-images-idx3-ubyte"},
                                                                        {"train-labels", "train-labels-idx1-ubyte"},
                                                                        {"test-images", "t10k-images-idx3-ubyte"},
                                                                        {"test-labels", "t10k-labels-idx1-ubyte"}};
  const auto it = files.find(part);
  return it == files.end() ? std::string() : it->second;
}

Uploads::Uploads(fs::path dataRoot, UploadLimits limits, MemoryGate memory)
    : mDataRoot(std::move(dataRoot)), mRoot(mDataRoot / "datasets"), mLimits(limits), mMemory(std::move(memory)) {
  std::error_code ec;
  fs::create_directories(mRoot, ec);
  for (const auto& entry : fs::directory_iterator(mRoot, ec)) {
    const auto name = entry.path().filename().string();
    if (isDatasetId(name) && !fs::exists(entry.path() / UPLOAD_INFO)) fs::remove_all(entry.path(), ec);
  }
}

Reply Uploads::receive(const httplib::Request& req, const httplib::ContentReader& reader) {
  if (!req.is_multipart_form_data())
    return errorReply(400, std::string("upload: expected multipart/form-data: ") + PARTS);
  // Checking an upload loads it whole: what memory allows, measured once for this upload.
  const compute::MemoryBudget memory = mMemory.budget();
  auto memoryCheck = [&](std::uint64_t bytes) {
    return MemoryGate::check(memory, bytes * UPLOAD_MEMORY_FACTOR,
                             "checking an upload of " + std::to_string(bytes) + " bytes");
  };
  if (req.has_header("Content-Length")) {
    const auto length = std::strtoull(req.get_header_value("Content-Length").c_str(), nullptr, 10);
    if (length > mLimits.maxUpload + FRAMING_BYTES) {
      return errorReply(413, "upload: " + std::to_string(length) + " bytes, at most " +
                                 std::to_string(mLimits.maxUpload) + " (--max-upload)");
    }
    if (auto fits = memoryCheck(length > FRAMING_BYTES ? length - FRAMING_BYTES : 0); !fits) {
      return errorReply(413, fits.message());
    }
  }
  {
    std::lock_guard lock(mMutex);
    if (mActive >= MAX_CONCURRENT_UPLOADS) {
      return errorReply(503, "upload: " + std::to_string(mActive) + " uploads are under way; send it when one ends");
    }
    ++mActive;
  }
  struct Active {
    Uploads& uploads;
    ~Active() {
      std::lock_guard lock(uploads.mMutex);
      --uploads.mActive;
    }
  } active{*this};
  // A fresh id whose folder did not exist.
  static thread_local std::mt19937_64 random{std::random_device{}()};
  std::string id;
  std::error_code ec;
  for (int attempt = 0; attempt < 16 && id.empty(); ++attempt) {
    char text[DATASET_ID_LENGTH + 1];
    std::snprintf(text, sizeof text, "ds%012llx", static_cast<unsigned long long>(random() & ((1ull << 48) - 1)));
    if (fs::create_directory(dir(text), ec)) id = text;
  }
  if (id.empty()) return errorReply(500, "upload: no free dataset id in " + mRoot.string());

  const std::uint64_t usedAtStart = folderBytes(mDataRoot);
  std::map<std::string, std::string> names;  // part -> the client's file name
  std::ofstream out;
  Reply refused;
  std::uint64_t written = 0;
  const bool read = reader(
      [&](const httplib::MultipartFormData& part) {
        out.close();
        if (refused.status >= 400) return true;  // draining
        const std::string file = uploadFileName(part.name);
        if (file.empty()) {
          refused = errorReply(400, "upload: unknown part '" + shownName(part.name) + "' (expected " + PARTS + ")");
          return true;
        }
        if (!names.emplace(part.name, shownName(part.filename.empty() ? part.name : part.filename)).second) {
          refused = errorReply(400, "upload: part '" + shownName(part.name) + "' given twice");
          return true;
        }
        out.open(dir(id) / file, std::ios::binary | std::ios::trunc);
        if (!out) refused = errorReply(500, "upload: cannot write " + (dir(id) / file).string());
        return out.is_open();
      },
      [&](const char* data, std::size_t length) {
        // Once refused, the rest is read and dropped (httplib stops at its payload limit), so that the
        // client, still sending, gets the reply rather than a broken connection.
        if (refused.status >= 400) return true;
        if (!out.is_open()) {
          refused = errorReply(400, "upload: data outside a part");
          return true;
        }
        if (written + length > mLimits.maxUpload) {
          refused = errorReply(413, "upload: over " + std::to_string(mLimits.maxUpload) + " bytes (--max-upload)");
          out.close();
          return true;
        }
        if (auto fits = memoryCheck(written + length); !fits) {
          refused = errorReply(413, fits.message());
          out.close();
          return true;
        }
        std::uint64_t inFlight = 0;
        {
          std::lock_guard lock(mMutex);
          inFlight = mInFlight += length;
        }
        written += length;
        // Counted conservatively: other uploads' bytes already on disk at the start count twice.
        if (mLimits.maxDisk != 0 && usedAtStart + inFlight > mLimits.maxDisk) {
          refused = errorReply(507, "upload: the data folder would pass its quota of " +
                                        std::to_string(mLimits.maxDisk) + " bytes (--max-disk)");
          out.close();
          return true;
        }
        out.write(data, static_cast<std::streamsize>(length));
        if (!out) refused = errorReply(500, "upload: cannot write into " + dir(id).string());
        return out.good();
      });
  out.close();
  {
    std::lock_guard lock(mMutex);
    mInFlight -= written;
  }
  auto discard = [&](Reply reply) {
    fs::remove_all(dir(id), ec);
    return reply;
  };
  if (refused.status >= 400) return discard(refused);
  if (!read) return discard(errorReply(400, "upload: the request ended before its last byte"));

  const bool csv = names.count("csv") != 0, images = names.count("train-images") != 0;
  const bool testPair = names.count("test-images") != 0 && names.count("test-labels") != 0;
  const bool pairs = images && names.count("train-labels") != 0 &&
                     (testPair || (names.count("test-images") == 0 && names.count("test-labels") == 0));
  if (csv ? names.size() != 1 : !pairs) return discard(errorReply(400, std::string("upload: expected ") + PARTS));

  // The same loaders as a local --dataset; their errors name the client's files, not the server's.
  auto path = [&](const char* part) { return (dir(id) / uploadFileName(part)).string(); };
  const std::string name = csv ? names["csv"] : names["train-images"];
  auto dataset = csv        ? data::loadCsv(path("csv"), data::CsvOptions{})
                 : testPair ? data::loadIdxDataset(path("train-images"), path("train-labels"), path("test-images"),
                                                   path("test-labels"), name)
                            : data::loadIdxDatasetSplit(path("train-images"), path("train-labels"), 0.8f, 1, name);
  if (!dataset) {
    std::string message = dataset.message();
    for (const auto& [part, shown] : names) replaceAll(message, path(part.c_str()), shown);
    replaceAll(message, dir(id).string() + "/", "");
    return discard(errorReply(400, message));
  }
  json info = {{"dataset", id},
               {"kind", csv ? "csv" : "idx"},
               {"files", names},
               {"bytes", written},
               {"task", dataset->task == data::Task::Regression ? "regression" : "classification"},
               {"features", dataset->features},
               {"classes", dataset->classes},
               {"train", dataset->train.count},
               {"test", dataset->test.count}};
  // Written last, through a rename: the upload exists once this file does.
  const fs::path tmp = dir(id) / (std::string(UPLOAD_INFO) + ".tmp");
  {
    std::ofstream file(tmp, std::ios::binary | std::ios::trunc);
    file << info.dump(2) << "\n";
    if (!file.flush()) return discard(errorReply(500, "upload: cannot write " + tmp.string()));
  }
  fs::rename(tmp, dir(id) / UPLOAD_INFO, ec);
  if (ec) return discard(errorReply(500, "upload: " + ec.message()));
  return {201, info};
}

json Uploads::list() const {
  json list = json::array();
  std::error_code ec;
  std::vector<fs::path> dirs;
  for (const auto& entry : fs::directory_iterator(mRoot, ec)) dirs.push_back(entry.path());
  std::sort(dirs.begin(), dirs.end());
  for (const auto& d : dirs) {
    std::ifstream in(d / UPLOAD_INFO);
    const json info = json::parse(in, nullptr, false);
    if (isDatasetId(d.filename().string()) && info.is_object()) list.push_back(info);
  }
  return list;
}

std::optional<json> Uploads::info(const std::string& id) const {
  if (!isDatasetId(id)) return std::nullopt;
  std::ifstream in(dir(id) / UPLOAD_INFO);
  json info = json::parse(in, nullptr, false);
  if (!info.is_object()) return std::nullopt;
  return info;
}

std::optional<std::string> Uploads::datasetPath(const std::string& id) const {
  if (!isDatasetId(id) || !fs::exists(dir(id) / UPLOAD_INFO)) return std::nullopt;
  const fs::path csv = dir(id) / uploadFileName("csv");
  return fs::exists(csv) ? csv.string() : (dir(id) / uploadFileName("train-images")).string();
}

Reply Uploads::remove(const std::string& id) {
  if (!datasetPath(id)) return errorReply(404, "no dataset " + id.substr(0, 64));
  std::error_code ec;
  fs::remove_all(dir(id), ec);
  if (ec) return errorReply(500, "dataset " + id + ": " + ec.message());
  return {200, json{{"dataset", id}, {"removed", true}}};
}

}  // namespace nsb::remote
