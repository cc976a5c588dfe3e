__thread int lib_tls = 11;
