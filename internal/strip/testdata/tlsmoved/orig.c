#include <stdio.h>

__thread int tls_counter;

int get(void)
{
	return tls_counter;
}

int main(void)
{
	printf("%d\n", get());
	return 0;
}
