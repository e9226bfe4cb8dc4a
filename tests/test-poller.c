/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * The epoll-backed watch set of a main context (src/common/ce-poller).
 */
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ce-poller.h"

typedef struct
{
  int fds[2];
  CePollerWatch *watch;
  guint calls;
  guint wakes;
  GIOCondition seen;
  gint64 last_call;
  CePollerWatch *remove_on_call; /* a watch this callback removes */
} Pair;

static void
pair_init (Pair *p)
{
  memset (p, 0, sizeof *p);
  g_assert_cmpint (socketpair (AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, p->fds),
      ==, 0);
}

static void
pair_clear (Pair *p)
{
  g_clear_pointer (&p->watch, ce_poller_watch_remove);
  close (p->fds[0]);
  close (p->fds[1]);
}

static void
on_io (int fd, GIOCondition cond, gpointer data)
{
  Pair *p = data;
  char buf[64];

  p->calls++;
  p->seen |= cond;
  p->last_call = g_get_monotonic_time ();
  if (cond == 0)
    p->wakes++;
  if (cond & G_IO_IN)
    while (read (fd, buf, sizeof buf) > 0)
      ;
  if (p->remove_on_call != NULL) {
    ce_poller_watch_remove (p->remove_on_call);
    p->remove_on_call = NULL;
  }
}

static void
iterate_for (guint ms)
{
  gint64 end = g_get_monotonic_time () + ms * 1000;

  while (g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, FALSE), g_usleep (500);
}

static void
test_read_write (void)
{
  CePoller *poller = ce_poller_ref_for_context (NULL);
  Pair p;

  pair_init (&p);
  p.watch = ce_poller_watch_add (poller, p.fds[0], G_IO_IN, on_io, &p);
  iterate_for (20);
  g_assert_cmpuint (p.calls, ==, 0);
  g_assert_cmpint (write (p.fds[1], "x", 1), ==, 1);
  iterate_for (20);
  g_assert_cmpuint (p.calls, ==, 1);
  g_assert_true (p.seen & G_IO_IN);

  /* Writable at once; then not asked for any more. */
  p.seen = 0;
  ce_poller_watch_set_events (p.watch, G_IO_IN | G_IO_OUT);
  iterate_for (10);
  g_assert_true (p.seen & G_IO_OUT);
  ce_poller_watch_set_events (p.watch, G_IO_IN);
  iterate_for (20);
  p.calls = 0;
  iterate_for (20);
  g_assert_cmpuint (p.calls, ==, 0);

  /* The peer hangs up. */
  close (p.fds[1]);
  p.fds[1] = dup (p.fds[0]); /* keep pair_clear simple */
  shutdown (p.fds[0], SHUT_RDWR);
  iterate_for (20);
  g_assert_true (p.seen & (G_IO_HUP | G_IO_IN));
  pair_clear (&p);
  ce_poller_unref (poller);
}

typedef struct
{
  Pair *pair;
  guint n;
} WakeJob;

static gpointer
wake_thread (gpointer data)
{
  WakeJob *job = data;

  for (guint i = 0; i < job->n; i++)
    ce_poller_watch_wake (job->pair->watch);
  return NULL;
}

/* Wakes from other threads coalesce into one call per dispatch. */
static void
test_wake (void)
{
  CePoller *poller = ce_poller_ref_for_context (NULL);
  Pair p;
  WakeJob job = {&p, 1000};
  GThread *t;

  pair_init (&p);
  p.watch = ce_poller_watch_add (poller, p.fds[0], G_IO_IN, on_io, &p);
  t = g_thread_new ("waker", wake_thread, &job);
  g_thread_join (t);
  iterate_for (30);
  g_assert_cmpuint (p.wakes, >=, 1);
  g_assert_cmpuint (p.wakes, <=, 2);
  /* A wake pending on a removed watch runs nothing. */
  p.wakes = 0;
  ce_poller_watch_wake (p.watch);
  g_clear_pointer (&p.watch, ce_poller_watch_remove);
  iterate_for (20);
  g_assert_cmpuint (p.wakes, ==, 0);
  pair_clear (&p);
  ce_poller_unref (poller);
}

/* A callback removes another watch that is ready in the same dispatch. */
static void
test_remove_in_callback (void)
{
  CePoller *poller = ce_poller_ref_for_context (NULL);
  Pair a, b;

  pair_init (&a);
  pair_init (&b);
  a.watch = ce_poller_watch_add (poller, a.fds[0], G_IO_IN, on_io, &a);
  b.watch = ce_poller_watch_add (poller, b.fds[0], G_IO_IN, on_io, &b);
  a.remove_on_call = b.watch;
  b.remove_on_call = a.watch;
  g_assert_cmpint (write (a.fds[1], "x", 1), ==, 1);
  g_assert_cmpint (write (b.fds[1], "x", 1), ==, 1);
  iterate_for (20);
  /* Whichever ran first removed the other. */
  g_assert_cmpuint (a.calls + b.calls, ==, 1);
  if (a.calls == 1)
    b.watch = NULL; /* removed by a's callback */
  else
    a.watch = NULL;
  pair_clear (&a);
  pair_clear (&b);
  ce_poller_unref (poller);
}

/* Light traffic, such as a handshake's round trips, never waits out a
 * batch window: ten request/answer turns take far less than ten windows. */
static void
test_light_traffic (void)
{
  CePoller *poller = ce_poller_ref_for_context (NULL);
  Pair p;
  gint64 start;

  pair_init (&p);
  p.watch = ce_poller_watch_add (poller, p.fds[0], G_IO_IN, on_io, &p);
  iterate_for (150); /* a quiet rate period */
  start = g_get_monotonic_time ();
  for (guint i = 1; i <= 10; i++) {
    g_assert_cmpint (write (p.fds[1], "x", 1), ==, 1);
    while (p.calls < i)
      g_main_context_iteration (NULL, TRUE);
  }
  g_test_message ("10 turns in %" G_GINT64_FORMAT " us",
      g_get_monotonic_time () - start);
  g_assert_cmpint (g_get_monotonic_time () - start, <,
      10 * CE_POLLER_BATCH_US / 2);
  pair_clear (&p);
  ce_poller_unref (poller);
}

/* Steady traffic is served in batches, an idle poller at once. */
static void
test_batching (void)
{
  CePoller *poller = ce_poller_ref_for_context (NULL);
  Pair p;
  gint64 start, elapsed;

  pair_init (&p);
  p.watch = ce_poller_watch_add (poller, p.fds[0], G_IO_IN, on_io, &p);
  /* Idle: the first event is answered without waiting out a batch. */
  iterate_for (20);
  start = g_get_monotonic_time ();
  g_assert_cmpint (write (p.fds[1], "x", 1), ==, 1);
  while (p.calls == 0)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpint (p.last_call - start, <, CE_POLLER_BATCH_US);

  /* Busy: 200 writes 0.2 ms apart (40 ms) take far fewer calls: at most
   * the calls before batching starts (up to two rate periods' worth) and
   * one per window after. */
  p.calls = 0;
  start = g_get_monotonic_time ();
  for (int i = 0; i < 200; i++) {
    g_assert_cmpint (write (p.fds[1], "x", 1), ==, 1);
    g_usleep (200);
    g_main_context_iteration (NULL, FALSE);
  }
  iterate_for (20);
  elapsed = g_get_monotonic_time () - start;
  g_test_message ("%u calls for 200 writes in %" G_GINT64_FORMAT " us", p.calls,
      elapsed);
  g_assert_cmpuint (p.calls, <=,
      2 * CE_POLLER_BATCH_ON + elapsed / CE_POLLER_BATCH_US + 2);
  g_assert_cmpuint (p.calls, <, 150);
  g_assert_cmpuint (p.calls, >, 0);
  pair_clear (&p);
  ce_poller_unref (poller);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/poller/read-write", test_read_write);
  g_test_add_func ("/poller/wake", test_wake);
  g_test_add_func ("/poller/remove-in-callback", test_remove_in_callback);
  g_test_add_func ("/poller/light-traffic", test_light_traffic);
  g_test_add_func ("/poller/batching", test_batching);
  return g_test_run ();
}
