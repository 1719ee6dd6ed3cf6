/* The least any poller can do per attempt against a refused port: socket,
 * non-blocking connect, poll for the answer, close, sleep. bench/bench.py runs it
 * beside pgready for goal 2 of issue #14 (CPU per minute of waiting), and with no
 * arguments as the cost of starting a static binary (goal 3).
 *
 *   floor PORT SECONDS SLEEP_MS   prints the number of attempts made
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
    if (argc < 4)
        return 0;
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(atoi(argv[1]))};
    inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
    double end = now() + atof(argv[2]);
    long pause_ns = atol(argv[3]) * 1000000L;
    struct timespec pause = {pause_ns / 1000000000L, pause_ns % 1000000000L};
    long attempts = 0;
    while (now() < end) {
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0) {
            struct pollfd p = {.fd = fd, .events = POLLOUT};
            poll(&p, 1, 1000);
        }
        close(fd);
        attempts++;
        nanosleep(&pause, NULL);
    }
    printf("%ld\n", attempts);
    return 0;
}
