// `landscape` as a user runs it: the CSV of N*N rows and the directions file read back with the
// project's reader, the --json line, and bad input (a missing checkpoint, a dataset that does not fit,
// an even or too large grid, span <= 0) as one line with exit 2 and no output file.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "CliRun.h"
#include "landscape/Directions.h"
#include "nn/Checkpoint.h"

namespace {

using nsb::sandbox::testing::CliRun;
using nsb::sandbox::testing::lastJsonLine;
using nsb::sandbox::testing::lineCount;
using nsb::sandbox::testing::run;

std::string tempPath(const std::string& name) {
  return (std::filesystem::temp_directory_path() / ("nsb-landscape-" + std::to_string(::getpid()) + "-" + name))
      .string();
}

// A small spiral classifier, trained once for every test.
const std::string& checkpoint() {
  static const std::string path = [] {
    const std::string p = tempPath("spiral.safetensors");
    const CliRun r = run("train --dataset spiral --hidden 8,6 --max-steps 40 --backend cpu --seed 3 --save " + p);
    EXPECT_EQ(r.code, 0) << r.err;
    return p;
  }();
  return path;
}

TEST(LandscapeCli, WritesTheGridTheDirectionsAndTheJsonLine) {
  const std::string csv = tempPath("grid.csv"), dirs = tempPath("dirs.safetensors");
  const CliRun r = run("landscape --checkpoint " + checkpoint() +
                       " --dataset spiral --grid 7 --span 0.5 --batch 64 --seed 4 --backend cpu --out " + csv +
                       " --directions " + dirs + " --json");
  ASSERT_EQ(r.code, 0) << r.err;
  std::istringstream out(r.out);
  std::string line, last;
  while (std::getline(out, line)) last = line.empty() ? last : line;
  const auto j = nlohmann::json::parse(last);
  EXPECT_EQ(j.size(), 4u) << j.dump();
  const double centre = j["centre_loss"], low = j["min_loss"], high = j["max_loss"];
  EXPECT_LE(low, centre);
  EXPECT_LE(centre, high);
  EXPECT_LT(low, high);
  EXPECT_GE(j["seconds"].get<double>(), 0.0);

  std::ifstream in(csv);
  ASSERT_TRUE(in) << csv;
  std::getline(in, line);
  EXPECT_EQ(line, "alpha,beta,loss");
  int rows = 0;
  bool sawCentre = false;
  double alpha = 0, beta = 0, loss = 0;
  char comma = 0;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    ASSERT_TRUE(fields >> alpha >> comma >> beta >> comma >> loss) << line;
    EXPECT_LE(std::fabs(alpha), 0.5);
    EXPECT_LE(std::fabs(beta), 0.5);
    if (alpha == 0.0 && beta == 0.0) {
      sawCentre = true;
      EXPECT_NEAR(loss, centre, 1e-6 * centre);
    }
    ++rows;
  }
  EXPECT_EQ(rows, 7 * 7);
  EXPECT_TRUE(sawCentre);

  std::ifstream file(dirs, std::ios::binary);
  const std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  const auto loaded = nsb::landscape::parseDirections(bytes, dirs);
  ASSERT_TRUE(loaded) << loaded.message();
  const auto c = nsb::nn::loadCheckpoint(checkpoint());
  ASSERT_TRUE(c);
  EXPECT_EQ(loaded->spec, c->spec);
  // The file holds the directions the seed draws.
  const auto again = nsb::landscape::randomDirections(c->spec, c->parameters, 4);
  EXPECT_EQ(loaded->directions.first, again.first);
  EXPECT_EQ(loaded->directions.second, again.second);
  std::filesystem::remove(csv);
  std::filesystem::remove(dirs);
}

TEST(LandscapeCli, BadInputIsOneLineAndExitTwoWithNoFile) {
  const std::string csv = tempPath("bad.csv");
  const std::string other = tempPath("other.csv");
  {
    std::ofstream f(other);
    f << "a,b,c,label\n1,2,3,0\n2,3,4,1\n3,4,5,0\n4,5,6,1\n";
  }
  const std::string base = "landscape --checkpoint " + checkpoint() + " --dataset spiral --out " + csv + " ";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"landscape --checkpoint " + tempPath("missing.safetensors") + " --out " + csv, "missing.safetensors"},
      {"landscape --checkpoint " + checkpoint() + " --dataset " + other + " --out " + csv, "--dataset"},
      {"landscape --checkpoint " + checkpoint() + " --dataset reg-plane --out " + csv, "--dataset"},
      {base + "--grid 32", "--grid"},
      {base + "--grid 1", "--grid"},
      {base + "--grid 2001", "--grid"},
      {base + "--span 0", "--span"},
      {base + "--span -1", "--span"},
      {base + "--batch 0", "--batch"},
  };
  for (const auto& [args, flag] : cases) {
    const CliRun r = run(args);
    EXPECT_EQ(r.code, 2) << args << "\n" << r.err;
    EXPECT_EQ(lineCount(r.err), 1) << args << "\n" << r.err;
    EXPECT_NE(r.err.find(flag), std::string::npos) << args << "\n" << r.err;
    EXPECT_FALSE(std::filesystem::exists(csv)) << args;
  }
  std::filesystem::remove(other);
}

TEST(LandscapeCli, HelpListsTheCommandAndItsFlags) {
  EXPECT_NE(run("--help").out.find("landscape"), std::string::npos);
  const CliRun r = run("landscape --help");
  EXPECT_EQ(r.code, 0);
  for (const char* flag : {"--checkpoint", "--dataset", "--grid", "--span", "--batch", "--seed", "--out",
                           "--directions", "--json", "--backend", "--biases"}) {
    EXPECT_NE(r.out.find(flag), std::string::npos) << flag;
  }
}

}  // namespace
