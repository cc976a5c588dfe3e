#include <cstdio>
#include <stdexcept>

int parse(int v)
{
	if (__builtin_expect(v < 0, 0))
		throw std::runtime_error("negative");
	return v * 2;
}

int main(int argc, char **)
{
	try {
		std::printf("%d\n", parse(argc));
	} catch (const std::exception &e) {
		std::puts(e.what());
	}
	return 0;
}
