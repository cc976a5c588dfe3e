/* -fPIC code (shared libraries) reaches a new global variable through the
   GOT: the rename must cover "added@GOTPCREL", or the link fails with an
   undefined reference to added. */
#include <stdio.h>

unsigned base = 5;
unsigned added = 7;

unsigned get(unsigned n)
{
	return n * base + added;
}

int main(void)
{
	printf("%u\n", get(3));
	return 0;
}
