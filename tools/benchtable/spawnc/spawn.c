/* spawn: the C baseline of alsh's fork+execvp+exit benchmark
 * (engine/bench_fastpath_test.go compiles and runs it). It starts
 * `/bin/true` N times with posix_spawnp and waits for each with waitpid,
 * then prints the mean nanoseconds per program. */
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>

extern char **environ;

int main(int argc, char **argv) {
	int n = argc > 1 ? atoi(argv[1]) : 100;
	char *args[] = {"true", NULL};
	struct timespec t0, t1;
	if (n <= 0) {
		fprintf(stderr, "spawn: want a positive count, got %s\n", argv[1]);
		return 2;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < n; i++) {
		pid_t pid;
		int status;
		if (posix_spawnp(&pid, "/bin/true", NULL, NULL, args, environ) != 0) {
			perror("posix_spawnp");
			return 1;
		}
		if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
			fprintf(stderr, "spawn: /bin/true did not exit 0\n");
			return 1;
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("%lld\n", ((t1.tv_sec - t0.tv_sec) * 1000000000LL + (t1.tv_nsec - t0.tv_nsec)) / n);
	return 0;
}
