/* The workload of the cgroup v2 proof (tests/cgroup_v2.sh), built with `gcc -static` so that the
 * VM needs no libraries for it: a known amount of anonymous memory, every page touched, optionally
 * a pool of forked workers that share one region (MAP_SHARED, or a file in /dev/shm), held long
 * enough for a sampler to see the peak.
 *
 *   alloc [-m MIB] [-w WORKERS] [-W WORKER_MIB] [-s SHARED_MIB] [-d] [-t HOLD_MS]
 *
 *   -m  anonymous MiB of the parent              -w  forked workers
 *   -W  anonymous MiB of each worker             -s  MiB shared by the parent and every worker
 *   -d  the shared region is a /dev/shm file     -t  how long each process holds its memory
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MIB (1024L * 1024L)

static void die(const char *what) {
    perror(what);
    exit(2);
}

/* A private anonymous mapping with every page written. */
static void anon(long mib) {
    if (mib <= 0) return;
    char *p = mmap(NULL, mib * MIB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) die("mmap anon");
    for (long i = 0; i < mib * MIB; i += 4096) p[i] = (char)i | 1;
}

/* The region every process of the pool maps: shared anonymous memory or a /dev/shm file, which
 * is unlinked at once so that nothing is left in /dev/shm after the run. */
static char *shared(long mib, int devshm) {
    int fd = -1, flags = MAP_SHARED;
    if (devshm) {
        char name[64];
        snprintf(name, sizeof name, "/dev/shm/alloc-%d", (int)getpid());
        fd = open(name, O_RDWR | O_CREAT | O_EXCL, 0600);
        if (fd < 0) die("open /dev/shm");
        unlink(name);
        if (ftruncate(fd, mib * MIB) != 0) die("ftruncate");
    } else {
        flags |= MAP_ANONYMOUS;
    }
    char *p = mmap(NULL, mib * MIB, PROT_READ | PROT_WRITE, flags, fd, 0);
    if (p == MAP_FAILED) die("mmap shared");
    return p;
}

/* Writes every page, as each worker of a pool reads and writes the shared data. */
static void touch(char *p, long mib) {
    for (long i = 0; i < mib * MIB; i += 4096) p[i] += 1;
}

static void hold(long ms) {
    struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&t, &t) != 0) {}
}

int main(int argc, char **argv) {
    long mib = 0, workers = 0, worker_mib = 0, shared_mib = 0, hold_ms = 0;
    int devshm = 0, opt;
    while ((opt = getopt(argc, argv, "m:w:W:s:dt:")) != -1) {
        switch (opt) {
        case 'm': mib = atol(optarg); break;
        case 'w': workers = atol(optarg); break;
        case 'W': worker_mib = atol(optarg); break;
        case 's': shared_mib = atol(optarg); break;
        case 'd': devshm = 1; break;
        case 't': hold_ms = atol(optarg); break;
        default: fprintf(stderr, "usage: alloc [-m MIB] [-w N] [-W MIB] [-s MIB] [-d] [-t MS]\n"); return 2;
        }
    }
    char *region = shared_mib > 0 ? shared(shared_mib, devshm) : NULL;
    if (region) touch(region, shared_mib);
    for (long k = 0; k < workers; k++) {
        pid_t pid = fork();
        if (pid < 0) die("fork");
        if (pid == 0) {
            anon(worker_mib);
            if (region) touch(region, shared_mib);
            hold(hold_ms);
            _exit(0);
        }
    }
    anon(mib);
    hold(hold_ms);
    int status, failed = 0;
    while (wait(&status) > 0) failed |= !WIFEXITED(status) || WEXITSTATUS(status) != 0;
    return failed;
}
