#include <stdio.h>

void report(int v) { printf("value %d\n", v); }

int main(int argc, char **argv) { report(argc); return 0; }
