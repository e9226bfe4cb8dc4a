/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * libFuzzer target for the camera probe as a whole: a camera on 127.0.0.1
 * that answers the probe's requests with the fuzzer's bytes, then closes.
 * Whatever the bytes, the probe must end (within its time bounds), once,
 * with a consistent result and no credentials in its detail.
 */
#define _GNU_SOURCE /* memmem */
#include <stdint.h>
#include <string.h>

#include "ce-probe.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static GSocket *listener;
static char *url;

typedef struct
{
  gboolean done;
  gboolean input_has_secret; /* then the camera itself sent it */
  CeProbeResult result;
} Outcome;

static void
on_done (CeProbe *probe, const CeProbeResult *result, gpointer user_data)
{
  Outcome *o = user_data;

  if (o->done)
    __builtin_trap (); /* called twice */
  o->done = TRUE;
  o->result = *result;
  if (result->outcome < CE_PROBE_ONLINE ||
      result->outcome > CE_PROBE_OUTCOME_LAST || result->detail == NULL ||
      (!o->input_has_secret && strstr (result->detail, "fuzz-secret") != NULL))
    __builtin_trap ();
  if (result->outcome == CE_PROBE_ONLINE && result->codec != CE_CODEC_H264 &&
      result->codec != CE_CODEC_H265)
    __builtin_trap ();
}

static void
set_up (void)
{
  g_autoptr (GInetAddress) lo =
      g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) addr = g_inet_socket_address_new (lo, 0);
  g_autoptr (GSocketAddress) bound = NULL;

  listener = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
      G_SOCKET_PROTOCOL_TCP, NULL);
  if (listener == NULL || !g_socket_bind (listener, addr, TRUE, NULL) ||
      !g_socket_listen (listener, NULL))
    __builtin_trap ();
  g_socket_set_blocking (listener, FALSE);
  bound = g_socket_get_local_address (listener, NULL);
  url = g_strdup_printf ("rtsp://127.0.0.1:%u/cam/fuzz",
      g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  CeProbeLimits limits;
  Outcome o = {0};
  g_autoptr (GSocket) camera = NULL;
  gint64 deadline;
  gsize sent = 0;

  if (listener == NULL)
    set_up ();
  o.input_has_secret = memmem (data, size, "fuzz-secret", 11) != NULL;
  ce_probe_limits_init (&limits);
  limits.connect_timeout_ms = 2000;
  limits.request_timeout_ms = 500;
  limits.total_timeout_ms = 1000;
  limits.max_bytes = 32 * 1024;
  ce_probe_start (url, "admin", "fuzz-secret", &limits, on_done, &o);

  deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
  while (!o.done && g_get_monotonic_time () < deadline) {
    g_main_context_iteration (NULL, FALSE);
    if (camera == NULL)
      camera = g_socket_accept (listener, NULL, NULL);
    if (camera != NULL) {
      char drain[4096];

      g_socket_set_blocking (camera, FALSE);
      /* Read the probe's requests (unread data would reset the
       * connection), answer with the input, then end the stream. */
      while (g_socket_receive (camera, drain, sizeof drain, NULL, NULL) > 0)
        ;
      if (sent < size) {
        gssize n = g_socket_send (camera, (const char *) data + sent,
            size - sent, NULL, NULL);

        if (n > 0)
          sent += (gsize) n;
      } else {
        g_socket_shutdown (camera, FALSE, TRUE, NULL);
      }
    }
  }
  /* The total bound is 1 s: 5 s means the probe hung. */
  if (!o.done)
    __builtin_trap ();
  if (camera != NULL)
    g_socket_close (camera, NULL);
  /* Let the closed connection's sources go. */
  while (g_main_context_iteration (NULL, FALSE))
    ;
  return 0;
}
