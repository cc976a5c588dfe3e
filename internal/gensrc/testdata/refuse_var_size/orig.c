struct pair { int a, b; };
struct pair origin = { 1, 2 };
int get(void) { return origin.b; }
