#include <cstdio>
inline int __attribute__((noinline)) twice(int x) { return 2 * x + 1000; }
int main(int argc, char **) { std::printf("%d\n", twice(argc)); return 0; }
