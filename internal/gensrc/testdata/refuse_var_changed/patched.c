int limit = 20;
int get(void) { return limit; }
