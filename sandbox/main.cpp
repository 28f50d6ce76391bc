// neural-sandbox: the command line (gui, train, eval, bench, datasets, devices).
#include <cstdio>

int main() {
  std::puts("neural-sandbox");
  return 0;
}
