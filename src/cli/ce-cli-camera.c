/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * `cityeye camera …`: import, export, list, show, add, set, rm, near,
 * search.
 */
#include "ce-cli.h"
#include "ce-export.h"
#include "ce-geo.h"
#include "ce-registry-import.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include <gio/gunixinputstream.h>
#include <gio/gunixoutputstream.h>

/* ---- printing cameras ------------------------------------------------- */

typedef struct
{
  CeOutput output;
  CeCrs crs;
  CeTable *table;
  JsonArray *array;
  gboolean header_done;
  guint count;
  gboolean near;
} Printer;

static const char *const list_headers[] = {"ID", "NAME", "SOURCE", "STREET",
    "STATUS", "LON", "LAT", NULL};
static const char *const near_headers[] = {"DIST_M", "ID", "NAME", "SOURCE",
    "STREET", "STATUS", "LON", "LAT", NULL};
static const char *const csv_headers[] = {"id", "name", "source", "street",
    "status", "lon", "lat", "secrecy", "tags", "distance_m", NULL};

static void
printer_init (Printer *p, CeCrs crs, gboolean near)
{
  memset (p, 0, sizeof (*p));
  p->output = ce_cli_output ();
  p->crs = crs;
  p->near = near;
  if (p->output == CE_OUTPUT_TABLE)
    p->table = ce_table_new (near ? near_headers : list_headers);
  else if (p->output == CE_OUTPUT_JSON)
    p->array = json_array_new ();
}

static gboolean
printer_add (const CeCamera *c, gpointer user_data)
{
  Printer *p = user_data;
  char lon_s[32], lat_s[32], dist_s[32] = "";
  double lon, lat;

  p->count++;
  ce_geo_convert (CE_CRS_WGS84, p->crs, c->lon, c->lat, &lon, &lat);
  g_snprintf (lon_s, sizeof lon_s, "%.6f", lon);
  g_snprintf (lat_s, sizeof lat_s, "%.6f", lat);
  if (!isnan (c->distance_m))
    g_snprintf (dist_s, sizeof dist_s, "%.1f", c->distance_m);

  switch (p->output) {
    case CE_OUTPUT_JSON:
      json_array_add_element (p->array, ce_camera_to_json (c, p->crs));
      break;
    case CE_OUTPUT_CSV: {
      const char *row[] = {c->id, c->name ? c->name : "",
          ce_source_to_string (c->source), c->street ? c->street : "",
          ce_status_to_string (c->status), lon_s, lat_s, c->secrecy ? "1" : "0",
          c->tags ? c->tags : "", dist_s, NULL};

      if (!p->header_done)
        ce_csv_print_row (stdout, csv_headers);
      p->header_done = TRUE;
      ce_csv_print_row (stdout, row);
      break;
    }
    case CE_OUTPUT_TABLE:
    default:
      if (p->near) {
        const char *row[] = {dist_s, c->id, c->name,
            ce_source_to_label (c->source), c->street,
            ce_status_to_string (c->status), lon_s, lat_s, NULL};
        ce_table_add_row (p->table, row);
      } else {
        const char *row[] = {c->id, c->name, ce_source_to_label (c->source),
            c->street, ce_status_to_string (c->status), lon_s, lat_s, NULL};
        ce_table_add_row (p->table, row);
      }
      break;
  }
  return TRUE;
}

static void
printer_finish (Printer *p, const char *next_cursor)
{
  switch (p->output) {
    case CE_OUTPUT_JSON: {
      g_autoptr (JsonBuilder) b = json_builder_new ();
      g_autoptr (JsonNode) root = NULL;

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "count");
      json_builder_add_int_value (b, p->count);
      json_builder_set_member_name (b, "next");
      if (next_cursor != NULL)
        json_builder_add_string_value (b, next_cursor);
      else
        json_builder_add_null_value (b);
      json_builder_set_member_name (b, "cameras");
      json_builder_add_value (b,
          json_node_init_array (json_node_alloc (), p->array));
      json_builder_end_object (b);
      root = json_builder_get_root (b);
      ce_json_print (root);
      json_array_unref (p->array);
      break;
    }
    case CE_OUTPUT_CSV:
      if (!p->header_done)
        ce_csv_print_row (stdout, csv_headers);
      break;
    case CE_OUTPUT_TABLE:
    default:
      ce_table_print (p->table, stdout);
      ce_table_free (p->table);
      if (!ce_cli_global.quiet) {
        fprintf (stderr, "%u camera%s", p->count, p->count == 1 ? "" : "s");
        if (next_cursor != NULL)
          fprintf (stderr, "; more with --after %s", next_cursor);
        fputc ('\n', stderr);
      }
      break;
  }
}

/* Runs @q and prints the result; for paged lists the last id is the
 * cursor of the next page. */
static int
print_query (CeRegistry *registry, const CeQuery *q, CeCrs crs)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) cameras = NULL;
  g_autofree char *next = NULL;
  Printer p;

  cameras = ce_registry_query (registry, q, &error);
  if (cameras == NULL) {
    ce_cli_error ("%s", error->message);
    return g_error_matches (error, CE_REGISTRY_ERROR, CE_REGISTRY_ERROR_INVALID)
        ? CE_EXIT_USAGE
        : CE_EXIT_RUNTIME;
  }
  printer_init (&p, crs, q->has_near);
  for (guint i = 0; i < cameras->len; i++)
    printer_add (g_ptr_array_index (cameras, i), &p);
  if (!q->has_near && q->limit > 0 && cameras->len == q->limit)
    next = g_strdup (
        ((CeCamera *) g_ptr_array_index (cameras, cameras->len - 1))->id);
  printer_finish (&p, next);
  return CE_EXIT_OK;
}

/* ---- list, near, search ------------------------------------------------ */

static int list_limit = 100;
static char *list_after;

static const GOptionEntry list_entries[] = {
    {"limit", 'n', 0, G_OPTION_ARG_INT, &list_limit,
        "At most N cameras (default 100, 0 = all)", "N"},
    {"after", 0, 0, G_OPTION_ARG_STRING, &list_after,
        "Start after this id (the cursor printed by the previous page)", "ID"},
    G_OPTION_ENTRY_NULL,
};

static int
run_list (const char *command, int argc, char **argv, const char *parameter,
    const char *summary, const char *examples, gboolean text_arg)
{
  g_autoptr (GOptionContext) unused = NULL;
  g_autoptr (CeRegistry) registry = NULL;
  g_autoptr (GArray) polygon = NULL;
  g_autoptr (GError) error = NULL;
  GOptionEntry entries[G_N_ELEMENTS (list_entries) + 16];
  guint n = 0;
  CeQuery q;
  CeCrs crs;

  for (guint i = 0; ce_filter_entries[i].long_name != NULL; i++)
    entries[n++] = ce_filter_entries[i];
  for (guint i = 0; list_entries[i].long_name != NULL; i++)
    entries[n++] = list_entries[i];
  entries[n] = (GOptionEntry) G_OPTION_ENTRY_NULL;

  if (!ce_cli_parse (command, parameter, summary, examples, entries, TRUE,
          &argc, &argv))
    return CE_EXIT_USAGE;
  if (text_arg) {
    if (argc != 2)
      return ce_cli_usage_error (command, "give one search text");
    ce_filter_options.text = g_strdup (argv[1]);
  } else if (argc != 1) {
    return ce_cli_usage_error (command, "unexpected argument “%s”", argv[1]);
  }
  if (list_limit < 0)
    return ce_cli_usage_error (command, "--limit: must be 0 or more");
  if (!ce_filter_to_query (&q, &polygon, &error) ||
      !ce_filter_crs (&crs, &error))
    return ce_cli_usage_error (command, "%s", error->message);
  q.limit = (guint) list_limit;
  q.after_id = list_after;
  if (!ce_query_validate (&q, &error))
    return ce_cli_usage_error (command, "%s", error->message);
  registry = ce_cli_open_registry (CE_REGISTRY_OPEN_READ_ONLY);
  if (registry == NULL)
    return CE_EXIT_RUNTIME;
  return print_query (registry, &q, crs);
}

static int
cmd_list (int argc, char **argv)
{
  return run_list ("camera list", argc, argv, NULL,
      "List registered cameras, ordered by id, 100 at a time.",
      "Examples:\n"
      "  cityeye camera list --source public_security --street 顾村镇\n"
      "  cityeye camera list --status offline --limit 0 --csv > "
      "offline.csv\n"
      "  cityeye camera list --bbox 121.37,31.34,121.40,31.36 --crs gcj02\n"
      "  cityeye camera list --after 31011300001320000100   # next page",
      FALSE);
}

static int
cmd_search (int argc, char **argv)
{
  return run_list ("camera search", argc, argv, "TEXT",
      "Find cameras whose id, name, street, address or tags contain TEXT.\n"
      "Chinese substrings work (顾村, 沪太路); words separated by spaces "
      "must all match.",
      "Examples:\n"
      "  cityeye camera search 沪太路 --street 顾村镇\n"
      "  cityeye camera search \"顾村公园 南门\" --json",
      TRUE);
}

static double near_radius = 300;
static int near_k = 10;

static int
cmd_near (int argc, char **argv)
{
  static const GOptionEntry own[] = {
      {"radius", 'r', 0, G_OPTION_ARG_DOUBLE, &near_radius,
          "Search radius in metres (default 300)", "M"},
      {"k", 'k', 0, G_OPTION_ARG_INT, &near_k,
          "At most K cameras, nearest first (default 10, 0 = all)", "K"},
      G_OPTION_ENTRY_NULL,
  };
  GOptionEntry entries[32];
  guint n = 0;
  g_autoptr (CeRegistry) registry = NULL;
  g_autoptr (GArray) polygon = NULL;
  g_autoptr (GError) error = NULL;
  const char *command = "camera near";
  CeQuery q;
  CeCrs crs;
  double lon, lat;

  for (guint i = 0; ce_filter_entries[i].long_name != NULL; i++)
    entries[n++] = ce_filter_entries[i];
  for (guint i = 0; own[i].long_name != NULL; i++)
    entries[n++] = own[i];
  entries[n] = (GOptionEntry) G_OPTION_ENTRY_NULL;

  if (!ce_cli_parse (command, "LON,LAT",
          "The cameras nearest a point, within a radius, by great-circle "
          "distance.",
          "Examples:\n"
          "  cityeye camera near 121.3845,31.3474 --radius 300 --source "
          "public_security -k 10\n"
          "  cityeye camera near 121.3890,31.3455 --crs gcj02 --status "
          "online --json",
          entries, TRUE, &argc, &argv))
    return CE_EXIT_USAGE;
  if (argc != 2)
    return ce_cli_usage_error (command, "give one point LON,LAT");
  if (near_k < 0)
    return ce_cli_usage_error (command, "-k: must be 0 or more");
  if (!ce_filter_crs (&crs, &error) ||
      !ce_parse_point (argv[1], &lon, &lat, &error) ||
      !ce_filter_to_query (&q, &polygon, &error))
    return ce_cli_usage_error (command, "%s", error->message);
  ce_geo_convert (crs, CE_CRS_WGS84, lon, lat, &q.near_lon, &q.near_lat);
  q.has_near = TRUE;
  q.radius_m = near_radius;
  q.k = (guint) near_k;
  if (!ce_query_validate (&q, &error))
    return ce_cli_usage_error (command, "%s", error->message);
  registry = ce_cli_open_registry (CE_REGISTRY_OPEN_READ_ONLY);
  if (registry == NULL)
    return CE_EXIT_RUNTIME;
  return print_query (registry, &q, crs);
}

/* ---- show ------------------------------------------------------------- */

static int
cmd_show (int argc, char **argv)
{
  g_autoptr (CeRegistry) registry = NULL;
  g_autoptr (GError) error = NULL;
  const char *command = "camera show";
  CeCrs crs;
  GOptionEntry entries[] = {
      ce_filter_entries[7], /* --crs */
      G_OPTION_ENTRY_NULL,
  };

  if (!ce_cli_parse (command, "ID…",
          "Show everything the registry knows about cameras, except their "
          "credentials.",
          "Example:\n  cityeye camera show 31011300001320000123", entries, TRUE,
          &argc, &argv))
    return CE_EXIT_USAGE;
  if (argc < 2)
    return ce_cli_usage_error (command, "give at least one camera id");
  if (!ce_filter_crs (&crs, &error))
    return ce_cli_usage_error (command, "%s", error->message);
  registry = ce_cli_open_registry (CE_REGISTRY_OPEN_READ_ONLY);
  if (registry == NULL)
    return CE_EXIT_RUNTIME;

  for (int i = 1; i < argc; i++) {
    g_autoptr (CeCamera) c = ce_registry_dup_camera (registry, argv[i], &error);
    g_autofree char *main_url = NULL;
    g_autofree char *sub_url = NULL;
    double lon, lat;

    if (c == NULL) {
      ce_cli_error ("%s", error->message);
      return CE_EXIT_RUNTIME;
    }
    main_url = ce_url_mask (c->rtsp_url);
    sub_url = ce_url_mask (c->rtsp_url_sub);
    if (ce_cli_output () == CE_OUTPUT_JSON) {
      g_autoptr (JsonNode) node = ce_camera_to_json (c, crs);
      JsonObject *o = json_node_get_object (node);

      json_object_set_string_member (o, "rtsp_url", main_url);
      json_object_set_string_member (o, "rtsp_url_sub", sub_url);
      ce_json_print (node);
      continue;
    }
    ce_geo_convert (CE_CRS_WGS84, crs, c->lon, c->lat, &lon, &lat);
    {
      g_autofree char *pos =
          g_strdup_printf ("%.6f, %.6f (%s)", lon, lat, ce_crs_to_string (crs));
      g_autofree char *type = g_strdup_printf ("%03d %s", ce_gb_id_type (c->id),
          ce_gb_type_name (ce_gb_id_type (c->id)));
      g_autofree char *source = g_strdup_printf ("%s (%s)",
          ce_source_to_label (c->source), ce_source_to_string (c->source));
      g_autofree char *az = isnan (c->azimuth)
          ? g_strdup ("")
          : g_strdup_printf ("%.0f°", c->azimuth);
      g_autofree char *ptz = g_strdup_printf ("%d", c->ptz_type);
      g_autoptr (GDateTime) changed =
          g_date_time_new_from_unix_local (c->status_changed_at);
      g_autoptr (GDateTime) created =
          g_date_time_new_from_unix_local (c->created_at);
      g_autoptr (GDateTime) updated =
          g_date_time_new_from_unix_local (c->updated_at);
      g_autofree char *changed_s =
          c->status_changed_at ? g_date_time_format (changed, "%F %T") : NULL;
      g_autofree char *status = g_strdup_printf ("%s%s%s%s",
          ce_status_to_string (c->status), changed_s ? " (since " : "",
          changed_s ? changed_s : "", changed_s ? ")" : "");
      g_autofree char *created_s = g_date_time_format (created, "%F %T");
      g_autofree char *updated_s = g_date_time_format (updated, "%F %T");
      gboolean creds =
          (c->username && *c->username) || (c->password && *c->password);
      const char *rows[][2] = {
          {"id", c->id},
          {"type", type},
          {"name", c->name},
          {"source", source},
          {"street", c->street},
          {"civil_code", c->civil_code},
          {"address", c->address},
          {"position", pos},
          {"azimuth", az},
          {"ptz_type", ptz},
          {"secrecy", c->secrecy ? "1 (涉密)" : "0 (不涉密)"},
          {"tags", c->tags},
          {"status", status},
          {"rtsp_url", main_url},
          {"rtsp_url_sub", sub_url},
          {"credentials", creds ? "stored (never shown)" : "none"},
          {"created", created_s},
          {"updated", updated_s},
      };
      static const char *const headers[] = {"FIELD", "VALUE", NULL};
      g_autoptr (CeTable) table = ce_table_new (headers);

      for (gsize r = 0; r < G_N_ELEMENTS (rows); r++) {
        const char *row[] = {rows[r][0], rows[r][1] ? rows[r][1] : "", NULL};
        ce_table_add_row (table, row);
      }
      if (i > 1)
        fputc ('\n', stdout);
      ce_table_print (table, stdout);
    }
  }
  return CE_EXIT_OK;
}

/* ---- add / set -------------------------------------------------------- */

static struct
{
  char *id, *name, *source, *street, *civil_code, *address, *position;
  char *rtsp_url, *rtsp_url_sub, *username, *password, *tags, *status;
  char *azimuth;
  int secrecy, ptz_type;
  gboolean password_stdin;
} edit = {.secrecy = -1, .ptz_type = -1};

static const GOptionEntry edit_entries[] = {
    {"name", 0, 0, G_OPTION_ARG_STRING, &edit.name, "Name (UTF-8)", "NAME"},
    {"source", 0, 0, G_OPTION_ARG_STRING, &edit.source,
        "public_security (公安), xueliang (雪亮), social (社会面), mobile "
        "(单兵)",
        "SOURCE"},
    {"street", 0, 0, G_OPTION_ARG_STRING, &edit.street, "街镇", "NAME"},
    {"civil-code", 0, 0, G_OPTION_ARG_STRING, &edit.civil_code,
        "Administrative code", "CODE"},
    {"address", 0, 0, G_OPTION_ARG_STRING, &edit.address, "Address", "TEXT"},
    {"at", 0, 0, G_OPTION_ARG_STRING, &edit.position,
        "Position LON,LAT (in --crs)", "LON,LAT"},
    {"rtsp-url", 0, 0, G_OPTION_ARG_STRING, &edit.rtsp_url,
        "Main stream URL (user:password@ in it is moved to the credentials)",
        "URL"},
    {"rtsp-url-sub", 0, 0, G_OPTION_ARG_STRING, &edit.rtsp_url_sub,
        "Sub stream URL ('' removes it)", "URL"},
    {"username", 0, 0, G_OPTION_ARG_STRING, &edit.username, "Camera account",
        "USER"},
    {"password-stdin", 0, 0, G_OPTION_ARG_NONE, &edit.password_stdin,
        "Read the camera password from the first line of standard input (a "
        "password is never taken on the command line, where `ps` shows it)",
        NULL},
    {"secrecy", 0, 0, G_OPTION_ARG_INT, &edit.secrecy, "0 (不涉密) or 1 (涉密)",
        "0|1"},
    {"ptz-type", 0, 0, G_OPTION_ARG_INT, &edit.ptz_type,
        "0 unknown, 1 球机, 2 半球, 3 固定枪机, 4 遥控枪机", "N"},
    {"azimuth", 0, 0, G_OPTION_ARG_STRING, &edit.azimuth,
        "Degrees the camera faces, clockwise from north ('' = unknown)", "DEG"},
    {"tags", 0, 0, G_OPTION_ARG_STRING, &edit.tags, "Comma-separated tags",
        "TAGS"},
    {"status", 0, 0, G_OPTION_ARG_STRING, &edit.status,
        "online, offline or unknown", "STATUS"},
    {"crs", 0, 0, G_OPTION_ARG_STRING, &ce_filter_options.crs,
        "Coordinate system of --at: wgs84 (default), gcj02, bd09", "CRS"},
    G_OPTION_ENTRY_NULL,
};

static void
replace (char **field, const char *value)
{
  if (value == NULL)
    return;
  g_free (*field);
  *field = *value != '\0' ? g_strdup (value) : NULL;
}

/* Applies the given options onto @c; returns FALSE with a usage error. */
static gboolean
apply_edit (CeCamera *c, GError **error)
{
  CeCrs crs;

  if (!ce_filter_crs (&crs, error))
    return FALSE;
  replace (&c->name, edit.name);
  replace (&c->street, edit.street);
  replace (&c->civil_code, edit.civil_code);
  replace (&c->address, edit.address);
  replace (&c->rtsp_url, edit.rtsp_url);
  replace (&c->rtsp_url_sub, edit.rtsp_url_sub);
  replace (&c->username, edit.username);
  replace (&c->tags, edit.tags);
  if (edit.source != NULL && !ce_source_from_string (edit.source, &c->source)) {
    g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
        "--source: “%s” is not public_security, xueliang, social or mobile",
        edit.source);
    return FALSE;
  }
  if (edit.status != NULL && !ce_status_from_string (edit.status, &c->status)) {
    g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
        "--status: “%s” is not online, offline or unknown", edit.status);
    return FALSE;
  }
  if (edit.position != NULL) {
    double lon, lat;

    if (!ce_parse_point (edit.position, &lon, &lat, error)) {
      g_prefix_error (error, "--at: ");
      return FALSE;
    }
    ce_geo_convert (crs, CE_CRS_WGS84, lon, lat, &c->lon, &c->lat);
  }
  if (edit.azimuth != NULL) {
    if (*edit.azimuth == '\0')
      c->azimuth = NAN;
    else if (!ce_parse_double (edit.azimuth, "--azimuth", &c->azimuth, error))
      return FALSE;
  }
  if (edit.secrecy != -1)
    c->secrecy = edit.secrecy;
  if (edit.ptz_type != -1)
    c->ptz_type = edit.ptz_type;
  if (edit.password_stdin) {
    char line[1024];

    if (fgets (line, sizeof line, stdin) == NULL) {
      g_set_error_literal (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
          "--password-stdin: nothing on standard input");
      return FALSE;
    }
    line[strcspn (line, "\r\n")] = '\0';
    g_free (c->password);
    c->password = *line != '\0' ? g_strdup (line) : NULL;
    memset (line, 0, sizeof line);
  }
  ce_camera_take_url_credentials (c);
  return TRUE;
}

static int
cmd_add (int argc, char **argv)
{
  g_autoptr (CeRegistry) registry = NULL;
  g_autoptr (CeCamera) c = ce_camera_new ();
  g_autoptr (GError) error = NULL;
  const char *command = "camera add";

  if (!ce_cli_parse (command, "ID",
          "Register one camera.  Required: ID, --name, --source, --at.",
          "Example:\n"
          "  cityeye camera add 31011300001320000123 --name "
          "宝山区顾村镇沪太路菊太路口东北角 \\\n"
          "      --source public_security --street 顾村镇 --at "
          "121.3845,31.3474 \\\n"
          "      --rtsp-url rtsp://10.0.0.5/Streaming/Channels/101 "
          "--username admin --password-stdin",
          edit_entries, FALSE, &argc, &argv))
    return CE_EXIT_USAGE;
  if (argc != 2)
    return ce_cli_usage_error (command, "give one camera id");
  c->id = g_strdup (argv[1]);
  if (!apply_edit (c, &error))
    return ce_cli_usage_error (command, "%s", error->message);
  if (!ce_camera_validate (c, &error))
    return ce_cli_usage_error (command, "%s", error->message);
  registry = ce_cli_open_registry (CE_REGISTRY_OPEN_DEFAULT);
  if (registry == NULL)
    return CE_EXIT_RUNTIME;
  if (!ce_registry_add_camera (registry, c, &error)) {
    ce_cli_error ("%s", error->message);
    return CE_EXIT_RUNTIME;
  }
  if (!ce_cli_global.quiet)
    fprintf (stderr, "Added camera %s\n", c->id);
  return CE_EXIT_OK;
}

static int
cmd_set (int argc, char **argv)
{
  g_autoptr (CeRegistry) registry = NULL;
  g_autoptr (CeCamera) c = NULL;
  g_autoptr (GError) error = NULL;
  const char *command = "camera set";

  if (!ce_cli_parse (command, "ID",
          "Change fields of a registered camera; fields not given stay.",
          "Examples:\n"
          "  cityeye camera set 31011300001320000123 --status offline\n"
          "  cityeye camera set 31011300001320000123 --at 121.3890,31.3455 "
          "--crs gcj02\n"
          "  cityeye camera set 31011300001320000123 --rtsp-url-sub ''",
          edit_entries, FALSE, &argc, &argv))
    return CE_EXIT_USAGE;
  if (argc != 2)
    return ce_cli_usage_error (command, "give one camera id");
  registry = ce_cli_open_registry (CE_REGISTRY_OPEN_NO_CREATE);
  if (registry == NULL)
    return CE_EXIT_RUNTIME;
  c = ce_registry_dup_camera (registry, argv[1], &error);
  if (c == NULL) {
    ce_cli_error ("%s", error->message);
    return CE_EXIT_RUNTIME;
  }
  if (!apply_edit (c, &error) || !ce_camera_validate (c, &error))
    return ce_cli_usage_error (command, "%s", error->message);
  if (!ce_registry_update_camera (registry, c, &error)) {
    ce_cli_error ("%s", error->message);
    return CE_EXIT_RUNTIME;
  }
  if (!ce_cli_global.quiet)
    fprintf (stderr, "Updated camera %s\n", c->id);
  return CE_EXIT_OK;
}

static int
cmd_rm (int argc, char **argv)
{
  g_autoptr (CeRegistry) registry = NULL;
  g_autoptr (GError) error = NULL;
  const char *command = "camera rm";

  if (!ce_cli_parse (command, "ID…",
          "Remove cameras from the registry (all or none).",
          "Example:\n  cityeye camera rm 31011300001320000123", NULL, FALSE,
          &argc, &argv))
    return CE_EXIT_USAGE;
  if (argc < 2)
    return ce_cli_usage_error (command, "give at least one camera id");
  registry = ce_cli_open_registry (CE_REGISTRY_OPEN_NO_CREATE);
  if (registry == NULL)
    return CE_EXIT_RUNTIME;
  if (!ce_registry_begin (registry, &error)) {
    ce_cli_error ("%s", error->message);
    return CE_EXIT_RUNTIME;
  }
  for (int i = 1; i < argc; i++) {
    if (!ce_registry_remove_camera (registry, argv[i], &error)) {
      ce_registry_rollback (registry);
      ce_cli_error ("%s; nothing was removed", error->message);
      return CE_EXIT_RUNTIME;
    }
  }
  if (!ce_registry_commit (registry, &error)) {
    ce_cli_error ("%s", error->message);
    return CE_EXIT_RUNTIME;
  }
  if (!ce_cli_global.quiet)
    fprintf (stderr, "Removed %d camera%s\n", argc - 1, argc == 2 ? "" : "s");
  return CE_EXIT_OK;
}

/* ---- import ----------------------------------------------------------- */

static struct
{
  char *format, *encoding, *crs, *mode, *source;
  gboolean dry_run, strict;
} imp;

typedef struct
{
  CeProgress *progress;
  goffset base;
} ImportProgress;

static void
on_import_progress (goffset bytes, gpointer user_data)
{
  ImportProgress *ip = user_data;
  g_autofree char *size = g_format_size (ip->base + bytes);

  ce_progress_update (ip->progress, ip->base + bytes, size);
}

static void
print_report (const CeImportReport *r, gboolean dry_run)
{
  if (ce_cli_output () == CE_OUTPUT_JSON) {
    g_autoptr (JsonBuilder) b = json_builder_new ();
    g_autoptr (JsonNode) root = NULL;

    json_builder_begin_object (b);
#define INT_MEMBER(name) \
  json_builder_set_member_name (b, #name); \
  json_builder_add_int_value (b, r->name)
    INT_MEMBER (records);
    INT_MEMBER (inserted);
    INT_MEMBER (updated);
    INT_MEMBER (unchanged);
    INT_MEMBER (rejected);
    INT_MEMBER (deleted);
#undef INT_MEMBER
    json_builder_set_member_name (b, "applied");
    json_builder_add_boolean_value (b, r->applied);
    json_builder_set_member_name (b, "dry_run");
    json_builder_add_boolean_value (b, dry_run);
    json_builder_set_member_name (b, "rejects");
    json_builder_begin_array (b);
    for (guint i = 0; i < r->rejects->len; i++) {
      CeImportReject *rej = g_ptr_array_index (r->rejects, i);

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "where");
      json_builder_add_string_value (b, rej->where);
      json_builder_set_member_name (b, "id");
      if (rej->id != NULL)
        json_builder_add_string_value (b, rej->id);
      else
        json_builder_add_null_value (b);
      json_builder_set_member_name (b, "reason");
      json_builder_add_string_value (b, rej->reason);
      json_builder_end_object (b);
    }
    json_builder_end_array (b);
    json_builder_set_member_name (b, "notes");
    json_builder_begin_array (b);
    for (guint i = 0; i < r->notes->len; i++)
      json_builder_add_string_value (b, g_ptr_array_index (r->notes, i));
    json_builder_end_array (b);
    json_builder_end_object (b);
    root = json_builder_get_root (b);
    ce_json_print (root);
    return;
  }
  for (guint i = 0; i < r->rejects->len; i++) {
    CeImportReject *rej = g_ptr_array_index (r->rejects, i);

    fprintf (stderr, "rejected %s: %s\n", rej->where, rej->reason);
  }
  if (!ce_cli_global.quiet)
    for (guint i = 0; i < r->notes->len; i++)
      fprintf (stderr, "note %s\n", (char *) g_ptr_array_index (r->notes, i));
  printf ("%s%u records: %u inserted, %u updated, %u unchanged, %u rejected",
      dry_run ? "dry run, nothing applied: " : "", r->records, r->inserted,
      r->updated, r->unchanged, r->rejected);
  if (r->deleted > 0)
    printf (", %u deleted", r->deleted);
  printf ("\n");
}

static int
cmd_import (int argc, char **argv)
{
  static const GOptionEntry entries[] = {
      {"format", 'f', 0, G_OPTION_ARG_STRING, &imp.format,
          "csv, catalog (GB/T 28181 XML) or geojson (default: from the file "
          "name, then from its first bytes)",
          "FORMAT"},
      {"encoding", 'e', 0, G_OPTION_ARG_STRING, &imp.encoding,
          "utf-8, gb18030, gbk or gb2312 (default: detect; XML follows its "
          "declaration)",
          "ENC"},
      {"crs", 0, 0, G_OPTION_ARG_STRING, &imp.crs,
          "Coordinate system of the file: wgs84 (default; GB/T 28181 "
          "catalogs are WGS-84), gcj02, bd09",
          "CRS"},
      {"mode", 'm', 0, G_OPTION_ARG_STRING, &imp.mode,
          "upsert (default), insert-only, or replace-all (also delete "
          "cameras the files do not list)",
          "MODE"},
      {"source", 's', 0, G_OPTION_ARG_STRING, &imp.source,
          "Source for records that have none (catalogs): public_security, "
          "xueliang, social, mobile",
          "SOURCE"},
      {"dry-run", 'n', 0, G_OPTION_ARG_NONE, &imp.dry_run,
          "Check and report everything, change nothing", NULL},
      {"strict", 0, 0, G_OPTION_ARG_NONE, &imp.strict,
          "Refuse the whole import if any record is rejected", NULL},
      G_OPTION_ENTRY_NULL,
  };
  g_autoptr (CeRegistry) registry = NULL;
  g_autoptr (CeImporter) importer = NULL;
  g_autoptr (CeImportReport) report = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (CeProgress) progress = NULL;
  const char *command = "camera import";
  CeImportOptions options;
  CeFormat forced = CE_FORMAT_AUTO;
  ImportProgress ip = {0};
  goffset total = 0;
  gboolean ok;

  if (!ce_cli_parse (command, "FILE…",
          "Import cameras from CSV, GB/T 28181 catalog XML or GeoJSON files "
          "(- = standard input), all in one transaction: on any error "
          "nothing is applied.  Every rejected record is listed with its "
          "line or item and the reason.",
          "CSV columns (header required, any order, English or Chinese "
          "names):\n"
          "  id,name,source,street,civil_code,address,lon,lat,rtsp_url,"
          "rtsp_url_sub,\n"
          "  username,password,secrecy,ptz_type,azimuth,tags,status\n"
          "\nExamples:\n"
          "  cityeye camera import cameras.csv\n"
          "  cityeye camera import catalog-*.xml --source xueliang --crs "
          "wgs84\n"
          "  cityeye camera import cameras-gbk.csv --encoding gbk --dry-run\n"
          "  cityeye camera import full.csv --mode replace-all --strict",
          entries, TRUE, &argc, &argv))
    return CE_EXIT_USAGE;
  if (argc < 2)
    return ce_cli_usage_error (command, "give at least one file");

  ce_import_options_init (&options);
  if (imp.format != NULL &&
      (!ce_format_from_string (imp.format, &forced) || forced == CE_FORMAT_KML))
    return ce_cli_usage_error (command,
        "--format: “%s” is not csv, catalog or geojson", imp.format);
  if (imp.crs != NULL && !ce_crs_from_string (imp.crs, &options.crs))
    return ce_cli_usage_error (command,
        "--crs: “%s” is not wgs84, gcj02 or bd09", imp.crs);
  if (imp.mode != NULL && !ce_import_mode_from_string (imp.mode, &options.mode))
    return ce_cli_usage_error (command,
        "--mode: “%s” is not upsert, insert-only or replace-all", imp.mode);
  if (imp.source != NULL &&
      !ce_source_from_string (imp.source, &options.default_source))
    return ce_cli_usage_error (command,
        "--source: “%s” is not public_security, xueliang, social or mobile",
        imp.source);
  options.encoding = imp.encoding;
  options.dry_run = imp.dry_run;
  options.strict = imp.strict;
  options.progress = on_import_progress;
  options.user_data = &ip;

  for (int i = 1; i < argc; i++) {
    GStatBuf st;

    if (strcmp (argv[i], "-") != 0 && g_stat (argv[i], &st) == 0)
      total += st.st_size;
  }
  registry = ce_cli_open_registry (CE_REGISTRY_OPEN_DEFAULT);
  if (registry == NULL)
    return CE_EXIT_RUNTIME;
  importer = ce_importer_new (registry, &options, &error);
  if (importer == NULL) {
    ce_cli_error ("%s", error->message);
    return CE_EXIT_RUNTIME;
  }
  progress = ce_progress_new ("importing", total);
  ip.progress = progress;

  for (int i = 1; i < argc; i++) {
    g_autoptr (GInputStream) in = NULL;
    g_autoptr (GInputStream) buffered = NULL;
    CeFormat format = forced;
    const char *name = argc > 2 ? argv[i] : NULL;

    if (strcmp (argv[i], "-") == 0) {
      in = g_unix_input_stream_new (STDIN_FILENO, FALSE);
    } else {
      g_autoptr (GFile) file = g_file_new_for_commandline_arg (argv[i]);

      in = G_INPUT_STREAM (g_file_read (file, NULL, &error));
      if (in == NULL) {
        ce_cli_error ("%s", error->message);
        return CE_EXIT_RUNTIME;
      }
    }
    buffered = g_buffered_input_stream_new_sized (in, 256 * 1024);
    if (format == CE_FORMAT_AUTO)
      format = ce_format_from_filename (argv[i]);
    if (format == CE_FORMAT_AUTO || format == CE_FORMAT_KML) {
      gsize avail = 0;
      const guint8 *head;

      if (g_buffered_input_stream_fill (G_BUFFERED_INPUT_STREAM (buffered),
              4096, NULL, &error) < 0) {
        ce_cli_error ("%s: %s", argv[i], error->message);
        return CE_EXIT_RUNTIME;
      }
      head = g_buffered_input_stream_peek_buffer (
          G_BUFFERED_INPUT_STREAM (buffered), &avail);
      format = ce_format_sniff (head, avail);
    }
    ok =
        ce_importer_add_stream (importer, buffered, name, format, NULL, &error);
    if (!ok) {
      ce_cli_error ("%s; nothing was imported", error->message);
      return CE_EXIT_RUNTIME;
    }
    if (strcmp (argv[i], "-") != 0) {
      GStatBuf st;

      if (g_stat (argv[i], &st) == 0)
        ip.base += st.st_size;
    }
  }
  ok = ce_importer_finish (importer, &report, &error);
  g_clear_pointer (&progress, ce_progress_free);
  if (report != NULL)
    print_report (report, imp.dry_run);
  if (!ok) {
    ce_cli_error ("%s", error->message);
    return CE_EXIT_RUNTIME;
  }
  return CE_EXIT_OK;
}

/* ---- export ----------------------------------------------------------- */

typedef struct
{
  CeExporter *exporter;
  CeProgress *progress;
  gint64 total;
  gint64 done;
  GError *error;
} ExportState;

static gboolean
export_one (const CeCamera *camera, gpointer user_data)
{
  ExportState *st = user_data;

  if (!ce_exporter_add (st->exporter, camera, &st->error))
    return FALSE;
  st->done++;
  if (st->done % 1024 == 0) {
    g_autofree char *detail =
        g_strdup_printf ("%" G_GINT64_FORMAT "/%" G_GINT64_FORMAT " cameras",
            st->done, st->total);
    ce_progress_update (st->progress, st->done, detail);
  }
  return TRUE;
}

static int
cmd_export (int argc, char **argv)
{
  static char *format_s, *output;
  static gboolean with_credentials;
  static const GOptionEntry own[] = {
      {"format", 'f', 0, G_OPTION_ARG_STRING, &format_s,
          "csv (default), catalog, geojson or kml (default: from --output's "
          "extension, else csv)",
          "FORMAT"},
      {"output", 'o', 0, G_OPTION_ARG_FILENAME, &output,
          "Write to FILE (default: standard output)", "FILE"},
      {"with-credentials", 0, 0, G_OPTION_ARG_NONE, &with_credentials,
          "Include camera usernames and passwords (handle the file as a "
          "secret)",
          NULL},
      G_OPTION_ENTRY_NULL,
  };
  GOptionEntry entries[32];
  guint n = 0;
  g_autoptr (CeRegistry) registry = NULL;
  g_autoptr (GArray) polygon = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GOutputStream) out = NULL;
  g_autoptr (GFile) file = NULL;
  g_autoptr (CeExporter) exporter = NULL;
  const char *command = "camera export";
  CeFormat format = CE_FORMAT_AUTO;
  ExportState st = {0};
  CeQuery q;
  CeCrs crs;
  gboolean ok;

  for (guint i = 0; ce_filter_entries[i].long_name != NULL; i++)
    entries[n++] = ce_filter_entries[i];
  for (guint i = 0; own[i].long_name != NULL; i++)
    entries[n++] = own[i];
  entries[n] = (GOptionEntry) G_OPTION_ENTRY_NULL;

  if (!ce_cli_parse (command, NULL,
          "Export cameras (all, or those matching the filters) as CSV, GB/T "
          "28181 catalog XML, GeoJSON or KML.  Credentials are left out "
          "unless --with-credentials is given.",
          "Examples:\n"
          "  cityeye camera export --format kml > baoshan.kml\n"
          "  cityeye camera export --source xueliang -o xueliang.geojson "
          "--crs gcj02\n"
          "  cityeye camera export -f catalog --street 顾村镇 > gucun.xml\n"
          "  cityeye camera export --with-credentials -o backup.csv",
          entries, FALSE, &argc, &argv))
    return CE_EXIT_USAGE;
  if (argc != 1)
    return ce_cli_usage_error (command, "unexpected argument “%s”", argv[1]);
  if (format_s != NULL && !ce_format_from_string (format_s, &format))
    return ce_cli_usage_error (command,
        "--format: “%s” is not csv, catalog, geojson or kml", format_s);
  if (format == CE_FORMAT_AUTO)
    format = ce_format_from_filename (output);
  if (format == CE_FORMAT_AUTO)
    format = CE_FORMAT_CSV;
  if (!ce_filter_to_query (&q, &polygon, &error) ||
      !ce_filter_crs (&crs, &error) || !ce_query_validate (&q, &error))
    return ce_cli_usage_error (command, "%s", error->message);

  registry = ce_cli_open_registry (CE_REGISTRY_OPEN_READ_ONLY);
  if (registry == NULL)
    return CE_EXIT_RUNTIME;
  if (output != NULL) {
    /* Write to a temporary file and move it into place at the end: an
     * interrupted export never leaves a truncated file behind. */
    file = g_file_new_for_commandline_arg (output);
    out = G_OUTPUT_STREAM (g_file_replace (file, NULL, FALSE,
        with_credentials ? G_FILE_CREATE_PRIVATE : G_FILE_CREATE_NONE, NULL,
        &error));
    if (out == NULL) {
      ce_cli_error ("%s", error->message);
      return CE_EXIT_RUNTIME;
    }
  } else {
    out = g_unix_output_stream_new (STDOUT_FILENO, FALSE);
  }
  exporter = ce_exporter_new (format, out, crs,
      with_credentials ? CE_EXPORT_WITH_CREDENTIALS : CE_EXPORT_FLAGS_NONE,
      &error);
  if (exporter == NULL) {
    ce_cli_error ("%s", error->message);
    return CE_EXIT_RUNTIME;
  }
  st.exporter = exporter;
  st.total = ce_registry_count (registry, &q, NULL);
  st.progress = ce_progress_new ("exporting", MAX (st.total, 0));
  ok = ce_registry_query_foreach (registry, &q, export_one, &st, &error);
  ce_progress_free (st.progress);
  if (ok && st.error != NULL) {
    g_propagate_error (&error, st.error);
    ok = FALSE;
  }
  if (ok)
    ok = ce_exporter_finish (exporter, &error);
  if (ok && output != NULL)
    ok = g_output_stream_close (out, NULL, &error);
  if (!ok) {
    ce_cli_error ("%s", error->message);
    return CE_EXIT_RUNTIME;
  }
  if (!ce_cli_global.quiet && output != NULL)
    fprintf (stderr, "Exported %" G_GINT64_FORMAT " cameras to %s\n", st.done,
        output);
  return CE_EXIT_OK;
}

/* ---- dispatch --------------------------------------------------------- */

static const CeCliCommand commands[] = {
    {"list", cmd_list, NULL, "List cameras with filters, page by page"},
    {"search", cmd_search, NULL, "Find cameras by a (Chinese) substring"},
    {"near", cmd_near, NULL, "Cameras nearest a point, within a radius"},
    {"show", cmd_show, NULL, "Everything about one camera (no credentials)"},
    {"add", cmd_add, NULL, "Register one camera"},
    {"set", cmd_set, NULL, "Change fields of a camera"},
    {"rm", cmd_rm, NULL, "Remove cameras"},
    {"import", cmd_import, NULL,
        "Import CSV, GB/T 28181 catalog XML or GeoJSON"},
    {"export", cmd_export, NULL, "Export CSV, catalog XML, GeoJSON or KML"},
    {"probe", ce_cli_camera_probe, NULL,
        "Probe cameras now, record their health"},
    {"health", ce_cli_camera_health, NULL, "A camera's last probe and history"},
    {"check", ce_cli_camera_check, NULL,
        "Check pictures now on the gateway: black or frozen"},
};

int
ce_cli_camera (int argc, char **argv)
{
  return ce_cli_dispatch ("camera", commands, G_N_ELEMENTS (commands), NULL,
      argc, argv);
}
