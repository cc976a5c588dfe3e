#include <stdio.h>
#include <unistd.h>

extern char **environ;
int hits;

int count(int argc)
{
	hits++;
	return argc > 1;
}

void say(const char *s)
{
	puts(s);
}

int main(int argc, char **argv)
{
	say(argv[0]);
	return count(argc);
}
