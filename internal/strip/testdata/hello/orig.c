#include <stdio.h>
#include <unistd.h>

void print_hello(void)
{
	printf("Hello world %d!\n", 1);
}

int main(void)
{
	while (1) {
		print_hello();
		sleep(1);
	}
}
