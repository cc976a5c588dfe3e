__thread int counter = 3;

int lib_get(void)
{
	return counter;
}
