#include <stdio.h>

int newly_added_function(int v) { return v * 100; }

void report(int v) { printf("value %d\n", newly_added_function(v)); }

int main(int argc, char **argv) { report(argc); return 0; }
