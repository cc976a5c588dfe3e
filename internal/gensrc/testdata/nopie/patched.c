#include <stdio.h>
#include <string.h>

int total = 3;
static int hits;

static int square(int x) { return x * x; }

int compute(int a, int b)
{
	hits += 2;
	return square(a) - b * total + 1;
}

void greet(const char *who)
{
	char buf[64];
	strcpy(buf, "hi ");
	strncat(buf, who, sizeof(buf) - 4);
	printf("%s (%d)\n", buf, hits);
}

int main(int argc, char **argv)
{
	greet(argc > 1 ? argv[1] : "nobody");
	printf("%d\n", compute(argc, 7));
	return 0;
}
