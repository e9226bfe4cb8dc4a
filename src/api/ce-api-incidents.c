/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * Incidents: POST /api/v1/incidents picks the nearest online cameras the
 * caller may see (those facing the point first), records the incident,
 * keeps its cameras warm while it is open and, when asked, takes over one
 * monitor of a wall; closing it reverts the monitor.  Every camera chosen
 * is an audit row attributed to the incident.
 */
#include "ce-api-private.h"

#include <math.h>
#include <string.h>

#include "ce-geo.h"
#include "ce-registry-walls.h"

#define DEFAULT_RADIUS_M 300.0
#define MAX_RADIUS_M 5000.0
#define DEFAULT_K 4
#define MAX_K 16
/* A camera whose azimuth is within this of the bearing to the point
 * faces it. */
#define FACING_DEG 60.0

static char *
incident_owner (const char *id)
{
  return g_strconcat ("incident/", id, NULL);
}

static void
add_incident (JsonBuilder *b, const CeIncidentRecord *r, CeCrs crs)
{
  g_auto (GStrv) cams = g_strsplit (r->cameras, ",", -1);
  double lon = r->lon, lat = r->lat;

  ce_geo_convert (CE_CRS_WGS84, crs, r->lon, r->lat, &lon, &lat);
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "id");
  json_builder_add_string_value (b, r->id);
  json_builder_set_member_name (b, "kind");
  json_builder_add_string_value (b, r->kind);
  json_builder_set_member_name (b, "title");
  json_builder_add_string_value (b, r->title);
  json_builder_set_member_name (b, "lon");
  json_builder_add_double_value (b, lon);
  json_builder_set_member_name (b, "lat");
  json_builder_add_double_value (b, lat);
  json_builder_set_member_name (b, "crs");
  json_builder_add_string_value (b, ce_crs_to_string (crs));
  json_builder_set_member_name (b, "radius_m");
  json_builder_add_double_value (b, r->radius_m);
  json_builder_set_member_name (b, "cameras");
  json_builder_begin_array (b);
  for (guint i = 0; cams[i] != NULL; i++)
    if (*cams[i] != '\0')
      json_builder_add_string_value (b, cams[i]);
  json_builder_end_array (b);
  ce_api_json_add_string (b, "wall", r->wall);
  json_builder_set_member_name (b, "open");
  json_builder_add_boolean_value (b, r->closed_at == 0);
  ce_api_json_add_time (b, "opened_at", r->opened_at * G_USEC_PER_SEC);
  ce_api_json_add_string (b, "opened_by", r->opened_by);
  ce_api_json_add_time (b, "closed_at", r->closed_at * G_USEC_PER_SEC);
  ce_api_json_add_string (b, "closed_by", r->closed_by);
  json_builder_end_object (b);
}

/* The profile a camera plays as tile @i of a takeover of @n cameras. */
static const char *
takeover_layout (guint n)
{
  return n <= 1 ? "1" : n <= 4 ? "4" : n <= 9 ? "9" : "16";
}

static GHashTable *
incident_keys (const char *const *cams, guint n)
{
  GHashTable *keys =
      g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  /* The profile the takeover tiles play (a single camera fills its
   * monitor: main; more share it: sub). */
  for (guint i = 0; cams[i] != NULL; i++)
    if (*cams[i] != '\0')
      g_hash_table_add (keys,
          g_strdup_printf ("%s/%s", cams[i], n <= 1 ? "main" : "sub"));
  return keys;
}

void
ce_api_incidents_resume (CeApi *api)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) open =
      ce_registry_list_incidents (api->registry, TRUE, 0, &error);

  if (open == NULL) {
    g_warning ("Incidents: cannot read them: %s", error->message);
    return;
  }
  for (guint i = 0; i < open->len; i++) {
    const CeIncidentRecord *r = open->pdata[i];
    g_auto (GStrv) cams = g_strsplit (r->cameras, ",", MAX_K + 1);
    g_autoptr (GHashTable) keys =
        incident_keys ((const char *const *) cams, g_strv_length (cams));
    g_autofree char *owner = incident_owner (r->id);

    g_ptr_array_unref (ce_api_walls_hold (api, owner, keys));
  }
}

typedef struct
{
  CeCamera *camera;
  gboolean facing;
} Candidate;

static gint
compare_candidates (gconstpointer a, gconstpointer b)
{
  const Candidate *x = a, *y = b;

  if (x->facing != y->facing)
    return x->facing ? -1 : 1;
  return x->camera->distance_m < y->camera->distance_m ? -1
      : x->camera->distance_m > y->camera->distance_m  ? 1
                                                       : 0;
}

/* The nearest online cameras the caller may see, those facing the point
 * first.  (transfer full) (element-type CeCamera) */
static GPtrArray *
choose_cameras (CeApiRequest *req, double lon, double lat, double radius,
    guint k, guint sources, GError **error)
{
  g_autoptr (GPtrArray) found = NULL;
  g_autoptr (GArray) cands = g_array_new (FALSE, FALSE, sizeof (Candidate));
  GPtrArray *out =
      g_ptr_array_new_with_free_func ((GDestroyNotify) ce_camera_free);
  CeQuery q;

  ce_query_init (&q);
  q.has_near = TRUE;
  q.near_lon = lon;
  q.near_lat = lat;
  q.radius_m = radius;
  /* More than k: a farther camera facing the point beats a nearer one
   * looking away. */
  q.k = k * 3;
  q.status = CE_STATUS_ONLINE;
  q.sources = sources;
  if (!ce_api_restrict_query (req, &q))
    return out;
  found = ce_registry_query (req->api->registry, &q, error);
  if (found == NULL) {
    g_ptr_array_unref (out);
    return NULL;
  }
  for (guint i = 0; i < found->len; i++) {
    CeCamera *c = found->pdata[i];
    Candidate cand = {c, FALSE};

    if (!isnan (c->azimuth) && c->distance_m > 1.0) {
      double bearing = ce_geo_bearing_deg (c->lon, c->lat, lon, lat);
      double diff = fabs (fmod (bearing - c->azimuth + 540.0, 360.0) - 180.0);

      cand.facing = diff <= FACING_DEG;
    }
    g_array_append_val (cands, cand);
  }
  g_array_sort (cands, compare_candidates);
  for (guint i = 0; i < cands->len && out->len < k; i++) {
    Candidate *c = &g_array_index (cands, Candidate, i);

    g_ptr_array_add (out, ce_camera_copy (c->camera));
  }
  return out;
}

typedef struct
{
  CeApi *api;
  SoupServerMessage *msg;
  gulong disconnected_id;
  gboolean gone;
  CeIncidentRecord *rec;
  char *client;
  guint monitor;
  gint64 base;
  CeCrs crs;
} OpenJob;

static void
on_open_disconnected (SoupServerMessage *msg, gpointer data)
{
  ((OpenJob *) data)->gone = TRUE;
}

static void
open_job_free (OpenJob *job)
{
  g_clear_signal_handler (&job->disconnected_id, job->msg);
  g_object_unref (job->msg);
  ce_incident_record_free (job->rec);
  g_free (job->client);
  g_free (job);
}

/* Puts the incident's cameras on @job's monitor; keeps what it showed in
 * rec->takeover. */
static gboolean
take_over (OpenJob *job, GError **error)
{
  CeIncidentRecord *rec = job->rec;
  g_autoptr (CeWall) wall = ce_api_walls_dup_live (job->api, rec->wall, error);
  g_auto (GStrv) cams = g_strsplit (rec->cameras, ",", -1);
  g_autoptr (JsonNode) before = NULL;
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonNode) change = NULL;
  guint64 bit = ce_wall_monitor_bit (job->monitor);
  guint n = *rec->cameras == '\0' ? 0 : g_strv_length (cams);

  if (wall == NULL)
    return FALSE;
  if (wall->revision != job->base) {
    g_set_error (error, CE_REGISTRY_ERROR, CE_REGISTRY_ERROR_CONFLICT,
        "Wall %s changed during the warm-up: open the incident again",
        wall->name);
    return FALSE;
  }
  ce_wall_expire_locks (wall, g_get_real_time ());
  if (!ce_wall_check_locks (wall, bit, rec->opened_by, error))
    return FALSE;
  before = ce_wall_monitors_to_json (wall, bit);
  g_free (rec->takeover);
  rec->takeover = json_to_string (before, FALSE);

  json_builder_begin_array (b);
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "index");
  json_builder_add_int_value (b, job->monitor);
  json_builder_set_member_name (b, "layout");
  json_builder_add_string_value (b, takeover_layout (n));
  json_builder_set_member_name (b, "tiles");
  json_builder_begin_array (b);
  for (guint i = 0; i < n; i++) {
    json_builder_begin_object (b);
    json_builder_set_member_name (b, "camera_id");
    json_builder_add_string_value (b, cams[i]);
    json_builder_set_member_name (b, "incident");
    json_builder_add_string_value (b, rec->id);
    json_builder_end_object (b);
  }
  json_builder_end_array (b);
  json_builder_end_object (b);
  json_builder_end_array (b);
  change = json_builder_get_root (b);
  return ce_wall_set_monitors (wall, json_node_get_array (change), 0, NULL,
             error) &&
      ce_api_walls_commit (job->api, wall, job->base, rec->opened_by, error);
}

static void
on_open_warm (gpointer data, gboolean shutdown, guint ready, guint total,
    double ms)
{
  OpenJob *job = data;
  CeIncidentRecord *rec = job->rec;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonNode) root = NULL;
  g_autofree char *owner = incident_owner (rec->id);
  g_auto (GStrv) cams = g_strsplit (rec->cameras, ",", -1);

  if (shutdown) {
    if (!job->gone) {
      ce_api_respond_error (job->msg, CE_API_ERROR_UNAVAILABLE,
          "The gateway is stopping");
      soup_server_message_unpause (job->msg);
    }
    open_job_free (job);
    return;
  }
  if ((*rec->wall != '\0' && !take_over (job, &error)) ||
      !ce_registry_add_incident (job->api->registry, rec, &error)) {
    g_message ("Incident %s not opened: %s", rec->id, error->message);
    g_ptr_array_unref (ce_api_walls_hold (job->api, owner, NULL));
    if (!job->gone) {
      ce_api_walls_respond_error (job->msg, error, job->base);
      soup_server_message_unpause (job->msg);
    }
    open_job_free (job);
    return;
  }
  /* Every camera chosen for the incident is a view made for it. */
  for (guint i = 0; cams[i] != NULL; i++) {
    CeAuditRecord a = {0};

    if (*cams[i] == '\0')
      continue;
    a.user = rec->opened_by;
    a.camera_id = cams[i];
    a.protocol = "wall";
    a.client = job->client;
    a.action = "incident";
    a.start_us = g_get_real_time ();
    a.incident = rec->id;
    a.reason = rec->title;
    ce_auth_audit_post (job->api->auth, &a);
  }
  g_message ("Incident %s opened by %s: %u cameras, %u ready after %.0f ms%s%s",
      rec->id, rec->opened_by, total, ready, ms,
      *rec->wall != '\0' ? ", on wall " : "", rec->wall);
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "incident");
  add_incident (b, rec, job->crs);
  json_builder_set_member_name (b, "warm");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "cameras");
  json_builder_add_int_value (b, total);
  json_builder_set_member_name (b, "ready");
  json_builder_add_int_value (b, ready);
  json_builder_set_member_name (b, "ms");
  json_builder_add_double_value (b, ms);
  json_builder_end_object (b);
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  if (!job->gone) {
    ce_api_respond_json (job->msg, SOUP_STATUS_CREATED, root);
    soup_server_message_unpause (job->msg);
  }
  open_job_free (job);
}

static gboolean
body_double (JsonObject *o, const char *name, double *out, gboolean required,
    GError **error)
{
  JsonNode *n = json_object_get_member (o, name);

  if (n == NULL || JSON_NODE_HOLDS_NULL (n)) {
    if (required)
      g_set_error (error, CE_API_ERROR, CE_API_ERROR_BAD_REQUEST,
          "Body: %s is required", name);
    return !required;
  }
  if (!JSON_NODE_HOLDS_VALUE (n) ||
      (json_node_get_value_type (n) != G_TYPE_DOUBLE &&
          json_node_get_value_type (n) != G_TYPE_INT64)) {
    g_set_error (error, CE_API_ERROR, CE_API_ERROR_BAD_REQUEST,
        "Body: %s must be a number", name);
    return FALSE;
  }
  *out = json_node_get_double (n);
  if (!isfinite (*out)) {
    g_set_error (error, CE_API_ERROR, CE_API_ERROR_OUT_OF_RANGE,
        "Body: %s must be finite", name);
    return FALSE;
  }
  return TRUE;
}

static gboolean
body_text (JsonObject *o, const char *name, guint max, const char **out,
    GError **error)
{
  JsonNode *n = json_object_get_member (o, name);

  *out = "";
  if (n == NULL || JSON_NODE_HOLDS_NULL (n))
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (n) ||
      json_node_get_value_type (n) != G_TYPE_STRING) {
    g_set_error (error, CE_API_ERROR, CE_API_ERROR_BAD_REQUEST,
        "Body: %s must be a string", name);
    return FALSE;
  }
  *out = json_node_get_string (n);
  if (strlen (*out) > max) {
    g_set_error (error, CE_API_ERROR, CE_API_ERROR_OUT_OF_RANGE,
        "Body: %s is longer than %u bytes", name, max);
    return FALSE;
  }
  return TRUE;
}

void
ce_api_incidents_open (CeApiRequest *req)
{
  static const char *const known[] = {"id", "lon", "lat", "crs", "kind",
      "title", "radius_m", "k", "sources", "wall", "monitor", NULL};
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) body = NULL;
  g_autoptr (GPtrArray) cameras = NULL;
  g_autoptr (GString) ids = g_string_new (NULL);
  g_autoptr (GHashTable) keys = NULL;
  g_autoptr (GPtrArray) streams = NULL;
  g_autofree char *owner = NULL;
  g_auto (GStrv) cams = NULL;
  JsonObject *o;
  JsonNode *n;
  const char *kind, *title, *wall_name, *crs_name, *given_id;
  double lon = 0, lat = 0, radius = DEFAULT_RADIUS_M, k = DEFAULT_K;
  double monitor = 0;
  CeCrs crs = CE_CRS_WGS84;
  guint sources = 0;
  OpenJob *job;
  guint32 r[2] = {g_random_int (), g_random_int ()};
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *stamp = g_date_time_format (now, "%Y%m%d%H%M%S");

  if (!ce_api_walls_check_role (req, CE_API_WALL_EDIT))
    return;
  if (!ce_api_params_check (req->params, NULL, &error) ||
      (body = ce_api_request_json (req, known, &error)) == NULL)
    goto fail;
  o = json_node_get_object (body);
  if (!body_double (o, "lon", &lon, TRUE, &error) ||
      !body_double (o, "lat", &lat, TRUE, &error) ||
      !body_double (o, "radius_m", &radius, FALSE, &error) ||
      !body_double (o, "k", &k, FALSE, &error) ||
      !body_double (o, "monitor", &monitor, FALSE, &error) ||
      !body_text (o, "crs", 8, &crs_name, &error) ||
      !body_text (o, "kind", 64, &kind, &error) ||
      !body_text (o, "title", 256, &title, &error) ||
      !body_text (o, "wall", 64, &wall_name, &error) ||
      !body_text (o, "id", 64, &given_id, &error))
    goto fail;
  /* The city-operations platform's own id, when it has one: grants and
   * the audit then carry the id people know. */
  if (*given_id != '\0') {
    g_autoptr (CeIncidentRecord) taken = NULL;

    if (!ce_wall_name_valid (given_id, "Body: id", &error))
      goto fail;
    taken = ce_registry_dup_incident (req->api->registry, given_id, NULL);
    if (taken != NULL) {
      g_set_error (&error, CE_REGISTRY_ERROR, CE_REGISTRY_ERROR_DUPLICATE,
          "Incident %s exists already", given_id);
      goto fail;
    }
  }
  if (*crs_name != '\0' && !ce_crs_from_string (crs_name, &crs)) {
    g_set_error (&error, CE_API_ERROR, CE_API_ERROR_OUT_OF_RANGE,
        "Body: crs: “%s” is not wgs84, gcj02 or bd09", crs_name);
    goto fail;
  }
  if (lon < -180 || lon > 180 || lat < -90 || lat > 90 || radius < 1 ||
      radius > MAX_RADIUS_M || k < 1 || k > MAX_K || k != floor (k) ||
      monitor < 0 || monitor > 255 || monitor != floor (monitor) ||
      !g_utf8_validate (kind, -1, NULL) || !g_utf8_validate (title, -1, NULL)) {
    g_set_error (&error, CE_API_ERROR, CE_API_ERROR_OUT_OF_RANGE,
        "Body: lon/lat must be a position, radius_m 1 to %.0f, k 1 to %d, "
        "monitor a monitor index, kind and title UTF-8",
        MAX_RADIUS_M, MAX_K);
    goto fail;
  }
  if (*wall_name != '\0' &&
      !ce_wall_name_valid (wall_name, "Body: wall", &error))
    goto fail;
  if ((n = json_object_get_member (o, "sources")) != NULL &&
      !JSON_NODE_HOLDS_NULL (n)) {
    JsonArray *a = JSON_NODE_HOLDS_ARRAY (n) ? json_node_get_array (n) : NULL;

    for (guint i = 0; a != NULL && i < json_array_get_length (a) && i < 8;
         i++) {
      JsonNode *e = json_array_get_element (a, i);
      CeSource s;

      if (!JSON_NODE_HOLDS_VALUE (e) ||
          json_node_get_value_type (e) != G_TYPE_STRING ||
          !ce_source_from_string (json_node_get_string (e), &s)) {
        a = NULL;
        break;
      }
      sources |= CE_SOURCE_BIT (s);
    }
    if (a == NULL) {
      g_set_error_literal (&error, CE_API_ERROR, CE_API_ERROR_OUT_OF_RANGE,
          "Body: sources must be an array of source keys or labels");
      goto fail;
    }
  }
  ce_geo_convert (crs, CE_CRS_WGS84, lon, lat, &lon, &lat);

  job = g_new0 (OpenJob, 1);
  job->api = req->api;
  job->msg = g_object_ref (req->msg);
  job->client = g_strdup (req->client);
  job->monitor = (guint) monitor;
  job->crs = crs;
  job->base = -1;
  job->rec = g_new0 (CeIncidentRecord, 1);
  job->rec->id = *given_id != '\0'
      ? g_strdup (given_id)
      : g_strdup_printf ("inc-%s-%08x%04x", stamp, r[0], r[1] & 0xffff);
  job->rec->kind = g_strdup (kind);
  job->rec->title = g_strdup (title);
  job->rec->lon = lon;
  job->rec->lat = lat;
  job->rec->radius_m = radius;
  job->rec->wall = g_strdup (wall_name);
  job->rec->takeover = g_strdup ("");
  job->rec->opened_at = g_get_real_time () / G_USEC_PER_SEC;
  job->rec->opened_by = g_strdup (req->principal->user);
  job->rec->closed_by = g_strdup ("");

  /* The wall is checked before anything is pulled: an operator learns at
   * once that the region is locked or the wall unknown. */
  if (*wall_name != '\0') {
    g_autoptr (CeWall) wall =
        ce_api_walls_dup_live (req->api, wall_name, &error);

    if (wall == NULL) {
      open_job_free (job);
      goto fail;
    }
    if (job->monitor >= wall->monitors->len) {
      g_set_error (&error, CE_API_ERROR, CE_API_ERROR_OUT_OF_RANGE,
          "Body: monitor: wall %s has monitors 0 to %u", wall_name,
          wall->monitors->len - 1);
      open_job_free (job);
      goto fail;
    }
    ce_wall_expire_locks (wall, g_get_real_time ());
    if (!ce_wall_check_locks (wall, ce_wall_monitor_bit (job->monitor),
            req->principal->user, &error)) {
      open_job_free (job);
      ce_api_walls_respond_error (req->msg, error, wall->revision);
      return;
    }
    job->base = wall->revision;
  }
  cameras = choose_cameras (req, lon, lat, radius, (guint) k, sources, &error);
  if (cameras == NULL) {
    open_job_free (job);
    goto fail;
  }
  for (guint i = 0; i < cameras->len; i++)
    g_string_append_printf (ids, "%s%s", i > 0 ? "," : "",
        ((CeCamera *) cameras->pdata[i])->id);
  job->rec->cameras = g_strdup (ids->str);
  cams = g_strsplit (ids->str, ",", -1);
  keys = incident_keys ((const char *const *) cams, cameras->len);
  owner = incident_owner (job->rec->id);
  /* Held for as long as the incident is open. */
  streams = ce_api_walls_hold (req->api, owner, keys);
  job->disconnected_id = g_signal_connect (req->msg, "disconnected",
      G_CALLBACK (on_open_disconnected), job);
  soup_server_message_pause (req->msg);
  ce_api_walls_wait (req->api, streams, on_open_warm, job);
  return;

fail:
  ce_api_walls_respond_error (req->msg, error, -1);
}

void
ce_api_incidents_list (CeApiRequest *req)
{
  static const char *const known[] = {"open", "limit", "crs", NULL};
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) list = NULL;
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonNode) root = NULL;
  const char *open = NULL;
  gint64 limit = CE_API_DEFAULT_PAGE;
  CeCrs crs;

  if (!ce_api_walls_check_role (req, CE_API_WALL_OPERATE))
    return;
  if (!ce_api_params_check (req->params, known, &error) ||
      !ce_api_param_int (req->params, "limit", 1, CE_API_MAX_PAGE, &limit,
          &error) ||
      !ce_api_param_crs (req->params, &crs, &error))
    goto fail;
  open = g_hash_table_lookup (req->params, "open");
  if (open != NULL && strcmp (open, "true") != 0 &&
      strcmp (open, "false") != 0) {
    g_set_error_literal (&error, CE_API_ERROR, CE_API_ERROR_BAD_REQUEST,
        "open: true or false");
    goto fail;
  }
  list = ce_registry_list_incidents (req->api->registry,
      g_strcmp0 (open, "true") == 0, (guint) limit, &error);
  if (list == NULL)
    goto fail;
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "incidents");
  json_builder_begin_array (b);
  for (guint i = 0; i < list->len; i++)
    add_incident (b, list->pdata[i], crs);
  json_builder_end_array (b);
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  ce_api_respond_json (req->msg, SOUP_STATUS_OK, root);
  return;

fail:
  ce_api_walls_respond_error (req->msg, error, -1);
}

void
ce_api_incidents_show (CeApiRequest *req)
{
  static const char *const known[] = {"crs", NULL};
  g_autoptr (GError) error = NULL;
  g_autoptr (CeIncidentRecord) rec = NULL;
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonNode) root = NULL;
  CeCrs crs;

  if (!ce_api_walls_check_role (req, CE_API_WALL_OPERATE))
    return;
  if (!ce_api_params_check (req->params, known, &error) ||
      !ce_api_param_crs (req->params, &crs, &error) ||
      (rec = ce_registry_dup_incident (req->api->registry, req->name,
           &error)) == NULL) {
    ce_api_walls_respond_error (req->msg, error, -1);
    return;
  }
  add_incident (b, rec, crs);
  root = json_builder_get_root (b);
  ce_api_respond_json (req->msg, SOUP_STATUS_OK, root);
}

/* Puts back what the monitor showed before the takeover, if it still
 * shows the incident (an operator who has since put something else there
 * keeps it).  Returns whether it did. */
static gboolean
revert (CeApiRequest *req, const CeIncidentRecord *rec, GError **error)
{
  g_autoptr (CeWall) wall = ce_api_walls_dup_live (req->api, rec->wall, error);
  g_autoptr (JsonNode) saved = NULL;
  JsonArray *before;
  JsonObject *m0;
  guint index;
  CeWallMonitor *m;
  gint64 base;

  if (wall == NULL)
    return FALSE;
  if ((saved = ce_wall_json_parse (rec->takeover, '[')) == NULL ||
      json_array_get_length (before = json_node_get_array (saved)) != 1 ||
      !JSON_NODE_HOLDS_OBJECT (json_array_get_element (before, 0))) {
    g_set_error (error, CE_API_ERROR, CE_API_ERROR_INTERNAL,
        "Incident %s: the saved wall region is damaged", rec->id);
    return FALSE;
  }
  m0 = json_array_get_object_element (before, 0);
  index = (guint) json_object_get_int_member_with_default (m0, "index", 0);
  if (index >= wall->monitors->len)
    return TRUE;
  m = g_ptr_array_index (wall->monitors, index);
  for (guint i = 0; i < m->tiles->len; i++) {
    CeWallTile *t = g_ptr_array_index (m->tiles, i);

    if (t->camera_id != NULL && g_strcmp0 (t->incident, rec->id) != 0)
      return TRUE;
  }
  base = wall->revision;
  return ce_wall_set_monitors (wall, before, 0, NULL, error) &&
      ce_api_walls_commit (req->api, wall, base, req->principal->user, error);
}

void
ce_api_incidents_close (CeApiRequest *req)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CeIncidentRecord) rec = NULL;
  g_autofree char *owner = incident_owner (req->name);
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonNode) root = NULL;

  if (!ce_api_walls_check_role (req, CE_API_WALL_EDIT))
    return;
  if (!ce_api_params_check (req->params, NULL, &error) ||
      !ce_registry_close_incident (req->api->registry, req->name,
          req->principal->user, g_get_real_time () / G_USEC_PER_SEC, &error) ||
      (rec = ce_registry_dup_incident (req->api->registry, req->name,
           &error)) == NULL) {
    ce_api_walls_respond_error (req->msg, error, -1);
    return;
  }
  g_ptr_array_unref (ce_api_walls_hold (req->api, owner, NULL));
  if (*rec->wall != '\0' && *rec->takeover != '\0' &&
      !revert (req, rec, &error)) {
    /* Closed all the same: the region stays as it is, and says why. */
    g_warning ("Incident %s closed, wall %s not reverted: %s", rec->id,
        rec->wall, error->message);
  }
  g_message ("Incident %s closed by %s", rec->id, req->principal->user);
  add_incident (b, rec, CE_CRS_WGS84);
  root = json_builder_get_root (b);
  ce_api_respond_json (req->msg, SOUP_STATUS_OK, root);
}
