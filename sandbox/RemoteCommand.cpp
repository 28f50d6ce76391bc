// `neural-sandbox remote upload|train|status|list|pause|resume|stop|rm|download|eval`: the client of `serve`
// (engine/remote/Client.h). `remote train` sends `train`'s flags as a job request and follows the job's
// stream, printing its validation lines, until it is done (Ctrl-C detaches: the job trains on).
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>

#include "Commands.h"
#include "remote/Access.h"
#include "remote/Client.h"
#include "remote/JobSpec.h"
#include "remote/Uploads.h"

namespace nsb::sandbox {

using nlohmann::json;

namespace {

// The flags of `remote train`: a job request's fields (remote/JobSpec.h) and how each is sent.
enum class FieldType { String, Number, Integer, Widths };
struct JobFlag {
  const char* name;
  FieldType type;
  const char* help;
};
constexpr JobFlag JOB_FLAGS[] = {
    {"preset", FieldType::String, "Preset name (built into the server)"},
    {"dataset", FieldType::String, "Dataset name (see `datasets`; the server's own) or an upload's ID"},
    {"backend", FieldType::String, "auto, cpu, vulkan or cuda (on the server)"},
    {"hidden", FieldType::Widths, "Hidden layer widths, e.g. 64,64"},
    {"activation", FieldType::String, "Hidden activation"},
    {"loss", FieldType::String, "mse, bce or ce"},
    {"optimizer", FieldType::String, "gd, sgd, momentum, nesterov, adagrad, rmsprop, adam, adamw"},
    {"schedule", FieldType::String, "constant, step or cosine"},
    {"init", FieldType::String, "xavier, he, uniform or zeros"},
    {"features", FieldType::String, "2D data: inputs, e.g. x1,x2,x1^2"},
    {"lr", FieldType::Number, "Learning rate"},
    {"l1", FieldType::Number, "L1 regularisation strength"},
    {"l2", FieldType::Number, "L2 regularisation strength"},
    {"momentum", FieldType::Number, "Momentum coefficient"},
    {"beta1", FieldType::Number, "Adam first-moment decay"},
    {"beta2", FieldType::Number, "Adam second-moment decay"},
    {"rho", FieldType::Number, "RMSprop decay"},
    {"eps", FieldType::Number, "Denominator term"},
    {"weight-decay", FieldType::Number, "AdamW's decoupled weight decay"},
    {"noise", FieldType::Number, "2D data: noise"},
    {"train-ratio", FieldType::Number, "Share of the data used for training"},
    {"seed", FieldType::Integer, "Seed"},
    {"epochs", FieldType::Integer, "Epochs to train"},
    {"batch", FieldType::Integer, "Batch size"},
    {"points", FieldType::Integer, "2D data: number of points"},
    {"stop-at-loss", FieldType::Number, "Stop when the test loss reaches this value"},
    {"stop-at-accuracy", FieldType::Number, "Stop when the test accuracy (0-1) reaches this value"},
    {"steps-per-submit", FieldType::Integer, "Steps per backend submit"},
    {"metrics-every", FieldType::Integer, "Steps between metric points (0: once per epoch)"},
};

core::Result<json> fieldValue(const JobFlag& flag, const std::string& text) {
  const std::string name = std::string("--") + flag.name;
  auto number = [&](const std::string& item, bool integer) -> core::Result<json> {
    try {
      std::size_t used = 0;
      if (integer) {
        if (!item.empty() && item[0] == '-') throw std::invalid_argument(item);
        const unsigned long long v = std::stoull(item, &used);
        if (used == item.size()) return json(v);
      } else {
        const double v = std::stod(item, &used);
        if (used == item.size()) return json(v);
      }
    } catch (const std::exception&) {
    }
    return core::badInput(name + ": '" + item + "' is not " + (integer ? "a whole number" : "a number"));
  };
  switch (flag.type) {
    case FieldType::String:
      return json(text);
    case FieldType::Number:
      return number(text, false);
    case FieldType::Integer:
      return number(text, true);
    case FieldType::Widths: {
      json widths = json::array();
      std::size_t begin = 0;
      while (begin <= text.size()) {
        const std::size_t end = std::min(text.find(',', begin), text.size());
        if (end > begin) {
          auto width = number(text.substr(begin, end - begin), true);
          if (!width) return width.error();
          widths.push_back(width.value());
        }
        begin = end + 1;
      }
      return widths;
    }
  }
  return json();
}

struct RemoteOptions {
  std::string server = "http://127.0.0.1:8470";
  std::string tokenFile, tlsCa;
  bool json = false;
};

void addCommon(CLI::App& cmd, RemoteOptions& o) {
  cmd.add_option("--server", o.server, "The server's URL (what `serve` printed)")->capture_default_str();
  cmd.add_option(
      "--token-file", o.tokenFile,
      std::string("A file holding the server's owner or viewer token (else $") + remote::TOKEN_ENVIRONMENT + ")");
  cmd.add_option("--tls-ca", o.tlsCa, "https: the PEM certificate to trust (a self-signed server's)");
  cmd.add_flag("--json", o.json, "Print one JSON object as the last line of stdout");
}

// A metric as `train` prints it (%.4g), "-" where not measured.
std::string number(const json& v) {
  if (!v.is_number()) return "-";
  char text[32];
  std::snprintf(text, sizeof text, "%.4g", v.get<double>());
  return text;
}

void printStatus(const json& s) {
  std::fprintf(stderr, "job %s: %s, %s, step %llu of %llu, epoch %.2f, loss %s", s.value("job", "").c_str(),
               s.value("state", "").c_str(), s.value("preset", "").c_str(),
               static_cast<unsigned long long>(s.value("step", std::uint64_t{0})),
               static_cast<unsigned long long>(s.value("end_step", std::uint64_t{0})), s.value("epoch", 0.0),
               number(s["loss"]).c_str());
  if (s["test_accuracy"].is_number())
    std::fprintf(stderr, ", test accuracy %.2f%%", 100.0 * s["test_accuracy"].get<double>());
  std::fprintf(stderr, "\n");
}

void printDataset(const json& d) {
  std::fprintf(stderr, "dataset %s: %s, %s, %llu train and %llu test samples, %llu features\n",
               d.value("dataset", "").c_str(), d.value("kind", "").c_str(), d.value("task", "").c_str(),
               static_cast<unsigned long long>(d.value("train", std::uint64_t{0})),
               static_cast<unsigned long long>(d.value("test", std::uint64_t{0})),
               static_cast<unsigned long long>(d.value("features", std::uint64_t{0})));
}

// Runs `call` against the server: prints its JSON with --json, else `describe`s it; exit code.
int finish(const RemoteOptions& o, const core::Result<json>& reply, const std::function<void(const json&)>& describe) {
  if (!reply) return fail(reply.error());
  if (o.json) {
    std::printf("%s\n", reply->dump().c_str());
  } else {
    describe(reply.value());
  }
  return 0;
}

core::Result<remote::Client> connect(const RemoteOptions& o) {
  auto options = clientOptions(o.tokenFile, o.tlsCa);
  if (!options) return options.error();
  return remote::Client::connect(o.server, options.value());
}

// The parts of an upload from the files given: one CSV, or IDX files named as MNIST's are (train or
// t10k/test, images or labels, in the name).
core::Result<std::vector<std::pair<std::string, std::string>>> uploadParts(const std::vector<std::string>& files) {
  std::vector<std::pair<std::string, std::string>> parts;
  for (const auto& path : files) {
    if (!std::filesystem::is_regular_file(path)) return core::badInput(path + ": not a file");
    const std::string name = std::filesystem::path(path).filename().string();
    if (name.size() > 4 && name.substr(name.size() - 4) == ".csv") {
      parts.emplace_back("csv", path);
      continue;
    }
    const bool images = name.find("images") != std::string::npos, labels = name.find("labels") != std::string::npos;
    const bool test = name.find("t10k") != std::string::npos || name.find("test") != std::string::npos;
    if (images == labels) {
      return core::badInput(path + ": not a .csv, nor an IDX file named like MNIST's (train-images-idx3-ubyte, ...)");
    }
    parts.emplace_back(std::string(test ? "test-" : "train-") + (images ? "images" : "labels"), path);
  }
  return parts;
}

// A job id given on the command line: only the server's own form reaches a URL.
core::Status checkJob(const std::string& id) {
  if (!remote::isJobId(id)) return core::badInput("JOB " + id.substr(0, 64) + ": not a job id (12 hex digits)");
  return core::Ok{};
}

}  // namespace

core::Result<remote::ClientOptions> clientOptions(const std::string& tokenFile, const std::string& tlsCa) {
  remote::ClientOptions options{.caFile = tlsCa};
  if (!tokenFile.empty()) {
    auto token = remote::readTokenFile(tokenFile, "--token-file");
    if (!token) return token.error();
    options.token = token.value();
  } else if (const char* env = std::getenv(remote::TOKEN_ENVIRONMENT); env && *env) {
    auto token = remote::parseToken(env, std::string("$") + remote::TOKEN_ENVIRONMENT);
    if (!token) return token.error();
    options.token = token.value();
  }
  return options;
}

Action addRemoteCommand(CLI::App& app) {
  auto* remoteCmd = app.add_subcommand("remote", "Train on a server started with `serve`");
  remoteCmd->require_subcommand(1);
  std::map<std::string, Action> actions;

  // remote train
  {
    auto* cmd = remoteCmd->add_subcommand("train", "Create a job on the server and follow it until done");
    auto o = std::make_shared<RemoteOptions>();
    auto values = std::make_shared<std::map<std::string, std::string>>();
    auto detach = std::make_shared<bool>(false);
    addCommon(*cmd, *o);
    for (const JobFlag& flag : JOB_FLAGS) {
      cmd->add_option_function<std::string>(
          std::string("--") + flag.name, [values, name = flag.name](const std::string& v) { (*values)[name] = v; },
          flag.help);
    }
    cmd->add_flag("--detach", *detach, "Return as soon as the job is created");
    actions["train"] = [=]() -> int {
      json request = json::object();
      for (const JobFlag& flag : JOB_FLAGS) {
        const auto it = values->find(flag.name);
        if (it == values->end()) continue;
        auto value = fieldValue(flag, it->second);
        if (!value) return fail(value.error());
        request[flag.name] = value.value();
      }
      auto client = connect(*o);
      if (!client) return fail(client.error());
      auto created = client->post("/jobs", request);
      if (!created) return fail(created.error());
      const std::string id = created->value("job", "");
      std::fprintf(stderr, "job %s created on %s\n", id.c_str(), o->server.c_str());
      json last = created.value();
      if (!*detach) {
        std::uint64_t seenStep = 0;
        auto followed = client->stream("/jobs/" + id + "/stream", [&](const json& frame) {
          last = frame;
          for (const auto& p : frame.value("history", json::array())) {
            const auto step = p.value("step", std::uint64_t{0});
            if (step <= seenStep) continue;
            seenStep = step;
            std::fprintf(stderr, "epoch %.2f step %llu: train loss %s, test loss %s", p.value("epoch", 0.0),
                         static_cast<unsigned long long>(step), number(p["train_loss"]).c_str(),
                         number(p["test_loss"]).c_str());
            if (p["test_accuracy"].is_number())
              std::fprintf(stderr, ", test accuracy %.2f%%", 100.0 * p["test_accuracy"].get<double>());
            std::fprintf(stderr, "\n");
          }
          const std::string state = frame.value("state", "");
          return state != "done" && state != "stopped" && !frame["divergence"].is_object();
        });
        if (!followed) return fail(followed.error());
        if (const json& d = last["divergence"]; d.is_object()) {
          // As `train` ends on a divergence; the job stays paused on the server, its last good weights kept.
          std::fprintf(
              stderr, "neural-sandbox: job %s diverged at step %llu (%s); paused with the weights of step %llu\n",
              id.c_str(), static_cast<unsigned long long>(d.value("step", std::uint64_t{0})),
              d.value("what", "").c_str(), static_cast<unsigned long long>(d.value("good_step", std::uint64_t{0})));
          return 1;
        }
        last.erase("history");
        last.erase("recent_events");
        printStatus(last);
      }
      if (o->json) std::printf("%s\n", last.dump().c_str());
      return 0;
    };
  }

  // remote status JOB, list
  {
    auto* cmd = remoteCmd->add_subcommand("status", "A job's state, step and latest metrics");
    auto o = std::make_shared<RemoteOptions>();
    auto job = std::make_shared<std::string>();
    cmd->add_option("JOB", *job, "Job id")->required();
    addCommon(*cmd, *o);
    actions["status"] = [=]() -> int {
      if (auto ok = checkJob(*job); !ok) return fail(ok.error());
      auto client = connect(*o);
      if (!client) return fail(client.error());
      return finish(*o, client->get("/jobs/" + *job), printStatus);
    };
  }
  {
    auto* cmd = remoteCmd->add_subcommand("list", "The server's jobs");
    auto o = std::make_shared<RemoteOptions>();
    addCommon(*cmd, *o);
    actions["list"] = [=]() -> int {
      auto client = connect(*o);
      if (!client) return fail(client.error());
      auto jobs = client->get("/jobs");
      if (!jobs) return fail(jobs.error());
      auto datasets = client->get("/datasets");
      if (!datasets) return fail(datasets.error());
      json reply = {{"jobs", jobs->value("jobs", json::array())},
                    {"datasets", datasets->value("datasets", json::array())}};
      return finish(*o, reply, [](const json& r) {
        for (const auto& s : r["jobs"]) printStatus(s);
        if (r["jobs"].empty()) std::fprintf(stderr, "no jobs\n");
        for (const auto& d : r["datasets"]) printDataset(d);
      });
    };
  }

  // remote pause|resume|stop|rm JOB
  for (const auto& [name, help] :
       {std::pair{"pause", "Pause a running job"}, std::pair{"resume", "Resume a paused job"},
        std::pair{"stop", "Stop a job for good (it stays on the server; see rm)"},
        std::pair{"rm", "Delete a job (its checkpoints and metrics) or an upload"}}) {
    auto* cmd = remoteCmd->add_subcommand(name, help);
    auto o = std::make_shared<RemoteOptions>();
    auto job = std::make_shared<std::string>();
    cmd->add_option(std::string(name) == "rm" ? "ID" : "JOB", *job, "Job id (rm: or dataset id)")->required();
    addCommon(*cmd, *o);
    actions[name] = [=, action = std::string(name)]() -> int {
      if (action == "rm" && remote::isDatasetId(*job)) {
        auto client = connect(*o);
        if (!client) return fail(client.error());
        return finish(*o, client->remove("/datasets/" + *job),
                      [&](const json&) { std::fprintf(stderr, "dataset %s removed\n", job->c_str()); });
      }
      if (auto ok = checkJob(*job); !ok) return fail(ok.error());
      auto client = connect(*o);
      if (!client) return fail(client.error());
      if (action == "rm") {
        return finish(*o, client->remove("/jobs/" + *job),
                      [&](const json&) { std::fprintf(stderr, "job %s removed\n", job->c_str()); });
      }
      return finish(*o, client->post("/jobs/" + *job + "/" + action), printStatus);
    };
  }

  // remote download JOB --out FILE
  {
    auto* cmd = remoteCmd->add_subcommand("download", "Save a job's weights now as a checkpoint (safetensors)");
    auto o = std::make_shared<RemoteOptions>();
    auto job = std::make_shared<std::string>();
    auto out = std::make_shared<std::string>();
    cmd->add_option("JOB", *job, "Job id")->required();
    cmd->add_option("--out", *out, "FILE.safetensors to write")->required();
    addCommon(*cmd, *o);
    actions["download"] = [=]() -> int {
      if (auto ok = checkJob(*job); !ok) return fail(ok.error());
      const auto parent = std::filesystem::absolute(*out).parent_path();
      if (!std::filesystem::is_directory(parent)) {
        return fail(core::badInput("--out " + *out + ": the folder " + parent.string() + " does not exist"));
      }
      auto client = connect(*o);
      if (!client) return fail(client.error());
      auto bytes = client->download("/jobs/" + *job + "/checkpoint");
      if (!bytes) return fail(bytes.error());
      if (auto written = writeFileAtomically(*out, bytes.value()); !written) return fail(written.error());
      return finish(*o, json{{"job", *job}, {"path", *out}, {"bytes", bytes->size()}}, [&](const json&) {
        std::fprintf(stderr, "job %s: checkpoint saved to %s\n", job->c_str(), out->c_str());
      });
    };
  }

  // remote upload FILE...
  {
    auto* cmd = remoteCmd->add_subcommand("upload", "Send a dataset (a CSV, or IDX images and labels) to the server");
    auto o = std::make_shared<RemoteOptions>();
    auto files = std::make_shared<std::vector<std::string>>();
    cmd->add_option("FILE", *files, "A .csv, or train images and labels IDX files (and the t10k pair)")->required();
    addCommon(*cmd, *o);
    actions["upload"] = [=]() -> int {
      auto parts = uploadParts(*files);
      if (!parts) return fail(parts.error());
      auto client = connect(*o);
      if (!client) return fail(client.error());
      return finish(*o, client->upload(parts.value()), printDataset);
    };
  }

  // remote eval JOB [--dataset NAME|ID]
  {
    auto* cmd =
        remoteCmd->add_subcommand("eval", "Evaluate a job's weights now on a dataset's test split, on the server");
    auto o = std::make_shared<RemoteOptions>();
    auto job = std::make_shared<std::string>();
    auto dataset = std::make_shared<std::string>();
    cmd->add_option("JOB", *job, "Job id")->required();
    cmd->add_option("--dataset", *dataset, "A dataset name or an upload's ID (default: the job's)");
    addCommon(*cmd, *o);
    actions["eval"] = [=]() -> int {
      if (auto ok = checkJob(*job); !ok) return fail(ok.error());
      auto client = connect(*o);
      if (!client) return fail(client.error());
      const json request = dataset->empty() ? json::object() : json{{"dataset", *dataset}};
      return finish(*o, client->post("/jobs/" + *job + "/eval", request), [&](const json& r) {
        std::fprintf(stderr, "job %s on %s (%llu test samples): loss %s", job->c_str(), r.value("dataset", "").c_str(),
                     static_cast<unsigned long long>(r.value("samples", std::uint64_t{0})),
                     number(r["test_loss"]).c_str());
        if (r["test_accuracy"].is_number())
          std::fprintf(stderr, ", accuracy %.2f%%", 100.0 * r["test_accuracy"].get<double>());
        if (r["test_mse"].is_number()) std::fprintf(stderr, ", mse %s", number(r["test_mse"]).c_str());
        std::fprintf(stderr, "\n");
      });
    };
  }

  return [remoteCmd, actions]() -> int {
    for (const auto& [name, action] : actions) {
      if (remoteCmd->got_subcommand(name)) return action();
    }
    return 2;
  };
}

}  // namespace nsb::sandbox
