/* The patch reads stderr, which the original does not: ld copies it into
   the patched binary, and kpatch_strip must refuse it, not miscompile. */
#include <stdio.h>

unsigned g;
static unsigned hidden_s;

unsigned set(unsigned n);

int main(void)
{
	printf("%u\n", set(3));
	return 0;
}

unsigned set(unsigned n)
{
	hidden_s = n;
	g = n + 1;
	return g + hidden_s;
}
