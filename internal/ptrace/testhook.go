package ptrace

// The test hook's names (package doc, "Test hook"). Only a program built
// with TestHookTag looks at the variables: without the tag the hook is not
// compiled in (testhook_off.go).
const (
	// TestHookTag is the build tag that compiles the test hook in.
	TestHookTag = "golibcare_testhook"
	// TestKillAfterEnv holds N: the program SIGKILLs itself right after
	// its N-th ptrace request.
	TestKillAfterEnv = "GOLIBCARE_TEST_KILL_AFTER_PTRACE"
	// TestCountFileEnv names a file that holds the number of ptrace
	// requests made so far, rewritten after each one so that it is right
	// at any exit.
	TestCountFileEnv = "GOLIBCARE_TEST_PTRACE_COUNT_FILE"
)
