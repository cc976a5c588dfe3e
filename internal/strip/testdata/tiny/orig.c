int calls;

void __attribute__((noinline)) hook(void)
{
}

int main(void)
{
	hook();
	return calls;
}
