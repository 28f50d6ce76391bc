#pragma once
// The subcommands of neural-sandbox. Each add* function declares its flags on `app` and returns the
// action to run when that subcommand was chosen. Actions return the process exit code
// (0 success, 2 bad input or flags, 1 runtime failure) and print errors as one line on stderr.
#include <CLI/CLI.hpp>
#include <functional>
#include <string>

#include "core/Result.h"
#include "remote/Client.h"

namespace nsb::sandbox {

using Action = std::function<int()>;

Action addTrainCommand(CLI::App& app);
Action addEvalCommand(CLI::App& app);
Action addBenchCommand(CLI::App& app);
Action addDatasetsCommand(CLI::App& app);
Action addDevicesCommand(CLI::App& app);
// `descend`: one optimizer on one closed-form surface (engine/descent).
Action addDescendCommand(CLI::App& app);
// `landscape`: the loss over a plane of directions through a checkpoint's weights (engine/landscape).
Action addLandscapeCommand(CLI::App& app);
// `lessons`: the shipped lessons (engine/lesson).
Action addLessonsCommand(CLI::App& app);
// `serve`: training jobs over HTTP (engine/remote/Server.h).
Action addServeCommand(CLI::App& app);
// `remote ...`: the client of `serve`.
Action addRemoteCommand(CLI::App& app);
// A client's options from --token-file (else $NEURAL_SANDBOX_TOKEN) and --tls-ca: `remote`'s and `gui --attach`'s.
core::Result<remote::ClientOptions> clientOptions(const std::string& tokenFile, const std::string& tlsCa);
// The editor: `gui`, and with defaultCommand its flags on `app` too, for running without a subcommand.
Action addGuiCommand(CLI::App& app, bool defaultCommand);

// Prints "neural-sandbox: MESSAGE" and returns 2 for bad input, 1 for a runtime failure.
int fail(const core::Error& error);

// Writes `text` to `path` atomically (temporary file, then rename), so no half-written file remains.
core::Status writeFileAtomically(const std::string& path, const std::string& text);

}  // namespace nsb::sandbox
