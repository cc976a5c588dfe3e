#include <stdio.h>

int existing = 5;
int added_var = 42;
static char added_buf[32];

void report(void)
{
	added_buf[0] = 'x';
	printf("existing %d added %d %c\n", existing, added_var, added_buf[0]);
}

int main(void) { report(); return 0; }
