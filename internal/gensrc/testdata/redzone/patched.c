/* A leaf function at -O0 keeps its locals in the red zone below %rsp;
   --force-gotpcrel rewrites the store to g and must not push over them. */
unsigned g;

unsigned f(unsigned n)
{
	unsigned a = n * 3;
	unsigned b = a + 2;
	g = b;
	return a + b;
}

int main(void)
{
	return (int)f(1) & 1;
}
