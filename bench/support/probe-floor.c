/*
 * The floor under an HTTP health check, for bench/checks.ts: the socket work Consul's check does per
 * run (a fresh TCP connection, one "Connection: close" request, the answer read to EOF, close) and
 * nothing else, in C. It runs `rate` probes a second against host:port in batches of `batch` (the
 * agent starts its checks in slots the same way) for `seconds`, then prints the CPU it used:
 *   probe-floor <ipv4> <port> <rate> <batch> <seconds>  ->  "probes=N cpu_s=X"
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv) {
  if (argc != 6) {
    fprintf(stderr, "usage: probe-floor <ipv4> <port> <rate> <batch> <seconds>\n");
    return 2;
  }
  struct sockaddr_in addr;
  memset(&addr, 0, sizeof addr);
  addr.sin_family = AF_INET;
  addr.sin_port = htons((unsigned short)atoi(argv[2]));
  if (inet_pton(AF_INET, argv[1], &addr.sin_addr) != 1) {
    fprintf(stderr, "probe-floor: bad address %s\n", argv[1]);
    return 2;
  }
  const int rate = atoi(argv[3]), batch = atoi(argv[4]), seconds = atoi(argv[5]);
  char req[256];
  int len = snprintf(req, sizeof req,
                     "GET /health/floor HTTP/1.1\r\nHost: %s:%s\r\nUser-Agent: Consul Health Check\r\n"
                     "Accept: text/plain, text/*, */*\r\nConnection: close\r\n\r\n", argv[1], argv[2]);
  const long total = (long)rate * seconds;
  const long gap_ns = 1000000000L / rate * batch;
  struct timespec next;
  clock_gettime(CLOCK_MONOTONIC, &next);
  char buf[4096];
  long done = 0, failed = 0;
  while (done < total) {
    for (int i = 0; i < batch && done < total; i++, done++) {
      int s = socket(AF_INET, SOCK_STREAM, 0);
      if (s < 0 || connect(s, (struct sockaddr *)&addr, sizeof addr) != 0 || write(s, req, len) != len) {
        failed++;
      } else {
        while (read(s, buf, sizeof buf) > 0) {
        }
      }
      if (s >= 0) close(s);
    }
    next.tv_nsec += gap_ns;
    while (next.tv_nsec >= 1000000000L) {
      next.tv_nsec -= 1000000000L;
      next.tv_sec++;
    }
    clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
  }
  struct timespec cpu;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cpu);
  printf("probes=%ld failed=%ld cpu_s=%.4f\n", done, failed, cpu.tv_sec + cpu.tv_nsec / 1e9);
  return failed > 0 ? 1 : 0;
}
