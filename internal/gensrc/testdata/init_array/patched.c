#include <stdio.h>

static int ready;

__attribute__((constructor)) static void setup(void) { ready = 2; }

int main(void) { printf("ready %d\n", ready); return 0; }
