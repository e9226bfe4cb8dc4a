/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * The wall model (layouts, tiles, profile rule, locks, JSON) and its
 * storage in the registry (revisions and conflicts, presets, incidents).
 */
#include "ce-wall.h"
#include "ce-registry.h"
#include "ce-registry-walls.h"

#include <string.h>

#define CAM1 "31011300001320000101"
#define CAM2 "31011300001320000102"
#define CAM3 "31011300001320000103"

static JsonArray *
parse_array (const char *text)
{
  g_autoptr (JsonParser) p = json_parser_new ();
  g_autoptr (GError) error = NULL;

  g_assert_true (json_parser_load_from_data (p, text, -1, &error));
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_ARRAY (json_parser_get_root (p)));
  return json_array_ref (json_node_get_array (json_parser_get_root (p)));
}

static gboolean
set (CeWall *w, const char *text, guint64 *touched, GError **error)
{
  g_autoptr (JsonArray) a = parse_array (text);

  return ce_wall_set_monitors (w, a, 5, touched, error);
}

static void
test_layouts (void)
{
  static const struct
  {
    const char *name;
    guint grid, cells;
  } cases[] = {{"1", 1, 1}, {"4", 2, 4}, {"9", 3, 9}, {"16", 4, 16},
      {"1+5", 3, 6}, {"1+7", 4, 8}};

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autoptr (GArray) cells = g_array_new (FALSE, TRUE, sizeof (CeWallCell));
    guint grid = 0, area = 0;

    g_assert_true (ce_wall_layout_cells (cases[i].name, &grid, cells));
    g_assert_cmpuint (grid, ==, cases[i].grid);
    g_assert_cmpuint (cells->len, ==, cases[i].cells);
    for (guint k = 0; k < cells->len; k++) {
      CeWallCell *c = &g_array_index (cells, CeWallCell, k);

      area += c->w * c->h;
    }
    /* The cells fill the monitor. */
    g_assert_cmpuint (area, ==, grid * grid);
  }
  {
    g_autoptr (GArray) cells = g_array_new (FALSE, TRUE, sizeof (CeWallCell));
    guint grid;

    g_assert_false (ce_wall_layout_cells ("5", &grid, cells));
    g_assert_false (ce_wall_layout_cells ("custom", &grid, cells));
  }
}

static void
test_tiles_and_profiles (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CeWall) w = ce_wall_new ("hall", "指挥大厅", 2, 3, &error);
  guint64 touched = 0;
  CeWallMonitor *m;

  g_assert_no_error (error);
  g_assert_cmpuint (w->monitors->len, ==, 6);
  g_assert_true (set (w,
      "[{\"index\": 1, \"layout\": \"1+5\", \"tiles\": [\"" CAM1 "\","
      " {\"camera_id\": \"" CAM2 "\", \"profile\": \"main\"}, null,"
      " \"" CAM3 "\"]},"
      " {\"index\": 4, \"layout\": \"1\", \"tiles\": [\"" CAM2 "\"]}]",
      &touched, &error));
  g_assert_no_error (error);
  g_assert_cmphex (touched, ==, (1 << 1) | (1 << 4));
  m = g_ptr_array_index (w->monitors, 1);
  g_assert_cmpuint (m->tiles->len, ==, 6);
  /* The big cell of 1+5 (4/9) plays main, the small ones sub unless
   * asked otherwise; a whole monitor plays main. */
  g_assert_cmpint (ce_wall_tile_profile (m, 0), ==, CE_WALL_PROFILE_MAIN);
  g_assert_cmpint (ce_wall_tile_profile (m, 1), ==, CE_WALL_PROFILE_MAIN);
  g_assert_cmpint (ce_wall_tile_profile (m, 3), ==, CE_WALL_PROFILE_SUB);
  g_assert_cmpint (ce_wall_tile_profile (g_ptr_array_index (w->monitors, 4), 0),
      ==, CE_WALL_PROFILE_MAIN);
  {
    g_autoptr (GHashTable) want = ce_wall_wanted_streams (w, FALSE);

    g_assert_cmpuint (g_hash_table_size (want), ==, 3);
    g_assert_true (g_hash_table_contains (want, CAM1 "/main"));
    g_assert_true (g_hash_table_contains (want, CAM2 "/main"));
    g_assert_true (g_hash_table_contains (want, CAM3 "/sub"));
  }

  /* Errors name the member and leave the wall as it was. */
  g_assert_false (set (w,
      "[{\"index\": 0, \"layout\": \"4\"}, {\"index\": 1, \"layout\": \"4\","
      " \"tiles\": [\"123\"]}]",
      NULL, &error));
  g_assert_error (error, CE_WALL_ERROR, CE_WALL_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "monitors[1].tiles[0]"));
  g_clear_error (&error);
  g_assert_cmpstr (
      ((CeWallMonitor *) g_ptr_array_index (w->monitors, 0))->layout, ==, "1");
  g_assert_cmpstr (
      ((CeWallMonitor *) g_ptr_array_index (w->monitors, 1))->layout, ==,
      "1+5");
  g_assert_false (set (w, "[{\"index\": 6, \"layout\": \"4\"}]", NULL, &error));
  g_assert_error (error, CE_WALL_ERROR, CE_WALL_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_false (
      set (w, "[{\"index\": 0, \"layout\": \"1\", \"tiles\": [null, null]}]",
          NULL, &error));
  g_clear_error (&error);
  g_assert_false (set (w, "[{\"index\": 0, \"layout\": \"5\"}]", NULL, &error));
  g_clear_error (&error);
  g_assert_false (set (w,
      "[{\"index\": 0, \"layout\": \"1\"}, {\"index\": 0, \"layout\": \"1\"}]",
      NULL, &error));
  g_clear_error (&error);
  g_assert_false (
      set (w, "[{\"index\": 0, \"layout\": \"1\", \"x\": 1}]", NULL, &error));
  g_clear_error (&error);
}

static void
test_custom_and_tours (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CeWall) w = ce_wall_new ("w", NULL, 1, 1, &error);
  CeWallTile *t;

  g_assert_true (set (w,
      "[{\"index\": 0, \"layout\": \"custom\", \"grid\": 4, \"cells\":"
      " [[0, 0, 4, 2], [0, 2, 2, 2], [2, 2, 2, 2]]}]",
      NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (ce_wall_tile_profile (g_ptr_array_index (w->monitors, 0), 0),
      ==, CE_WALL_PROFILE_MAIN);
  g_assert_cmpint (ce_wall_tile_profile (g_ptr_array_index (w->monitors, 0), 1),
      ==, CE_WALL_PROFILE_SUB);
  /* Overlapping and out-of-grid cells. */
  g_assert_false (set (w,
      "[{\"index\": 0, \"layout\": \"custom\", \"grid\": 2, \"cells\":"
      " [[0, 0, 2, 2], [1, 1, 1, 1]]}]",
      NULL, &error));
  g_assert_nonnull (strstr (error->message, "overlaps"));
  g_clear_error (&error);
  g_assert_false (set (w,
      "[{\"index\": 0, \"layout\": \"custom\", \"grid\": 2, \"cells\":"
      " [[1, 0, 2, 1]]}]",
      NULL, &error));
  g_clear_error (&error);

  /* Tours: at least the minimum dwell, at least two cameras. */
  g_assert_false (set (w,
      "[{\"index\": 0, \"layout\": \"1\", \"tiles\": [{\"tour\": {\"cameras\":"
      " [\"" CAM1 "\", \"" CAM2 "\"], \"dwell_s\": 4}}]}]",
      NULL, &error));
  g_assert_nonnull (strstr (error->message, "at least 5 s"));
  g_clear_error (&error);
  g_assert_false (set (w,
      "[{\"index\": 0, \"layout\": \"1\", \"tiles\": [{\"tour\": {\"cameras\":"
      " [\"" CAM1 "\"], \"dwell_s\": 5}}]}]",
      NULL, &error));
  g_clear_error (&error);
  g_assert_true (set (w,
      "[{\"index\": 0, \"layout\": \"1\", \"tiles\": [{\"tour\": {\"cameras\":"
      " [\"" CAM1 "\", \"" CAM2 "\", \"" CAM3 "\"], \"dwell_s\": 5}}]}]",
      NULL, &error));
  g_assert_no_error (error);
  t = ce_wall_get_tile (w, 0, 0);
  g_assert_cmpstr (t->camera_id, ==, CAM1);
  {
    g_autoptr (GHashTable) want = ce_wall_wanted_streams (w, TRUE);

    /* The current camera and the next one are wanted warm. */
    g_assert_cmpuint (g_hash_table_size (want), ==, 2);
    g_assert_true (g_hash_table_contains (want, CAM2 "/main"));
  }
  g_assert_true (ce_wall_tour_advance (t));
  g_assert_true (ce_wall_tour_advance (t));
  g_assert_cmpstr (t->camera_id, ==, CAM3);
  g_assert_true (ce_wall_tour_advance (t));
  g_assert_cmpstr (t->camera_id, ==, CAM1);
}

static void
test_locks (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CeWall) w = ce_wall_new ("w", NULL, 2, 2, &error);
  const guint region[] = {0, 1};
  const guint other[] = {1, 2};
  const CeWallLock *l;
  g_autofree char *id = NULL;
  gint64 now = 1000 * G_USEC_PER_SEC;

  l = ce_wall_lock (w, "op1", region, 2, 60, now, &error);
  g_assert_no_error (error);
  id = g_strdup (l->id);
  g_assert_null (ce_wall_lock (w, "op2", other, 2, 60, now, &error));
  g_assert_error (error, CE_WALL_ERROR, CE_WALL_ERROR_LOCKED);
  g_assert_nonnull (strstr (error->message, "op1"));
  g_clear_error (&error);
  g_assert_true (ce_wall_check_locks (w, ce_wall_monitor_bit (1), "op1", NULL));
  g_assert_false (
      ce_wall_check_locks (w, ce_wall_monitor_bit (1), "op2", NULL));
  g_assert_true (ce_wall_check_locks (w, ce_wall_monitor_bit (3), "op2", NULL));
  g_assert_false (ce_wall_unlock (w, id, "op2", FALSE, &error));
  g_assert_error (error, CE_WALL_ERROR, CE_WALL_ERROR_LOCKED);
  g_clear_error (&error);
  g_assert_false (ce_wall_unlock (w, "lk-none", "op1", FALSE, &error));
  g_assert_error (error, CE_WALL_ERROR, CE_WALL_ERROR_NOT_FOUND);
  g_clear_error (&error);
  /* Expiry frees the region. */
  g_assert_false (ce_wall_expire_locks (w, now + 59 * G_USEC_PER_SEC));
  g_assert_true (ce_wall_expire_locks (w, now + 60 * G_USEC_PER_SEC));
  g_assert_true (ce_wall_check_locks (w, ce_wall_monitor_bit (1), "op2", NULL));
  g_assert_nonnull (ce_wall_lock (w, "op2", other, 2, 60, now, &error));
  g_assert_true (
      ce_wall_unlock (w, ((CeWallLock *) g_ptr_array_index (w->locks, 0))->id,
          "admin", TRUE, &error));
  g_assert_cmpuint (w->locks->len, ==, 0);
}

static void
test_state_round_trip (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CeWall) w = ce_wall_new ("hall", "大厅", 1, 2, &error);
  g_autoptr (CeWall) back = NULL;
  g_autofree char *text = NULL;
  g_autofree char *again = NULL;
  const guint region[] = {1};

  g_assert_true (set (w,
      "[{\"index\": 1, \"layout\": \"4\", \"tiles\": [\"" CAM1 "\", null,"
      " {\"tour\": {\"cameras\": [\"" CAM2 "\", \"" CAM3 "\"], \"dwell_s\":"
      " 9}, \"tour_position\": 1}, {\"camera_id\": \"" CAM2 "\","
      " \"incident\": \"inc-1\", \"profile\": \"sub\"}]}]",
      NULL, &error));
  g_assert_no_error (error);
  g_assert_nonnull (ce_wall_lock (w, "op1", region, 1, 30, 5, &error));
  text = ce_wall_state_to_string (w);
  back = ce_wall_from_state ("hall", "大厅", 1, 2, 7, text, &error);
  g_assert_no_error (error);
  g_assert_cmpint (back->revision, ==, 7);
  again = ce_wall_state_to_string (back);
  g_assert_cmpstr (text, ==, again);
  g_assert_cmpstr (ce_wall_get_tile (back, 1, 2)->camera_id, ==, CAM3);
  g_assert_cmpstr (ce_wall_get_tile (back, 1, 3)->incident, ==, "inc-1");

  /* Text from the database passes the same guard as text from outside. */
  {
    g_autoptr (JsonNode) ok = ce_wall_json_parse (" [1, {\"a\": 2}] ", '[');

    g_assert_nonnull (ok);
    g_assert_cmpuint (json_array_get_length (json_node_get_array (ok)), ==, 2);
    g_assert_null (ce_wall_json_parse ("[1] [2]", '['));
    g_assert_null (ce_wall_json_parse ("[1] /* c */", '['));
    g_assert_null (ce_wall_json_parse ("{}", '['));
    g_assert_null (ce_wall_json_parse ("[1]", '{'));
    g_assert_null (ce_wall_json_parse ("[\"\\u16\"]", '['));
  }
  g_assert_null (ce_wall_from_state ("hall", NULL, 1, 2, 0, "[1]", &error));
  g_assert_error (error, CE_WALL_ERROR, CE_WALL_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_null (ce_wall_new ("bad name", NULL, 1, 1, &error));
  g_clear_error (&error);
  g_assert_null (ce_wall_new ("w", NULL, 0, 1, &error));
  g_clear_error (&error);
  g_assert_null (ce_wall_new ("w", NULL, 17, 1, &error));
  g_clear_error (&error);
}

static void
test_registry (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CeRegistry) r = ce_registry_open (":memory:", 0, &error);
  CeWallRecord rec = {(char *) "hall", (char *) "大厅", 2, 2, 0, (char *) "", 0,
      (char *) "root"};
  CePresetRecord p = {(char *) "hall", (char *) "flood", (char *) "防汛防台",
      (char *) "[]", 0, (char *) "root"};
  CeIncidentRecord inc = {0};
  g_autoptr (CeWallRecord) got = NULL;
  g_autoptr (GPtrArray) list = NULL;
  g_autoptr (CeIncidentRecord) ig = NULL;
  gint64 rev = -1;

  g_assert_no_error (error);
  g_assert_true (ce_registry_add_wall (r, &rec, &error));
  g_assert_false (ce_registry_add_wall (r, &rec, &error));
  g_assert_error (error, CE_REGISTRY_ERROR, CE_REGISTRY_ERROR_DUPLICATE);
  g_clear_error (&error);

  /* Revisions: a change against an old revision is refused with the
   * current one. */
  g_assert_true (
      ce_registry_update_wall (r, "hall", 0, "{}", "op1", &rev, &error));
  g_assert_cmpint (rev, ==, 1);
  g_assert_false (
      ce_registry_update_wall (r, "hall", 0, "{\"x\":1}", "op2", &rev, &error));
  g_assert_error (error, CE_REGISTRY_ERROR, CE_REGISTRY_ERROR_CONFLICT);
  g_assert_cmpint (rev, ==, 1);
  g_clear_error (&error);
  got = ce_registry_dup_wall (r, "hall", &error);
  g_assert_cmpstr (got->state, ==, "{}");
  g_assert_cmpstr (got->updated_by, ==, "op1");
  g_assert_false (
      ce_registry_update_wall (r, "none", 0, "{}", "op1", &rev, &error));
  g_assert_error (error, CE_REGISTRY_ERROR, CE_REGISTRY_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* Presets belong to a wall and go with it. */
  g_assert_true (ce_registry_put_preset (r, &p, &error));
  p.title = (char *) "防汛";
  g_assert_true (ce_registry_put_preset (r, &p, &error));
  list = ce_registry_list_presets (r, "hall", &error);
  g_assert_cmpuint (list->len, ==, 1);
  g_assert_cmpstr (((CePresetRecord *) list->pdata[0])->title, ==, "防汛");
  g_clear_pointer (&list, g_ptr_array_unref);
  p.wall = (char *) "none";
  g_assert_false (ce_registry_put_preset (r, &p, &error));
  g_assert_error (error, CE_REGISTRY_ERROR, CE_REGISTRY_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_true (ce_registry_remove_wall (r, "hall", &error));
  list = ce_registry_list_presets (r, "hall", &error);
  g_assert_cmpuint (list->len, ==, 0);
  g_clear_pointer (&list, g_ptr_array_unref);

  inc.id = (char *) "inc-a";
  inc.kind = (char *) "flood";
  inc.title = (char *) "积水";
  inc.lon = 121.4;
  inc.lat = 31.35;
  inc.radius_m = 300;
  inc.cameras = (char *) CAM1 "," CAM2;
  inc.opened_at = 100;
  inc.opened_by = (char *) "op1";
  g_assert_true (ce_registry_add_incident (r, &inc, &error));
  g_assert_no_error (error);
  list = ce_registry_list_incidents (r, TRUE, 0, &error);
  g_assert_cmpuint (list->len, ==, 1);
  g_clear_pointer (&list, g_ptr_array_unref);
  g_assert_true (ce_registry_close_incident (r, "inc-a", "op2", 200, &error));
  g_assert_false (ce_registry_close_incident (r, "inc-a", "op2", 200, &error));
  g_assert_error (error, CE_REGISTRY_ERROR, CE_REGISTRY_ERROR_CONFLICT);
  g_clear_error (&error);
  g_assert_false (ce_registry_close_incident (r, "inc-b", "op2", 200, &error));
  g_assert_error (error, CE_REGISTRY_ERROR, CE_REGISTRY_ERROR_NOT_FOUND);
  g_clear_error (&error);
  list = ce_registry_list_incidents (r, TRUE, 0, &error);
  g_assert_cmpuint (list->len, ==, 0);
  ig = ce_registry_dup_incident (r, "inc-a", &error);
  g_assert_cmpint (ig->closed_at, ==, 200);
  g_assert_cmpstr (ig->closed_by, ==, "op2");
  g_assert_cmpstr (ig->title, ==, "积水");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_test_add_func ("/wall/layouts", test_layouts);
  g_test_add_func ("/wall/tiles-and-profiles", test_tiles_and_profiles);
  g_test_add_func ("/wall/custom-and-tours", test_custom_and_tours);
  g_test_add_func ("/wall/locks", test_locks);
  g_test_add_func ("/wall/state-round-trip", test_state_round_trip);
  g_test_add_func ("/wall/registry", test_registry);
  return g_test_run ();
}
