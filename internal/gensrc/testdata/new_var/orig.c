#include <stdio.h>

int existing = 5;

void report(void) { printf("existing %d\n", existing); }

int main(void) { report(); return 0; }
