struct pair { int a, extra, b; };
struct pair origin = { 1, 0, 2 };
int get(void) { return origin.b; }
