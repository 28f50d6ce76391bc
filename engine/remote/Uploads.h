#pragma once
// Uploads: the datasets clients send (POST /datasets, multipart/form-data), streamed part by part into
// the data folder as they arrive, never held whole in memory, then checked with the same loaders as a
// local --dataset (data::loadDataset) so that a bad file gets the same one-line error. One folder each:
//   datasets/ID/data.csv                          a CSV upload (part "csv")
//   datasets/ID/train-images-idx3-ubyte, ...      an IDX upload (parts "train-images", "train-labels",
//                                                 optionally "test-images" and "test-labels")
//   datasets/ID/upload.json                       written last: what was uploaded; a folder without it
//                                                 is an upload cut off (removed at the next start)
// Ids are made here ("ds" and 12 hex digits, never a job id); the client's file names are only shown.
#include <cstdint>
#include <filesystem>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "remote/MemoryGate.h"
#include "remote/Reply.h"

namespace httplib {
struct Request;
class ContentReader;
}  // namespace httplib

namespace nsb::remote {

constexpr std::size_t DATASET_ID_LENGTH = 14;
// Uploads under way at once: each holds one of the server's control threads for as long as it takes.
constexpr std::size_t MAX_CONCURRENT_UPLOADS = 2;
bool isDatasetId(std::string_view id);

// The file an upload part is stored as, by the part's name; empty for an unknown part name.
std::string uploadFileName(std::string_view part);

struct UploadLimits {
  std::uint64_t maxUpload = std::uint64_t{1} << 30;  // bytes of one upload's files together
  std::uint64_t maxDisk = 0;                         // bytes of the whole data folder; 0: no quota
};

class Uploads {
 public:
  // `dataRoot`: the data folder (uploads go to dataRoot/datasets); removes uploads cut off earlier.
  Uploads(std::filesystem::path dataRoot, UploadLimits limits, MemoryGate memory = {});

  // POST /datasets. Any thread; uploads run side by side, the quota counts them together. An upload
  // whose check would need more memory than the budget (UPLOAD_MEMORY_FACTOR per byte) gets 413: before
  // a byte is read when its Content-Length says so, else once its bytes pass that.
  Reply receive(const httplib::Request& req, const httplib::ContentReader& reader);
  // upload.json of each complete upload.
  nlohmann::json list() const;
  // A complete upload's upload.json; nullopt if none.
  std::optional<nlohmann::json> info(const std::string& id) const;
  // The path data::loadDataset takes for a complete upload (its CSV or train images); nullopt if none.
  std::optional<std::string> datasetPath(const std::string& id) const;
  Reply remove(const std::string& id);

 private:
  std::filesystem::path dir(const std::string& id) const { return mRoot / id; }

  std::filesystem::path mDataRoot, mRoot;
  UploadLimits mLimits;
  MemoryGate mMemory;
  mutable std::mutex mMutex;    // guards the two below
  std::uint64_t mInFlight = 0;  // bytes written by uploads not finished yet
  std::size_t mActive = 0;      // uploads under way
};

}  // namespace nsb::remote
