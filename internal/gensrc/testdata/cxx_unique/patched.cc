#include <cstdio>

template <typename T> struct Counter {
	static inline int count = 0;
	static int bump() { return ++count; }
};

inline int &shared_total() { static int total = 0; return total; }

int work(int n)
{
	shared_total() += 2 * n;
	return Counter<int>::bump() + Counter<long>::bump();
}

int main(int argc, char **) { std::printf("%d %d\n", work(argc), shared_total()); return 0; }
