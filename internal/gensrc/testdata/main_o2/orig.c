#include <stdio.h>
#include <unistd.h>

void print_hello(void) { printf("Hello world!\n"); }

int main(void)
{
	for (int i = 0; i < 3; i++) {
		print_hello();
		usleep(1000);
	}
	return 0;
}
