int limit = 10;
int spare = 3;
int get(void) { return limit; }
