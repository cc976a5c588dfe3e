int limit = 10;
int get(void) { return limit; }
