/* The patch loads tls_counter with the initial-exec model (-fPIC code in
   an executable): ld relaxes the load to "movq $tpoff, %reg" but keeps
   the R_X86_64_GOTTPOFF relocation, for which the original has no GOT
   slot either. */
#include <stdio.h>

__thread int tls_counter = 7;

int get(void)
{
	return tls_counter;
}

int main(void)
{
	printf("%d\n", get());
	return 0;
}
