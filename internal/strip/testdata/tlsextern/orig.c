#include <stdio.h>

extern __thread int lib_tls;

int get(void)
{
	return lib_tls;
}

int main(void)
{
	printf("%d\n", get());
	return 0;
}
