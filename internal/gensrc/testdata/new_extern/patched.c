#include <stdio.h>
#include <unistd.h>

extern char **environ;
int hits;

int count(int argc)
{
	hits++;
	if (optind < argc)
		return environ != NULL;
	return argc > 1;
}

void say(const char *s)
{
	fprintf(stderr, "%s\n", s);
	opterr = 0;
}

int main(int argc, char **argv)
{
	say(argv[0]);
	return count(argc);
}
