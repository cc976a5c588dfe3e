/* -fno-plt code of a shared library calls the library's own (preemptible)
   functions through the GOT: ld keeps "call *other@GOTPCREL(%rip)", and
   kpatch_strip must make it a direct call as it makes GOT loads leas. */
int other(int x)
{
	return x + 1;
}

int get(int x)
{
	return other(x) * 2;
}
