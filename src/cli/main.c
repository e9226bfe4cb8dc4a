/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * `cityeye`: the camera inventory and administration command line.
 */
#include "ce-config.h"
#include "ce-cli.h"

#include <locale.h>
#include <stdio.h>
#include <string.h>

static void
usage (FILE *out)
{
  fprintf (out,
      "Usage: cityeye COMMAND [OPTION…]\n"
      "\n"
      "The camera inventory and accounts of a cityeye gateway.\n"
      "\n"
      "Commands:\n"
      "  camera   import, export, list, search, near, show, add, set, rm,\n"
      "           probe, health\n"
      "  stats    Camera counts by source, street, status; online (在线率 "
      "over\n"
      "           time), offline (cameras down longest)\n"
      "  db       init, check, backup the registry database\n"
      "  user     add, list, rm: accounts (roles, sources, secrecy)\n"
      "  token    create, list, revoke: API tokens\n"
      "  audit    The viewing audit (--since 1d --csv)\n"
      "  wall     list, show, apply PRESET, tour: command-hall video walls\n"
      "  incident open, close, list: incidents with their nearest cameras\n"
      "  version  Print the version\n"
      "\n"
      "Examples:\n"
      "  cityeye db init --db registry.db\n"
      "  cityeye camera import cameras.csv --db registry.db\n"
      "  cityeye camera near 121.3845,31.3474 --radius 300 --source "
      "public_security -k 10\n"
      "  cityeye camera search 沪太路 --street 顾村镇\n"
      "  cityeye camera export --format kml > baoshan.kml\n"
      "  cityeye user add alice --role operator --sources 雪亮,社会面\n"
      "  cityeye token create --user alice --expires 30d\n"
      "  cityeye audit --since 1d --csv\n"
      "  cityeye camera probe --street 顾村镇\n"
      "  cityeye stats online --by street --since 7d\n"
      "  cityeye wall apply flood --wall hall\n"
      "  cityeye incident open --at 121.38,31.35 --radius 300 --wall hall\n"
      "\n"
      "The registry is --db PATH, else $CITYEYE_DB, else [registry] "
      "database\n"
      "in the configuration file, else " CE_LOCALSTATEDIR "/registry.db.\n"
      "Run “cityeye COMMAND --help” for a command's options.\n");
}

int
main (int argc, char **argv)
{
  setlocale (LC_ALL, "");

  if (argc < 2) {
    usage (stderr);
    return CE_EXIT_USAGE;
  }
  if (strcmp (argv[1], "--help") == 0 || strcmp (argv[1], "-h") == 0 ||
      strcmp (argv[1], "help") == 0) {
    usage (stdout);
    return CE_EXIT_OK;
  }
  if (strcmp (argv[1], "version") == 0 || strcmp (argv[1], "--version") == 0) {
    printf ("cityeye %s\n", CE_VERSION);
    return CE_EXIT_OK;
  }
  if (strcmp (argv[1], "camera") == 0)
    return ce_cli_camera (argc - 1, argv + 1);
  if (strcmp (argv[1], "stats") == 0)
    return ce_cli_stats (argc - 1, argv + 1);
  if (strcmp (argv[1], "db") == 0)
    return ce_cli_db (argc - 1, argv + 1);
  if (strcmp (argv[1], "user") == 0)
    return ce_cli_user (argc - 1, argv + 1);
  if (strcmp (argv[1], "token") == 0)
    return ce_cli_token (argc - 1, argv + 1);
  if (strcmp (argv[1], "audit") == 0)
    return ce_cli_audit (argc - 1, argv + 1);
  if (strcmp (argv[1], "wall") == 0)
    return ce_cli_wall (argc - 1, argv + 1);
  if (strcmp (argv[1], "incident") == 0)
    return ce_cli_incident (argc - 1, argv + 1);
  fprintf (stderr, "cityeye: unknown command “%s”\nTry “cityeye --help”.\n",
      argv[1]);
  return CE_EXIT_USAGE;
}
