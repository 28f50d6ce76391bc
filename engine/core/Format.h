#pragma once
// Numbers as people read them: the shortest decimal text that reads back to the same value, so a
// learning rate set to 0.01 prints as 0.01, not 0.009999999776482582 (the float widened to double).
#include <string>

namespace nsb::core {

// The shortest text that parses back to `value` as a float: 0.01, 2.5e-05, 10, 0.9, -3, nan, inf.
std::string formatNumber(float value);
// The same at double precision (for values that are doubles: metrics, losses averaged in double).
std::string formatNumber(double value);
// The double whose shortest text is formatNumber(value): 0.9f -> 0.9. JSON writers print doubles in
// their own shortest form, so a float stored through this is written as 0.9, and reads back as 0.9f.
double decimalValue(float value);

}  // namespace nsb::core
