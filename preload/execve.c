/*
 * execve.so: LD_PRELOAD helper that lets the libcare-ctl server patch a
 * program before its first instruction runs (LibcarePlus tests/execve,
 * facts §8.13).
 *
 * Build: gcc -shared -fPIC -O2 -Wall -o execve.so preload/execve.c -ldl
 *
 * Before the real execve of a path matching KP_EXECVE_PATTERN (fnmatch(3);
 * FNM_PATHNAME when KP_EXECVE_PATTERN_PATHNAME is set; every path when
 * unset) the calling thread connects to the server socket LIBCARE_CTL_UNIX
 * (default /run/libcare/libcare.sock, "@name" for an abstract socket),
 * sends "execve\0<tid>\0golibcare\0\0" and waits for a 4-byte answer. The
 * extra argument tells our server this helper from upstream's, which sends
 * "execve\0<tid>\0\0" (upstream's server reads only the tid). Upstream
 * then executes int3 for a server that traces it; this helper does so only
 * when it is traced, so it never kills the program with SIGTRAP.
 *
 * The connection survives the execve as LIBCARE_EXECVE_FD. ld.so maps every
 * library of the new program, then runs this helper's constructor (it stays
 * in LD_PRELOAD), which sends one byte and blocks until the server closes
 * the connection: the server patches the program meanwhile, so main() and
 * everything after it run patched code.
 *
 * Any failure (no server, no answer) lets the program run unpatched rather
 * than stop it.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <poll.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#define DEFAULT_SOCKET "/run/libcare/libcare.sock"
#define FD_ENV "LIBCARE_EXECVE_FD"
#define MARKER "golibcare" /* our server keeps the connection across the exec */
#define TIMEOUT_MS 10000 /* a stuck server must not hang programs forever */

extern char **environ;

static int matches(const char *path)
{
	const char *pat = getenv("KP_EXECVE_PATTERN");
	int flags = getenv("KP_EXECVE_PATTERN_PATHNAME") ? FNM_PATHNAME : 0;

	return pat == NULL || fnmatch(pat, path, flags) == 0;
}

static int connect_server(void)
{
	const char *name = getenv("LIBCARE_CTL_UNIX");
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	socklen_t len;
	int fd;

	if (name == NULL || *name == '\0')
		name = DEFAULT_SOCKET;
	if (strlen(name) >= sizeof(sun.sun_path))
		return -1;
	strcpy(sun.sun_path, name);
	len = offsetof(struct sockaddr_un, sun_path) + strlen(name);
	if (name[0] == '@')
		sun.sun_path[0] = '\0'; /* abstract: no trailing NUL counted */
	else
		len++;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sun, len) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static int wait_readable(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int r;

	do
		r = poll(&p, 1, TIMEOUT_MS);
	while (r < 0 && errno == EINTR);
	return r > 0 ? 0 : -1;
}

static int read_full(int fd, char *buf, size_t n)
{
	while (n > 0) {
		ssize_t r;

		if (wait_readable(fd) < 0)
			return -1;
		r = read(fd, buf, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		buf += r;
		n -= r;
	}
	return 0;
}

static int traced(void)
{
	char buf[4096];
	ssize_t n;
	char *p;
	int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	p = strstr(buf, "TracerPid:");
	return p != NULL && atoi(p + strlen("TracerPid:")) != 0;
}

/* handshake asks the server to patch the program this thread is about to
 * execute; it returns the connection to pass on, or -1. */
static int handshake(const char *path)
{
	char msg[64], reply[4];
	int fd, n;

	if (!matches(path))
		return -1;
	fd = connect_server();
	if (fd < 0)
		return -1;
	n = snprintf(msg, sizeof(msg), "execve%c%ld%c" MARKER "%c", '\0', (long)syscall(SYS_gettid), '\0', '\0');
	msg[n++] = '\0';
	if (write(fd, msg, n) != n || read_full(fd, reply, sizeof(reply)) < 0) {
		close(fd);
		return -1;
	}
	if (traced())
		__asm__ volatile("int3");
	return fd;
}

static size_t env_len(char *const envp[])
{
	size_t n = 0;

	while (envp && envp[n])
		n++;
	return n;
}

/* with_fd fills env (room for n + 2 entries) with envp plus FD_ENV=fd in
 * place of any old one. */
static void with_fd(char **env, char *const envp[], size_t n, int fd, char *var, size_t varlen)
{
	size_t i, j = 0;

	for (i = 0; i < n; i++)
		if (strncmp(envp[i], FD_ENV "=", strlen(FD_ENV) + 1) != 0)
			env[j++] = envp[i];
	snprintf(var, varlen, FD_ENV "=%d", fd);
	env[j++] = var;
	env[j] = NULL;
}

typedef int (*execve_fn)(const char *, char *const[], char *const[]);

/* Resolved by the constructor: a child of vfork() must not run dlsym's
 * allocations. */
static execve_fn real_execve, real_execvpe;

static execve_fn resolve(execve_fn *slot, const char *sym)
{
	if (*slot == NULL)
		*slot = (execve_fn)dlsym(RTLD_NEXT, sym);
	return *slot;
}

/* run_exec performs the handshake, then the real exec with the connection
 * inherited; on failure the connection is closed and errno kept. Nothing
 * here allocates, so it is safe in a vfork() child. */
static int run_exec(execve_fn real, const char *path, char *const argv[], char *const envp[])
{
	size_t n = env_len(envp);
	char var[64], *env[n + 2];
	int fd, err, r;

	if (real == NULL) {
		errno = ENOSYS;
		return -1;
	}
	fd = handshake(path);
	if (fd < 0)
		return real(path, argv, envp);
	if (fcntl(fd, F_SETFD, 0) < 0) {
		close(fd);
		return real(path, argv, envp);
	}
	with_fd(env, envp, n, fd, var, sizeof(var));
	r = real(path, argv, env);
	err = errno;
	close(fd);
	errno = err;
	return r;
}

int execve(const char *path, char *const argv[], char *const envp[])
{
	return run_exec(resolve(&real_execve, "execve"), path, argv, envp);
}

int execvpe(const char *file, char *const argv[], char *const envp[])
{
	return run_exec(resolve(&real_execvpe, "execvpe"), file, argv, envp);
}

int execv(const char *path, char *const argv[])
{
	return run_exec(resolve(&real_execve, "execve"), path, argv, environ);
}

int execvp(const char *file, char *const argv[])
{
	return run_exec(resolve(&real_execvpe, "execvpe"), file, argv, environ);
}

/* In the new program: tell the server the libraries are mapped, and wait
 * until it has patched us and closed the connection. */
__attribute__((constructor)) static void libcare_execve_ready(void)
{
	const char *v = getenv(FD_ENV);
	char buf[256];
	int fd;

	resolve(&real_execve, "execve");
	resolve(&real_execvpe, "execvpe");
	if (v == NULL)
		return;
	fd = atoi(v);
	unsetenv(FD_ENV);
	if (fd < 0 || fcntl(fd, F_SETFD, FD_CLOEXEC) < 0)
		return;
	if (write(fd, "R", 1) == 1)
		while (wait_readable(fd) == 0 && read(fd, buf, sizeof(buf)) > 0)
			;
	close(fd);
}
