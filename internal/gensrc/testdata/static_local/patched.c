#include <stdio.h>

int next_id(void)
{
	static int counter;
	static int step = 1;
	counter += step * 2;
	return counter;
}

int other(void)
{
	static int counter = 10;
	return counter--;
}

int main(void) { printf("%d %d\n", next_id(), other()); return 0; }
