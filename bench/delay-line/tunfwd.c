/*
 * tunfwd: a delay line between two TUN devices, for the benchmark (bench/delay-line/netns.ts).
 *
 *   tunfwd IF_A IF_B DELAY_MS
 *
 * Creates the TUN devices IF_A and IF_B (IFF_TUN | IFF_NO_PI) in the current network namespace, prints "ready",
 * then passes every IP packet read from one to the other DELAY_MS later, in order: SYN, SYN-ACK, data, FIN and
 * RST alike, so a TCP connect costs a full round trip. The caller moves each device into its own namespace.
 * Exits when its stdin closes (the parent is gone); the devices go with it. Bounded: at most MAX_QUEUED packets
 * wait per direction (more are dropped, as a full router queue would).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#define MTU_MAX 65536
#define MAX_QUEUED 65536

typedef struct packet {
  uint64_t due_ns;
  struct packet *next;
  size_t len;
  unsigned char data[];
} packet;

typedef struct {
  packet *head, *tail;
  size_t count;
  unsigned long long forwarded, dropped;
} queue;

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int open_tun(const char *name) {
  int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) { perror("open /dev/net/tun"); exit(2); }
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
  strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
  if (ioctl(fd, TUNSETIFF, &ifr) < 0) { perror("TUNSETIFF"); exit(2); }
  return fd;
}

/* Reads every packet waiting on `from` into `q`, each due `delay` from now. */
static void drain(int from, queue *q, uint64_t delay, unsigned char *buf) {
  for (;;) {
    ssize_t n = read(from, buf, MTU_MAX);
    if (n < 0) {
      if (errno == EAGAIN || errno == EINTR) return;
      perror("read"); exit(3);
    }
    if (n == 0) return;
    if (q->count >= MAX_QUEUED) { q->dropped++; continue; }
    packet *p = malloc(sizeof(packet) + (size_t)n);
    if (!p) { q->dropped++; continue; }
    p->due_ns = now_ns() + delay;
    p->next = NULL;
    p->len = (size_t)n;
    memcpy(p->data, buf, (size_t)n);
    if (q->tail) q->tail->next = p; else q->head = p;
    q->tail = p;
    q->count++;
  }
}

/* Writes every due packet of `q` to `to`. */
static void deliver(int to, queue *q, uint64_t now) {
  while (q->head && q->head->due_ns <= now) {
    packet *p = q->head;
    if (write(to, p->data, p->len) < 0 && errno != EAGAIN && errno != EIO) { perror("write"); exit(3); }
    q->forwarded++;
    q->head = p->next;
    if (!q->head) q->tail = NULL;
    q->count--;
    free(p);
  }
}

int main(int argc, char **argv) {
  if (argc != 4) { fprintf(stderr, "usage: tunfwd IF_A IF_B DELAY_MS\n"); return 1; }
  uint64_t delay = (uint64_t)(atof(argv[3]) * 1e6);
  int a = open_tun(argv[1]), b = open_tun(argv[2]);
  static unsigned char buf[MTU_MAX];
  queue ab = {0}, ba = {0};
  printf("ready\n");
  fflush(stdout);
  for (;;) {
    uint64_t now = now_ns();
    deliver(b, &ab, now);
    deliver(a, &ba, now);
    struct timespec wait, *timeout = NULL;
    uint64_t next = 0;
    if (ab.head) next = ab.head->due_ns;
    if (ba.head && (!next || ba.head->due_ns < next)) next = ba.head->due_ns;
    if (next) {
      now = now_ns();
      uint64_t d = next <= now ? 0 : next - now;
      wait.tv_sec = (time_t)(d / 1000000000ull);
      wait.tv_nsec = (long)(d % 1000000000ull);
      timeout = &wait;
    }
    struct pollfd fds[3] = { { a, POLLIN, 0 }, { b, POLLIN, 0 }, { 0, POLLIN, 0 } };
    int r = ppoll(fds, 3, timeout, NULL);
    if (r < 0 && errno != EINTR) { perror("poll"); return 3; }
    if (r <= 0) continue;
    if (fds[2].revents & (POLLIN | POLLHUP | POLLERR)) {
      char c;
      if (read(0, &c, 1) <= 0) {
        fprintf(stderr, "tunfwd: forwarded %llu/%llu packets (dropped %llu/%llu)\n", ab.forwarded, ba.forwarded, ab.dropped, ba.dropped);
        return 0;
      }
    }
    if (fds[0].revents & POLLIN) drain(a, &ab, delay, buf);
    if (fds[1].revents & POLLIN) drain(b, &ba, delay, buf);
  }
}
