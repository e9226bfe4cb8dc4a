/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * One epoll set per main context, dispatched in batches (see ce-poller.h).
 */
#include "ce-poller.h"

#include <errno.h>
#include <sys/epoll.h>
#include <unistd.h>

#define MAX_EVENTS 256

struct _CePollerWatch
{
  gint refs; /* atomic: the owner, a pending wake, a dispatch in progress */
  CePoller *poller;
  int fd;
  CePollerFunc func;
  gpointer user_data;
  gboolean removed; /* context thread only */
  gboolean woken;   /* under poller->lock */
};

typedef struct
{
  GSource source;
  CePoller *poller;
} PollerSource;

struct _CePoller
{
  gint refs; /* under pollers_lock */
  GMainContext *context;
  int epfd;
  guint batch_us;
  GSource *source;
  gpointer tag;
  GMutex lock;        /* guards: */
  GPtrArray *woken;   /* CePollerWatch (a ref each) */
  gboolean in_window; /* waiting out a batch: the ready time is set */
  /* Context thread only: busy dispatches counted per rate period. */
  gint64 period_start;
  guint period_busy;
  gboolean batching;
};

static GMutex pollers_lock;
static GHashTable *pollers; /* GMainContext → CePoller */

static void
watch_unref (CePollerWatch *w)
{
  if (g_atomic_int_dec_and_test (&w->refs))
    g_free (w);
}

static guint32
to_epoll (GIOCondition events)
{
  return ((events & G_IO_IN) ? EPOLLIN : 0) |
      ((events & G_IO_OUT) ? EPOLLOUT : 0);
}

static GIOCondition
from_epoll (guint32 events)
{
  return ((events & EPOLLIN) ? G_IO_IN : 0) |
      ((events & EPOLLOUT) ? G_IO_OUT : 0) |
      ((events & EPOLLHUP) ? G_IO_HUP : 0) |
      ((events & EPOLLERR) ? G_IO_ERR : 0);
}

/* Batching is for heavy traffic only: a light one (a camera's RTSP
 * handshake, a few streams) is answered at once, where a batch window
 * would add its delay to every round trip of a handshake.  It starts once
 * a rate period has seen CE_POLLER_BATCH_ON busy dispatches and stops after
 * a period with fewer than CE_POLLER_BATCH_OFF. */
static void
update_rate (CePoller *p, gint64 now)
{
  if (now - p->period_start >= CE_POLLER_RATE_PERIOD_US) {
    p->batching = p->period_busy >= CE_POLLER_BATCH_ON ||
        (p->batching && p->period_busy >= CE_POLLER_BATCH_OFF);
    p->period_start = now;
    p->period_busy = 0;
  }
  if (++p->period_busy >= CE_POLLER_BATCH_ON)
    p->batching = TRUE;
}

static gboolean
poller_dispatch (GSource *source, GSourceFunc callback, gpointer data)
{
  CePoller *p = ((PollerSource *) source)->poller;
  struct epoll_event ev[MAX_EVENTS];
  g_autoptr (GPtrArray) woken = NULL;
  gint64 now = g_get_monotonic_time ();
  gboolean busy;
  int n;

  /* A callback may drop the last reference of the poller. */
  g_mutex_lock (&pollers_lock);
  p->refs++;
  g_mutex_unlock (&pollers_lock);
  n = epoll_wait (p->epfd, ev, MAX_EVENTS, 0);
  if (n < 0) {
    if (errno != EINTR)
      g_critical ("epoll_wait: %s", g_strerror (errno));
    n = 0;
  }
  /* A callback may remove a watch whose event is further down. */
  for (int i = 0; i < n; i++)
    g_atomic_int_inc (&((CePollerWatch *) ev[i].data.ptr)->refs);
  for (int i = 0; i < n; i++) {
    CePollerWatch *w = ev[i].data.ptr;

    if (!w->removed)
      w->func (w->fd, from_epoll (ev[i].events), w->user_data);
    watch_unref (w);
  }

  /* Wakes after reads: what those reads queued goes out in this dispatch. */
  g_mutex_lock (&p->lock);
  if (p->woken->len > 0) {
    woken = p->woken;
    p->woken = g_ptr_array_new ();
    for (guint i = 0; i < woken->len; i++)
      ((CePollerWatch *) woken->pdata[i])->woken = FALSE;
  }
  g_mutex_unlock (&p->lock);
  for (guint i = 0; woken != NULL && i < woken->len; i++) {
    CePollerWatch *w = woken->pdata[i];

    if (!w->removed)
      w->func (w->fd, 0, w->user_data);
    watch_unref (w);
  }

  busy = n > 0 || woken != NULL;
  if (busy)
    update_rate (p, now);
  g_mutex_lock (&p->lock);
  if (busy && p->batching && p->batch_us > 0) {
    p->in_window = TRUE;
    g_source_modify_unix_fd (source, p->tag, 0);
    g_source_set_ready_time (source, now + p->batch_us);
  } else {
    p->in_window = FALSE;
    g_source_modify_unix_fd (source, p->tag, G_IO_IN);
    g_source_set_ready_time (source, p->woken->len > 0 ? 0 : -1);
  }
  g_mutex_unlock (&p->lock);
  ce_poller_unref (p);
  return G_SOURCE_CONTINUE;
}

static GSourceFuncs poller_funcs = {
    NULL,
    NULL,
    poller_dispatch,
    NULL,
    NULL,
    NULL,
};

CePoller *
ce_poller_ref_for_context (GMainContext *context)
{
  CePoller *p;

  if (context == NULL)
    context = g_main_context_default ();
  g_mutex_lock (&pollers_lock);
  if (pollers == NULL)
    pollers = g_hash_table_new (NULL, NULL);
  p = g_hash_table_lookup (pollers, context);
  if (p != NULL) {
    p->refs++;
    g_mutex_unlock (&pollers_lock);
    return p;
  }
  p = g_new0 (CePoller, 1);
  p->refs = 1;
  p->context = g_main_context_ref (context);
  p->epfd = epoll_create1 (EPOLL_CLOEXEC);
  if (p->epfd < 0)
    g_error ("epoll_create1: %s", g_strerror (errno));
  p->batch_us = CE_POLLER_BATCH_US;
  g_mutex_init (&p->lock);
  p->woken = g_ptr_array_new ();
  p->source = g_source_new (&poller_funcs, sizeof (PollerSource));
  ((PollerSource *) p->source)->poller = p;
  g_source_set_name (p->source, "cityeye poller");
  p->tag = g_source_add_unix_fd (p->source, p->epfd, G_IO_IN);
  g_source_attach (p->source, context);
  g_hash_table_insert (pollers, context, p);
  g_mutex_unlock (&pollers_lock);
  return p;
}

void
ce_poller_unref (CePoller *p)
{
  g_mutex_lock (&pollers_lock);
  if (--p->refs > 0) {
    g_mutex_unlock (&pollers_lock);
    return;
  }
  g_hash_table_remove (pollers, p->context);
  g_mutex_unlock (&pollers_lock);
  /* Every watch has been removed by its owner; wakes may still hold refs. */
  for (guint i = 0; i < p->woken->len; i++)
    watch_unref (p->woken->pdata[i]);
  g_ptr_array_unref (p->woken);
  g_source_destroy (p->source);
  g_source_unref (p->source);
  close (p->epfd);
  g_mutex_clear (&p->lock);
  g_main_context_unref (p->context);
  g_free (p);
}

CePollerWatch *
ce_poller_watch_add (CePoller *p, int fd, GIOCondition events,
    CePollerFunc func, gpointer user_data)
{
  CePollerWatch *w = g_new0 (CePollerWatch, 1);
  struct epoll_event ev = {.events = to_epoll (events), .data.ptr = w};

  w->refs = 1;
  w->poller = p;
  w->fd = fd;
  w->func = func;
  w->user_data = user_data;
  if (epoll_ctl (p->epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
    g_error ("epoll_ctl (ADD, %d): %s", fd, g_strerror (errno));
  return w;
}

void
ce_poller_watch_set_events (CePollerWatch *w, GIOCondition events)
{
  struct epoll_event ev = {.events = to_epoll (events), .data.ptr = w};

  g_return_if_fail (!w->removed);
  if (epoll_ctl (w->poller->epfd, EPOLL_CTL_MOD, w->fd, &ev) < 0)
    g_critical ("epoll_ctl (MOD, %d): %s", w->fd, g_strerror (errno));
}

void
ce_poller_watch_remove (CePollerWatch *w)
{
  if (w == NULL || w->removed)
    return;
  w->removed = TRUE;
  epoll_ctl (w->poller->epfd, EPOLL_CTL_DEL, w->fd, NULL);
  watch_unref (w);
}

void
ce_poller_watch_wake (CePollerWatch *w)
{
  CePoller *p = w->poller;

  g_mutex_lock (&p->lock);
  if (!w->woken) {
    w->woken = TRUE;
    g_atomic_int_inc (&w->refs);
    g_ptr_array_add (p->woken, w);
    if (!p->in_window)
      g_source_set_ready_time (p->source, 0);
  }
  g_mutex_unlock (&p->lock);
}
