/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * The plugin's network thread (see ce-net.h).
 */
#include "ce-net.h"

static GMainContext *net_context; /* set once, never freed */

static gpointer
net_thread (gpointer data)
{
  GMainContext *context = data;

  g_main_context_push_thread_default (context);
  for (;;)
    g_main_context_iteration (context, TRUE);
  return NULL;
}

GMainContext *
ce_net_get_context (void)
{
  if (g_once_init_enter (&net_context)) {
    GMainContext *context = g_main_context_new ();

    /* The thread is never joined; it holds the context for the process'
     * lifetime. */
    g_thread_unref (g_thread_new ("cityeye-net", net_thread, context));
    g_once_init_leave (&net_context, context);
  }
  return net_context;
}

typedef struct
{
  GSourceFunc func;
  gpointer data;
  GMutex lock;
  GCond cond;
  gboolean done;
} SyncCall;

static gboolean
sync_call_run (gpointer user_data)
{
  SyncCall *call = user_data;

  call->func (call->data);
  g_mutex_lock (&call->lock);
  call->done = TRUE;
  g_cond_signal (&call->cond);
  g_mutex_unlock (&call->lock);
  return G_SOURCE_REMOVE;
}

void
ce_net_run_sync (GSourceFunc func, gpointer data)
{
  GMainContext *context = ce_net_get_context ();
  SyncCall call = {func, data};

  if (g_main_context_is_owner (context)) {
    func (data);
    return;
  }
  g_mutex_init (&call.lock);
  g_cond_init (&call.cond);
  g_main_context_invoke (context, sync_call_run, &call);
  g_mutex_lock (&call.lock);
  while (!call.done)
    g_cond_wait (&call.cond, &call.lock);
  g_mutex_unlock (&call.lock);
  g_mutex_clear (&call.lock);
  g_cond_clear (&call.cond);
}
