#include <stdio.h>
#include <stdlib.h>

__attribute__((noreturn, noinline)) static void die(const char *msg, int code)
{
	fprintf(stderr, "fatal: %s\n", msg);
	exit(code);
}

int checked_div(int a, int b)
{
	if (__builtin_expect(b == 0, 0)) {
		fprintf(stderr, "division of %d by zero\n", a);
		die("div", 3);
	}
	return a / b + 1;
}

int main(int argc, char **argv)
{
	printf("%d\n", checked_div(100, argc));
	return 0;
}
