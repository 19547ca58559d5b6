// SPDX-License-Identifier: MIT
/*
 * pty_run COMMAND [ARGS]: run COMMAND with a pseudo-terminal as its
 * standard output and copy what it writes to ours, for tests of what a
 * program does only on a terminal (the guest has no script(1)). Exit
 * status: COMMAND's, or 125 when no terminal could be made.
 */
#include <errno.h>
#include <pty.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	char buf[4096];
	ssize_t n;
	int master, status;
	pid_t pid;

	if (argc < 2) {
		fprintf(stderr, "usage: pty_run COMMAND [ARGS]\n");
		return 125;
	}
	pid = forkpty(&master, NULL, NULL, NULL);
	if (pid < 0) {
		perror("pty_run: forkpty");
		return 125;
	}
	if (pid == 0) {
		execvp(argv[1], argv + 1);
		perror("pty_run: exec");
		_exit(127);
	}
	/* EIO once the child has closed the terminal's last descriptor. */
	while ((n = read(master, buf, sizeof(buf))) > 0 || (n < 0 && errno == EINTR))
		if (n > 0 && fwrite(buf, 1, (size_t)n, stdout) != (size_t)n)
			return 125;
	if (waitpid(pid, &status, 0) < 0)
		return 125;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
