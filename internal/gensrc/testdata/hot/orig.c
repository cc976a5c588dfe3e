#include <stdio.h>

__attribute__((hot)) int hotfn(int x) { return x * 5 + 1; }
int cool(int x) { return x - 1; }

int main(int argc, char **argv) { printf("%d\n", hotfn(argc) + cool(argc)); return 0; }
