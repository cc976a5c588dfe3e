int next(void)
{
	static int seq = 100;
	return seq++;
}
