/* Runs a command with SIGINT and SIGQUIT at their defaults. A shell script's `cmd &` starts cmd
 * ignoring both, and memgate keeps what it was started ignoring (src/measure/interrupt.rs), so the
 * proof's "Ctrl-C mid-run" starts memgate through this. Built with `gcc -static`.
 *
 *   sigdfl CMD [ARGS…]
 */
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: sigdfl CMD [ARGS...]\n");
        return 2;
    }
    signal(SIGINT, SIG_DFL);
    signal(SIGQUIT, SIG_DFL);
    execvp(argv[1], argv + 1);
    perror(argv[1]);
    return 127;
}
