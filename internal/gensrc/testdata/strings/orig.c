#include <stdio.h>

void first(void) { puts("first"); }
void second(int n) { printf("second %d\n", n); }
void third(void) { puts("third"); }

int main(void) { first(); second(2); third(); return 0; }
