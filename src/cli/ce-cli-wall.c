/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * `cityeye wall` and `cityeye incident`.  Reading (wall list, wall show,
 * incident list) goes to the registry like every other command; what
 * needs the gateway's live state (a preset's warm-up, tours, an
 * incident's cameras held warm and its wall takeover) goes to cityeyed's
 * HTTP API (ce_cli_api_call).
 */
#include "ce-cli.h"
#include "ce-registry-walls.h"
#include "ce-wall.h"

#include <stdio.h>
#include <string.h>

/* ---- wall --------------------------------------------------------------- */

static int
wall_list (int argc, char **argv)
{
  g_autoptr (CeRegistry) registry = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) walls = NULL;
  static const char *const headers[] = {"NAME", "TITLE", "SIZE", "REVISION",
      "UPDATED", "BY", NULL};
  g_autoptr (CeTable) table = ce_table_new (headers);

  if (!ce_cli_parse ("wall list", NULL, "List the video walls.", NULL, NULL,
          TRUE, &argc, &argv))
    return CE_EXIT_USAGE;
  if (argc != 1)
    return ce_cli_usage_error ("wall list", "unexpected argument “%s”",
        argv[1]);
  registry = ce_cli_open_registry (CE_REGISTRY_OPEN_READ_ONLY);
  if (registry == NULL)
    return CE_EXIT_RUNTIME;
  walls = ce_registry_list_walls (registry, &error);
  if (walls == NULL) {
    ce_cli_error ("%s", error->message);
    return CE_EXIT_RUNTIME;
  }
  if (ce_cli_output () == CE_OUTPUT_JSON) {
    g_autoptr (JsonBuilder) b = json_builder_new ();
    g_autoptr (JsonNode) root = NULL;

    json_builder_begin_array (b);
    for (guint i = 0; i < walls->len; i++) {
      const CeWallRecord *r = walls->pdata[i];
      g_autoptr (CeWall) w = ce_wall_from_state (r->name, r->title, r->rows,
          r->cols, r->revision, r->state, NULL);

      if (w != NULL)
        json_builder_add_value (b, ce_wall_to_json (w));
    }
    json_builder_end_array (b);
    root = json_builder_get_root (b);
    ce_json_print (root);
    return CE_EXIT_OK;
  }
  for (guint i = 0; i < walls->len; i++) {
    const CeWallRecord *r = walls->pdata[i];
    g_autofree char *size = g_strdup_printf ("%u × %u", r->rows, r->cols);
    g_autofree char *rev = g_strdup_printf ("%" G_GINT64_FORMAT, r->revision);
    g_autofree char *at = ce_cli_time_string (r->updated_at * G_USEC_PER_SEC);
    const char *cells[] = {r->name, r->title, size, rev, at, r->updated_by,
        NULL};

    ce_table_add_row (table, cells);
  }
  ce_table_print (table, stdout);
  return CE_EXIT_OK;
}

static int
wall_show (int argc, char **argv)
{
  g_autoptr (CeRegistry) registry = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (CeWallRecord) r = NULL;
  g_autoptr (CeWall) w = NULL;
  g_autoptr (GPtrArray) presets = NULL;
  static const char *const headers[] = {"MONITOR", "LAYOUT", "TILE", "CAMERA",
      "STREAM", "NAME", "NOTE", NULL};
  g_autoptr (CeTable) table = ce_table_new (headers);

  if (!ce_cli_parse ("wall show", "NAME",
          "Show a wall: each monitor's layout and what each tile shows (as "
          "stored: a running tour is shown at its stored camera), its locks "
          "and presets.",
          "Example:\n  cityeye wall show hall", NULL, TRUE, &argc, &argv))
    return CE_EXIT_USAGE;
  if (argc != 2)
    return ce_cli_usage_error ("wall show", "give one wall name");
  registry = ce_cli_open_registry (CE_REGISTRY_OPEN_READ_ONLY);
  if (registry == NULL)
    return CE_EXIT_RUNTIME;
  if ((r = ce_registry_dup_wall (registry, argv[1], &error)) == NULL ||
      (w = ce_wall_from_state (r->name, r->title, r->rows, r->cols, r->revision,
           r->state, &error)) == NULL ||
      (presets = ce_registry_list_presets (registry, argv[1], &error)) ==
          NULL) {
    ce_cli_error ("%s", error->message);
    return CE_EXIT_RUNTIME;
  }
  if (ce_cli_output () == CE_OUTPUT_JSON) {
    g_autoptr (JsonNode) root = ce_wall_to_json (w);

    ce_json_print (root);
    return CE_EXIT_OK;
  }
  printf ("%s %s: %u × %u monitors, revision %" G_GINT64_FORMAT "\n", w->name,
      w->title, w->rows, w->cols, w->revision);
  for (guint i = 0; i < w->monitors->len; i++) {
    const CeWallMonitor *m = g_ptr_array_index (w->monitors, i);

    for (guint k = 0; k < m->tiles->len; k++) {
      const CeWallTile *t = g_ptr_array_index (m->tiles, k);
      g_autofree char *mi = g_strdup_printf ("%u", i);
      g_autofree char *ti = g_strdup_printf ("%u", k);
      g_autofree char *note = NULL;
      g_autoptr (CeCamera) c = NULL;

      if (t->tour != NULL)
        note = g_strdup_printf ("tour of %u, %u s", g_strv_length (t->tour),
            t->dwell_s);
      else if (t->incident != NULL)
        note = g_strdup_printf ("incident %s", t->incident);
      if (t->camera_id != NULL)
        c = ce_registry_dup_camera (registry, t->camera_id, NULL);
      {
        const char *cells[] = {mi, m->layout, ti,
            t->camera_id != NULL ? t->camera_id : "-",
            t->camera_id != NULL
                ? ce_wall_profile_to_string (ce_wall_tile_profile (m, k))
                : "",
            c != NULL ? c->name : "", note != NULL ? note : "", NULL};

        ce_table_add_row (table, cells);
      }
    }
  }
  ce_table_print (table, stdout);
  for (guint i = 0; i < w->locks->len; i++) {
    const CeWallLock *l = g_ptr_array_index (w->locks, i);
    g_autofree char *until = ce_cli_time_string (l->expires_us);

    printf ("lock %s by %s until %s:", l->id, l->owner, until);
    for (guint k = 0; k < l->monitors->len; k++)
      printf (" %u", g_array_index (l->monitors, guint, k));
    printf ("\n");
  }
  for (guint i = 0; i < presets->len; i++) {
    const CePresetRecord *p = presets->pdata[i];

    printf ("preset %s %s\n", p->name, p->title);
  }
  return CE_EXIT_OK;
}

static int
wall_apply (int argc, char **argv)
{
  static char *wall = NULL;
  static const GOptionEntry entries[] = {
      {"wall", 'w', 0, G_OPTION_ARG_STRING, &wall, "The wall (required)",
          "NAME"},
      G_OPTION_ENTRY_NULL,
  };
  g_autoptr (JsonNode) reply = NULL;
  g_autofree char *path = NULL;
  GOptionEntry merged[3];
  JsonObject *warm;

  memcpy (&merged[0], &entries[0], sizeof (GOptionEntry));
  memcpy (&merged[1], &ce_cli_gateway_entries[0], sizeof (GOptionEntry));
  memset (&merged[2], 0, sizeof (GOptionEntry));
  if (!ce_cli_parse ("wall apply", "PRESET",
          "Apply a preset on the gateway: its cameras are started and "
          "awaited, then every monitor it sets switches at once.",
          "Example:\n  CITYEYE_TOKEN=… cityeye wall apply flood --wall hall",
          merged, TRUE, &argc, &argv))
    return CE_EXIT_USAGE;
  if (argc != 2 || wall == NULL)
    return ce_cli_usage_error ("wall apply", "give a preset and --wall NAME");
  if (!ce_wall_name_valid (wall, "--wall", NULL) ||
      !ce_wall_name_valid (argv[1], "PRESET", NULL))
    return ce_cli_usage_error ("wall apply",
        "names are 1 to 64 of letters, digits, “-” and “_”");
  path = g_strdup_printf ("/api/v1/walls/%s/presets/%s/apply", wall, argv[1]);
  reply = ce_cli_api_call ("POST", path, NULL);
  if (reply == NULL)
    return CE_EXIT_RUNTIME;
  if (ce_cli_output () == CE_OUTPUT_JSON) {
    ce_json_print (reply);
    return CE_EXIT_OK;
  }
  warm = json_object_get_object_member (json_node_get_object (reply), "warm");
  printf ("Wall %s shows preset %s (revision %" G_GINT64_FORMAT
          "): %" G_GINT64_FORMAT " of %" G_GINT64_FORMAT
          " cameras ready after %.0f ms\n",
      wall, argv[1],
      json_object_get_int_member (
          json_object_get_object_member (json_node_get_object (reply), "wall"),
          "revision"),
      json_object_get_int_member (warm, "ready"),
      json_object_get_int_member (warm, "cameras"),
      json_object_get_double_member (warm, "ms"));
  return CE_EXIT_OK;
}

/* The monitor object a PATCH takes, from the monitor a GET returned. */
static JsonNode *
clean_monitor (JsonObject *m, guint tile, const char *const *tour, guint dwell)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  JsonArray *tiles = json_object_get_array_member (m, "tiles");
  const char *layout = json_object_get_string_member (m, "layout");

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "index");
  json_builder_add_int_value (b, json_object_get_int_member (m, "index"));
  json_builder_set_member_name (b, "layout");
  json_builder_add_string_value (b, layout);
  if (strcmp (layout, "custom") == 0) {
    json_builder_set_member_name (b, "grid");
    json_builder_add_int_value (b, json_object_get_int_member (m, "grid"));
    json_builder_set_member_name (b, "cells");
    json_builder_add_value (b,
        json_node_copy (json_object_get_member (m, "cells")));
  }
  json_builder_set_member_name (b, "tiles");
  json_builder_begin_array (b);
  for (guint i = 0; i < json_array_get_length (tiles); i++) {
    JsonNode *t = json_array_get_element (tiles, i);

    if (i == tile) {
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "tour");
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "cameras");
      json_builder_begin_array (b);
      for (guint k = 0; tour[k] != NULL; k++)
        json_builder_add_string_value (b, tour[k]);
      json_builder_end_array (b);
      json_builder_set_member_name (b, "dwell_s");
      json_builder_add_int_value (b, dwell);
      json_builder_end_object (b);
      json_builder_end_object (b);
    } else if (JSON_NODE_HOLDS_OBJECT (t)) {
      JsonObject *o = json_node_get_object (t);

      /* "stream" is what the gateway computed; the rest is the tile. */
      json_builder_begin_object (b);
      for (const char *const *k = (const char *const[]){"camera_id", "profile",
               "incident", "tour", "tour_position", NULL};
           *k != NULL; k++) {
        if (json_object_has_member (o, *k)) {
          json_builder_set_member_name (b, *k);
          json_builder_add_value (b,
              json_node_copy (json_object_get_member (o, *k)));
        }
      }
      json_builder_end_object (b);
    } else {
      json_builder_add_null_value (b);
    }
  }
  json_builder_end_array (b);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

static int
wall_tour (int argc, char **argv)
{
  static char *wall = NULL;
  static int monitor = 0, tile = 0, dwell = 10;
  static const GOptionEntry entries[] = {
      {"wall", 'w', 0, G_OPTION_ARG_STRING, &wall, "The wall (required)",
          "NAME"},
      {"monitor", 'm', 0, G_OPTION_ARG_INT, &monitor,
          "Monitor index (default 0)", "N"},
      {"tile", 't', 0, G_OPTION_ARG_INT, &tile, "Tile index (default 0)", "N"},
      {"dwell", 'd', 0, G_OPTION_ARG_INT, &dwell,
          "Seconds on each camera (default 10, at least [wall] min_dwell)",
          "S"},
      G_OPTION_ENTRY_NULL,
  };
  g_autoptr (JsonNode) current = NULL;
  g_autoptr (JsonNode) reply = NULL;
  g_autoptr (JsonNode) patch = NULL;
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autofree char *path = NULL;
  GOptionEntry merged[6];
  JsonArray *monitors;
  JsonObject *m;
  gint64 tiles;

  memcpy (merged, entries, 4 * sizeof (GOptionEntry));
  memcpy (&merged[4], &ce_cli_gateway_entries[0], sizeof (GOptionEntry));
  memset (&merged[5], 0, sizeof (GOptionEntry));
  if (!ce_cli_parse ("wall tour", "CAMERA CAMERA…",
          "Make a tile cycle through cameras; the next camera is started "
          "before its turn.",
          "Example:\n  CITYEYE_TOKEN=… cityeye wall tour --wall hall "
          "--monitor 1 --dwell 15 ID1 ID2 ID3",
          merged, TRUE, &argc, &argv))
    return CE_EXIT_USAGE;
  if (argc < 3 || wall == NULL)
    return ce_cli_usage_error ("wall tour",
        "give --wall NAME and at least two camera ids");
  if (!ce_wall_name_valid (wall, "--wall", NULL))
    return ce_cli_usage_error ("wall tour", "--wall: not a wall name");
  if (monitor < 0 || tile < 0 || dwell < 1)
    return ce_cli_usage_error ("wall tour",
        "--monitor and --tile are ≥ 0, --dwell ≥ 1");
  for (int i = 1; i < argc; i++)
    if (ce_gb_id_type (argv[i]) < 0)
      return ce_cli_usage_error ("wall tour",
          "“%s” is not a 20-digit camera id", argv[i]);
  path = g_strdup_printf ("/api/v1/walls/%s", wall);
  current = ce_cli_api_call ("GET", path, NULL);
  if (current == NULL)
    return CE_EXIT_RUNTIME;
  monitors =
      json_object_get_array_member (json_node_get_object (current), "monitors");
  if ((guint) monitor >= json_array_get_length (monitors)) {
    ce_cli_error ("Wall %s has monitors 0 to %u", wall,
        json_array_get_length (monitors) - 1);
    return CE_EXIT_RUNTIME;
  }
  m = json_array_get_object_element (monitors, (guint) monitor);
  tiles = json_array_get_length (json_object_get_array_member (m, "tiles"));
  if (tile >= tiles) {
    ce_cli_error ("Monitor %d (layout %s) has tiles 0 to %" G_GINT64_FORMAT,
        monitor, json_object_get_string_member (m, "layout"), tiles - 1);
    return CE_EXIT_RUNTIME;
  }
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "revision");
  json_builder_add_int_value (b,
      json_object_get_int_member (json_node_get_object (current), "revision"));
  json_builder_set_member_name (b, "monitors");
  json_builder_begin_array (b);
  json_builder_add_value (b,
      clean_monitor (m, (guint) tile, (const char *const *) argv + 1,
          (guint) dwell));
  json_builder_end_array (b);
  json_builder_end_object (b);
  patch = json_builder_get_root (b);
  reply = ce_cli_api_call ("PATCH", path, patch);
  if (reply == NULL)
    return CE_EXIT_RUNTIME;
  if (ce_cli_output () == CE_OUTPUT_JSON)
    ce_json_print (reply);
  else
    printf ("Wall %s monitor %d tile %d tours %d cameras, %d s each "
            "(revision %" G_GINT64_FORMAT ")\n",
        wall, monitor, tile, argc - 1, dwell,
        json_object_get_int_member (json_node_get_object (reply), "revision"));
  return CE_EXIT_OK;
}

static const CeCliCommand wall_commands[] = {
    {"list", wall_list, NULL, "Walls in the registry"},
    {"show", wall_show, "show NAME", "Monitors, tiles, locks, presets"},
    {"apply", wall_apply, "apply PRESET --wall NAME",
        "Apply a preset (on the gateway)"},
    {"tour", wall_tour,
        "tour --wall NAME [--monitor N --tile N --dwell S] ID ID…",
        "Make a tile tour cameras (on the gateway)"},
};

int
ce_cli_wall (int argc, char **argv)
{
  return ce_cli_dispatch ("wall", wall_commands, G_N_ELEMENTS (wall_commands),
      "The gateway is --gateway URL, else $CITYEYE_GATEWAY, else\n"
      "http://127.0.0.1:8080; the API token is $CITYEYE_TOKEN.\n",
      argc, argv);
}

/* ---- incident ----------------------------------------------------------- */

static int
incident_open (int argc, char **argv)
{
  static char *at = NULL, *wall = NULL, *kind = NULL, *title = NULL;
  static char *crs_name = NULL;
  static double radius = 300;
  static int k = 4, monitor = 0;
  static const GOptionEntry entries[] = {
      {"at", 0, 0, G_OPTION_ARG_STRING, &at, "Position (required)", "LON,LAT"},
      {"crs", 0, 0, G_OPTION_ARG_STRING, &crs_name,
          "CRS of --at: wgs84 (default), gcj02, bd09", "CRS"},
      {"radius", 'r', 0, G_OPTION_ARG_DOUBLE, &radius,
          "Search radius in metres (default 300)", "M"},
      {"k", 'k', 0, G_OPTION_ARG_INT, &k, "Cameras to choose (default 4)", "N"},
      {"wall", 'w', 0, G_OPTION_ARG_STRING, &wall,
          "Take over a monitor of this wall until the incident closes", "NAME"},
      {"monitor", 'm', 0, G_OPTION_ARG_INT, &monitor,
          "The monitor to take over (default 0)", "N"},
      {"kind", 0, 0, G_OPTION_ARG_STRING, &kind, "Kind, e.g. flood", "KIND"},
      {"title", 0, 0, G_OPTION_ARG_STRING, &title, "Title", "TEXT"},
      G_OPTION_ENTRY_NULL,
  };
  GOptionEntry merged[G_N_ELEMENTS (entries) + 1];
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonNode) body = NULL;
  g_autoptr (JsonNode) reply = NULL;
  JsonObject *inc, *warm;
  JsonArray *cams;
  double lon, lat;

  memcpy (merged, entries,
      (G_N_ELEMENTS (entries) - 1) * sizeof (GOptionEntry));
  memcpy (&merged[G_N_ELEMENTS (entries) - 1], &ce_cli_gateway_entries[0],
      sizeof (GOptionEntry));
  memset (&merged[G_N_ELEMENTS (entries)], 0, sizeof (GOptionEntry));
  if (!ce_cli_parse ("incident open", NULL,
          "Open an incident on the gateway: the nearest online cameras you "
          "may see are started and held while it is open, and shown on a "
          "wall monitor with --wall.",
          "Example:\n  CITYEYE_TOKEN=… cityeye incident open --at "
          "121.38,31.35 --radius 300 --wall hall",
          merged, TRUE, &argc, &argv))
    return CE_EXIT_USAGE;
  if (argc != 1 || at == NULL)
    return ce_cli_usage_error ("incident open", "give --at LON,LAT");
  if (!ce_parse_point (at, &lon, &lat, &error))
    return ce_cli_usage_error ("incident open", "--at: %s", error->message);
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "lon");
  json_builder_add_double_value (b, lon);
  json_builder_set_member_name (b, "lat");
  json_builder_add_double_value (b, lat);
  json_builder_set_member_name (b, "radius_m");
  json_builder_add_double_value (b, radius);
  json_builder_set_member_name (b, "k");
  json_builder_add_int_value (b, k);
  if (crs_name != NULL) {
    json_builder_set_member_name (b, "crs");
    json_builder_add_string_value (b, crs_name);
  }
  if (wall != NULL) {
    json_builder_set_member_name (b, "wall");
    json_builder_add_string_value (b, wall);
    json_builder_set_member_name (b, "monitor");
    json_builder_add_int_value (b, monitor);
  }
  if (kind != NULL) {
    json_builder_set_member_name (b, "kind");
    json_builder_add_string_value (b, kind);
  }
  if (title != NULL) {
    json_builder_set_member_name (b, "title");
    json_builder_add_string_value (b, title);
  }
  json_builder_end_object (b);
  body = json_builder_get_root (b);
  reply = ce_cli_api_call ("POST", "/api/v1/incidents", body);
  if (reply == NULL)
    return CE_EXIT_RUNTIME;
  if (ce_cli_output () == CE_OUTPUT_JSON) {
    ce_json_print (reply);
    return CE_EXIT_OK;
  }
  inc =
      json_object_get_object_member (json_node_get_object (reply), "incident");
  warm = json_object_get_object_member (json_node_get_object (reply), "warm");
  cams = json_object_get_array_member (inc, "cameras");
  printf ("%s\n", json_object_get_string_member (inc, "id"));
  fprintf (stderr,
      "Incident %s: %u cameras, %" G_GINT64_FORMAT " ready after %.0f ms%s%s\n",
      json_object_get_string_member (inc, "id"), json_array_get_length (cams),
      json_object_get_int_member (warm, "ready"),
      json_object_get_double_member (warm, "ms"),
      wall != NULL ? ", shown on wall " : "", wall != NULL ? wall : "");
  for (guint i = 0; i < json_array_get_length (cams); i++)
    fprintf (stderr, "  %s\n", json_array_get_string_element (cams, i));
  return CE_EXIT_OK;
}

static int
incident_close (int argc, char **argv)
{
  g_autoptr (JsonNode) reply = NULL;
  g_autofree char *path = NULL;

  if (!ce_cli_parse ("incident close", "ID",
          "Close an incident on the gateway: its cameras are released and a "
          "monitor it took over shows what it showed before.",
          NULL, ce_cli_gateway_entries, TRUE, &argc, &argv))
    return CE_EXIT_USAGE;
  if (argc != 2 || !ce_wall_name_valid (argv[1], "ID", NULL))
    return ce_cli_usage_error ("incident close", "give one incident id");
  path = g_strdup_printf ("/api/v1/incidents/%s/close", argv[1]);
  reply = ce_cli_api_call ("POST", path, NULL);
  if (reply == NULL)
    return CE_EXIT_RUNTIME;
  if (ce_cli_output () == CE_OUTPUT_JSON)
    ce_json_print (reply);
  else if (!ce_cli_global.quiet)
    fprintf (stderr, "Closed incident %s\n", argv[1]);
  return CE_EXIT_OK;
}

static int
incident_list (int argc, char **argv)
{
  static gboolean open_only = FALSE;
  static const GOptionEntry entries[] = {
      {"open", 0, 0, G_OPTION_ARG_NONE, &open_only, "Open incidents only",
          NULL},
      G_OPTION_ENTRY_NULL,
  };
  g_autoptr (CeRegistry) registry = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) list = NULL;
  static const char *const headers[] = {"ID", "OPENED", "BY", "CLOSED", "KIND",
      "TITLE", "CAMERAS", "WALL", NULL};
  g_autoptr (CeTable) table = ce_table_new (headers);

  if (!ce_cli_parse ("incident list", NULL, "List incidents, newest first.",
          NULL, entries, TRUE, &argc, &argv))
    return CE_EXIT_USAGE;
  if (argc != 1)
    return ce_cli_usage_error ("incident list", "unexpected argument “%s”",
        argv[1]);
  registry = ce_cli_open_registry (CE_REGISTRY_OPEN_READ_ONLY);
  if (registry == NULL)
    return CE_EXIT_RUNTIME;
  list = ce_registry_list_incidents (registry, open_only, 0, &error);
  if (list == NULL) {
    ce_cli_error ("%s", error->message);
    return CE_EXIT_RUNTIME;
  }
  for (guint i = 0; i < list->len; i++) {
    const CeIncidentRecord *r = list->pdata[i];
    g_autofree char *opened =
        ce_cli_time_string (r->opened_at * G_USEC_PER_SEC);
    g_autofree char *closed =
        ce_cli_time_string (r->closed_at * G_USEC_PER_SEC);
    g_auto (GStrv) cams = g_strsplit (r->cameras, ",", -1);
    g_autofree char *n =
        g_strdup_printf ("%u", *r->cameras == '\0' ? 0 : g_strv_length (cams));
    const char *cells[] = {r->id, opened, r->opened_by, closed, r->kind,
        r->title, n, r->wall, NULL};

    if (ce_cli_output () == CE_OUTPUT_CSV)
      ce_csv_print_row (stdout, cells);
    else
      ce_table_add_row (table, cells);
  }
  if (ce_cli_output () != CE_OUTPUT_CSV)
    ce_table_print (table, stdout);
  return CE_EXIT_OK;
}

static const CeCliCommand incident_commands[] = {
    {"open", incident_open,
        "open --at LON,LAT [--radius M -k N --wall NAME --monitor N]",
        "Open an incident (on the gateway); prints its id"},
    {"close", incident_close, "close ID", "Close it (on the gateway)"},
    {"list", incident_list, NULL, "Incidents in the registry (--open)"},
};

int
ce_cli_incident (int argc, char **argv)
{
  return ce_cli_dispatch ("incident", incident_commands,
      G_N_ELEMENTS (incident_commands),
      "Example:\n"
      "  CITYEYE_TOKEN=… cityeye incident open --at 121.38,31.35 "
      "--radius 300 --wall hall\n",
      argc, argv);
}
