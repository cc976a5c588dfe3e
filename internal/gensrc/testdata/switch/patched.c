#include <stdio.h>

extern void sink(int);

int dispatch(int op, int v)
{
	switch (op) {
	case 0: sink(v); return v + 1;
	case 1: sink(v * 2); return v - 1;
	case 2: puts("two"); return v * 3;
	case 3: sink(-v); return v / 2;
	case 4: puts("FOUR"); return v << 2;
	case 5: sink(v + 5); return v >> 1;
	case 6: puts("six"); return ~v;
	case 7: sink(7); return 7;
	}
	return 0;
}

void sink(int x) { printf("%d\n", x); }

int main(int argc, char **argv) { return dispatch(argc, 3); }
