/* The patched binary of this test also reads stderr from .text: ld then
   copies stderr into its .bss (.dynbss first), moving g and hidden_s,
   which the patch must still find at the original's offsets. */
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
