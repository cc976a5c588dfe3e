int next(void)
{
	static int seq = 200;
	return seq++;
}
