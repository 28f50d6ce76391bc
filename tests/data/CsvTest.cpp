// CSV loading: header detection, label column, task inference and override, label remapping,
// train-only standardisation, and every malformed table as a one-line error naming file and line.
#include <gtest/gtest.h>

#include <cmath>

#include "TestFiles.h"
#include "data/Csv.h"

namespace nsb::data {
namespace {

core::Result<Dataset> parse(std::string_view text, CsvOptions options = {}) { return parseCsv(text, "t.csv", options); }

void expectError(std::string_view text, const std::string& fragment, CsvOptions options = {}) {
  auto result = parse(text, options);
  ASSERT_FALSE(result.ok()) << "expected an error containing '" << fragment << "' for:\n" << text;
  EXPECT_NE(result.message().find(fragment), std::string::npos) << result.message();
  EXPECT_EQ(result.message().find('\n'), std::string::npos) << "one line: " << result.message();
  EXPECT_EQ(result.error().kind, core::ErrorKind::BadInput);
}

// The label of the train row whose first feature is `feature` (features are unique in these tables).
std::int32_t labelOfRow(const Dataset& d, float feature) {
  for (const Split* split : {&d.train, &d.test}) {
    for (std::size_t i = 0; i < split->count; ++i) {
      if (split->values[i * d.features] == feature) return split->labels[i];
    }
  }
  ADD_FAILURE() << "no row with feature " << feature;
  return -1;
}

TEST(Csv, HeaderIsDetectedAndNamesFeatures) {
  auto d = parse("height, weight,label\n1,2,0\n3,4,1\n5,6,0\n7,8,1\n9,10,1\n");
  ASSERT_TRUE(d.ok()) << d.message();
  EXPECT_EQ(d->featureNames, (std::vector<std::string>{"height", "weight"}));
  EXPECT_EQ(d->features, 2u);
  EXPECT_EQ(d->train.count + d->test.count, 5u);
  EXPECT_EQ(d->train.count, 4u);  // round(5 * 0.8)
  EXPECT_EQ(d->name, "t");
  EXPECT_NE(d->source.find("header"), std::string::npos);

  auto noHeader = parse("1,2,0\r\n3,4,1\r\n\r\n5,6,1\r\n");
  ASSERT_TRUE(noHeader.ok()) << noHeader.message();
  EXPECT_EQ(noHeader->featureNames, (std::vector<std::string>{"x1", "x2"}));
  EXPECT_EQ(noHeader->train.count + noHeader->test.count, 3u);
}

TEST(Csv, LabelColumnPicksTheLabel) {
  const std::string_view text = "7,10,1.5\n3,20,2.5\n7,30,3.5\n";
  auto first = parse(text, {.labelColumn = 0});
  ASSERT_TRUE(first.ok()) << first.message();
  EXPECT_EQ(first->task, Task::Classification);
  EXPECT_EQ(first->classes, 2u);
  // Features are columns 1 and 2 in order; label 3 -> class 0, 7 -> class 1.
  EXPECT_EQ(labelOfRow(*first, 10.0f), 1);
  EXPECT_EQ(labelOfRow(*first, 20.0f), 0);
  EXPECT_EQ(labelOfRow(*first, 30.0f), 1);

  auto last = parse(text);
  ASSERT_TRUE(last.ok()) << last.message();
  EXPECT_EQ(last->task, Task::Regression);  // 1.5, 2.5, 3.5 are not integers

  expectError(text, "--label-column: 3 is out of range", {.labelColumn = 3});
  expectError(text, "--label-column: -2", {.labelColumn = -2});
}

TEST(Csv, ClassLabelsAreRemappedInSortedOrder) {
  auto d = parse("1,30\n2,10\n3,20\n4,30\n5,10\n", {.trainRatio = 0.6f});
  ASSERT_TRUE(d.ok()) << d.message();
  EXPECT_EQ(d->task, Task::Classification);
  EXPECT_EQ(d->classes, 3u);
  EXPECT_EQ(labelOfRow(*d, 2.0f), 0);
  EXPECT_EQ(labelOfRow(*d, 3.0f), 1);
  EXPECT_EQ(labelOfRow(*d, 1.0f), 2);
  EXPECT_EQ(labelOfRow(*d, 4.0f), 2);
  EXPECT_TRUE(d->train.targets.empty());
}

TEST(Csv, TaskInferenceAndOverride) {
  // 33 distinct integer labels: too many for an inferred classification.
  std::string many;
  for (int i = 0; i < 33; ++i) many += std::to_string(i) + "," + std::to_string(i) + "\n";
  auto inferred = parse(many);
  ASSERT_TRUE(inferred.ok()) << inferred.message();
  EXPECT_EQ(inferred->task, Task::Regression);
  EXPECT_EQ(inferred->outputs, 1u);
  ASSERT_EQ(inferred->train.targets.size(), inferred->train.count);
  EXPECT_EQ(inferred->train.targets[0], inferred->train.values[0]);  // label equals the feature here

  auto forced = parse(many, {.task = Task::Classification});
  ASSERT_TRUE(forced.ok()) << forced.message();
  EXPECT_EQ(forced->classes, 33u);

  auto negative = parse("1,-1\n2,0\n3,1\n");
  ASSERT_TRUE(negative.ok());
  EXPECT_EQ(negative->task, Task::Regression);

  auto regression = parse("1,0\n2,1\n3,1\n", {.task = Task::Regression});
  ASSERT_TRUE(regression.ok());
  EXPECT_EQ(regression->task, Task::Regression);
  expectError("1,0.5\n2,1\n", "non-integer", {.task = Task::Classification});
  expectError("1,4\n2,4\n3,4\n", "single value 4");
}

TEST(Csv, StandardisationUsesTrainStatisticsOnly) {
  // Feature = row index; the test rows would shift the mean if they were used.
  std::string text;
  for (int i = 0; i < 10; ++i) text += std::to_string(i * i) + "," + std::to_string(i % 2) + "\n";
  auto d = parse(text, {.standardize = true, .trainRatio = 0.7f, .seed = 4});
  ASSERT_TRUE(d.ok()) << d.message();
  ASSERT_EQ(d->normalisation.mean.size(), 1u);
  ASSERT_EQ(d->normalisation.stddev.size(), 1u);
  // Recover the train rows' raw values and compute their statistics independently.
  const float mean = d->normalisation.mean[0], sd = d->normalisation.stddev[0];
  double sum = 0.0, squares = 0.0;
  for (float v : d->train.values) sum += v;
  for (float v : d->train.values) squares += double(v) * v;
  // Standardised train values have mean 0 and variance 1; 1e-5 covers float rounding of 7 values.
  EXPECT_NEAR(sum / 7.0, 0.0, 1e-5);
  EXPECT_NEAR(squares / 7.0, 1.0, 1e-5);
  double rawSum = 0.0;
  for (float v : d->train.values) rawSum += double(v) * sd + mean;
  EXPECT_NEAR(rawSum / 7.0, mean, 1e-3);
  // All-rows mean is 28.5; the train-only mean differs for this seed, which is what the test is about.
  EXPECT_GT(std::fabs(mean - 28.5f), 0.1f);

  auto constant = parse("5,0\n5,1\n5,0\n5,1\n", {.standardize = true});
  ASSERT_TRUE(constant.ok());
  EXPECT_EQ(constant->normalisation.stddev[0], 1.0f);
  EXPECT_EQ(constant->train.values[0], 0.0f);

  auto plain = parse(text);
  ASSERT_TRUE(plain.ok());
  EXPECT_TRUE(plain->normalisation.mean.empty());
}

TEST(Csv, SplitIsSeeded) {
  std::string text;
  for (int i = 0; i < 40; ++i) text += std::to_string(i) + "," + std::to_string(i % 3) + "\n";
  auto a = parse(text, {.seed = 1});
  auto b = parse(text, {.seed = 1});
  auto c = parse(text, {.seed = 2});
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  EXPECT_EQ(a->train.values, b->train.values);
  EXPECT_NE(a->train.values, c->train.values);
  EXPECT_EQ(a->train.count, 32u);
}

TEST(Csv, MalformedTablesAreErrors) {
  expectError("", "t.csv: empty CSV file");
  expectError("\n  \n\n", "empty CSV file");
  expectError("a,b,label\n", "header but no data rows");
  expectError("1,2,3\n4,5\n", "t.csv:2: 2 columns, expected 3");
  expectError("1,2,3\n\n4,5,6,7\n", "t.csv:3: 4 columns");
  expectError("1,2,3\n4,x,6\n", "t.csv:2: column 2: 'x' is not a number");
  expectError("1,2,3\n4,nan,6\n", "'nan' is not a number");
  expectError("1,2,3\n4,5,inf\n", "column 3: 'inf' is not a number");
  expectError("1,2,3\n4,-Infinity,6\n", "is not a number");
  expectError("1,2,3\n4,1e999,6\n", "'1e999' is not a number");
  expectError("1,2,3\n4,,6\n", "t.csv:2: column 2 is empty");
  expectError("1,2,3\n4,5,\n", "column 3 is empty");
  expectError("1,2,3\n4,5 6,7\n", "'5 6' is not a number");
  expectError("1\n2\n", "at least 2 columns");
  expectError("1,2\n", "at least 2 data rows");
  expectError("a,b\nc,d\n1,2\n", "t.csv:1: column 1: 'a' is not a number");
  expectError("1,0\n2,1\n", "--train-ratio", {.trainRatio = 1.0f});
}

TEST(Csv, LoadCsvReadsFilesAndNamesThem) {
  test::ScratchDir dir;
  test::writeText(dir.file("iris.csv"), "a,b,c\n1,2,0\n3,4,1\n5,6,1\n");
  auto d = loadCsv(dir.file("iris.csv"), {});
  ASSERT_TRUE(d.ok()) << d.message();
  EXPECT_EQ(d->name, "iris");
  test::writeText(dir.file("bad.csv"), "1,2\n3,oops\n");
  auto bad = loadCsv(dir.file("bad.csv"), {});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.message(), dir.file("bad.csv") + ":2: column 2: 'oops' is not a number");
  auto missing = loadCsv(dir.file("none.csv"), {});
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.message().find("none.csv: cannot open"), std::string::npos);
}

}  // namespace
}  // namespace nsb::data
