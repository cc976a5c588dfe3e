#include <stdio.h>

int counter = 5;

int get(void)
{
	return counter;
}

int main(void)
{
	printf("%d\n", get());
	return 0;
}
