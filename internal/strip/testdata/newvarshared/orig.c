/* A patch of this library adds a global variable, which -fPIC code loads
   through the GOT; in a shared library it is preemptible, so ld keeps the
   GOT load, and kpatch_strip must turn it into a lea as for the original's
   variables (the GOT is not part of the patch). */
int counter = 5;

int get(void)
{
	return counter;
}
