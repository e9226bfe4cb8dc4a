/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 cityeye developers
 *
 * cityeye-sample-gen: writes a seeded, realistic inventory of Baoshan
 * cameras (CSV, GB/T 28181 Catalog XML or GeoJSON) for demos, tests and
 * benchmarks.  The same options always give the same bytes.
 */
#include <errno.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <glib.h>
#include <glib/gstdio.h>

#define PROGRAM "cityeye-sample-gen"

#define DEFAULT_COUNT 23000
#define DEFAULT_SEED G_GUINT64_CONSTANT (20261129)
#define DEFAULT_SIM_URL "rtsp://127.0.0.1:8555/cam/"
#define MAX_COUNT 2000000
#define MAX_SIM_URL_BYTES 400

/* Local metres per degree around 31.4° N.  Only used to place points a few
 * metres to a few kilometres apart, so a flat approximation is enough and
 * keeps the output free of libm rounding differences. */
#define M_PER_DEG_LAT 110900.0
#define M_PER_DEG_LON 95000.0 /* 111320 m × cos 31.4° */

/* The platform that "sends" the catalog, and the directory tree it has. */
#define PLATFORM_ID "31011300002000000001"
#define BUSINESS_GROUP_SOURCES "31011300002150000001"
#define BUSINESS_GROUP_TOWNS "31011300002150000002"

/* ---- Random numbers ------------------------------------------------------
 * xoshiro256** seeded through splitmix64: fast, and fixed here rather than
 * borrowed from GLib so the output never changes under a library upgrade.
 * Doubles are built from integer bits and normals from a sum of uniforms, so
 * nothing depends on libm. */

typedef struct
{
  guint64 s[4];
} Rng;

static guint64
splitmix64 (guint64 *x)
{
  guint64 z = (*x += G_GUINT64_CONSTANT (0x9e3779b97f4a7c15));

  z = (z ^ (z >> 30)) * G_GUINT64_CONSTANT (0xbf58476d1ce4e5b9);
  z = (z ^ (z >> 27)) * G_GUINT64_CONSTANT (0x94d049bb133111eb);
  return z ^ (z >> 31);
}

static void
rng_init (Rng *rng, guint64 seed)
{
  for (guint i = 0; i < G_N_ELEMENTS (rng->s); i++)
    rng->s[i] = splitmix64 (&seed);
}

static inline guint64
rotl64 (guint64 x, int k)
{
  return (x << k) | (x >> (64 - k));
}

static guint64
rng_next (Rng *rng)
{
  guint64 *s = rng->s;
  guint64 result = rotl64 (s[1] * 5, 7) * 9;
  guint64 t = s[1] << 17;

  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl64 (s[3], 45);
  return result;
}

/* Uniform in [0, n). */
static guint32
rng_below (Rng *rng, guint32 n)
{
  return (guint32) (((rng_next (rng) >> 32) * n) >> 32);
}

/* Uniform in [0, 1). */
static double
rng_double (Rng *rng)
{
  return (double) (rng_next (rng) >> 11) * (1.0 / 9007199254740992.0);
}

static double
rng_range (Rng *rng, double lo, double hi)
{
  return lo + (hi - lo) * rng_double (rng);
}

static gboolean
rng_chance (Rng *rng, double p)
{
  return rng_double (rng) < p;
}

/* Approximately standard normal (Irwin–Hall with four terms), bounded to
 * ±3.5, which keeps scattered points near what they scatter around. */
static double
rng_normal (Rng *rng)
{
  double sum = 0;

  for (int i = 0; i < 4; i++)
    sum += rng_double (rng);
  return (sum - 2.0) * 1.7320508075688772;
}

/* A distance in [lo, hi) to one side or the other.  Draws are made in
 * separate statements: C leaves the order of operands unspecified. */
static double
rng_side (Rng *rng, double lo, double hi)
{
  double d = rng_range (rng, lo, hi);

  return rng_chance (rng, 0.5) ? d : -d;
}

/* Index into @weights (which sum to anything > 0). */
static guint
rng_weighted (Rng *rng, const guint *weights, guint n)
{
  guint total = 0;
  guint pick;

  for (guint i = 0; i < n; i++)
    total += weights[i];
  pick = rng_below (rng, total);
  for (guint i = 0; i < n; i++) {
    if (pick < weights[i])
      return i;
    pick -= weights[i];
  }
  return n - 1;
}

static const char *
rng_pick (Rng *rng, const char *const *items, guint n)
{
  return items[rng_below (rng, n)];
}

#define RNG_PICK(rng, array) rng_pick ((rng), (array), G_N_ELEMENTS (array))

/* ---- Geography -----------------------------------------------------------
 * Road segments and places are approximations drawn from the reference
 * points in the domain brief (§2.2, WGS-84 equivalents) and general
 * knowledge of the district: good enough for clustering on a map, not
 * survey data. */

typedef struct
{
  double lat, lon;
} Point;

typedef struct
{
  const char *name;
  double lat1, lon1, lat2, lon2;
  gboolean major; /* 主干道 */
} Road;

typedef enum
{
  POI_PARK,
  POI_LAKE,
  POI_SCHOOL,
  POI_MARKET,
  POI_STATION,
  POI_PIER,
  POI_RAMP,
  POI_GOV,
  POI_HOSPITAL,
  POI_RIVERSIDE,
  N_POI_KINDS
} PoiKind;

typedef struct
{
  const char *name;
  PoiKind kind;
  double lat, lon;
  double radius_m;
  const char *addr_road; /* NULL: the town's first road */
  int addr_no;           /* 0: a stable made-up number */
} Poi;

typedef struct
{
  const char *name;       /* 顾村镇 */
  const char *short_name; /* 顾村, for the generic schools and markets */
  const char *civil_code; /* 9-digit 统计用区划代码 */
  int unit;               /* 基层接入单位 code (id digits 7–8) */
  guint weight;           /* share of cameras, percent */
  double lat, lon;        /* centre */
  const Road *roads;
  guint n_roads;
  const Poi *pois;
  guint n_pois;
} Town;

static const Road roads_youyi[] = {
    {"友谊路", 31.4045, 121.4700, 31.4090, 121.4960, TRUE},
    {"牡丹江路", 31.3960, 121.4830, 31.4180, 121.4875, TRUE},
    {"同济路", 31.3900, 121.4765, 31.4150, 121.4795, TRUE},
    {"宝杨路", 31.3975, 121.4600, 31.3990, 121.5030, TRUE},
    {"密山路", 31.4000, 121.4890, 31.4140, 121.4905, FALSE},
};
static const Poi pois_youyi[] = {
    {"宝山区政府", POI_GOV, 31.40719, 121.48522, 80, "密山路", 5},
    {"临江公园", POI_PARK, 31.4060, 121.5000, 150, "友谊路", 1},
    {"宝杨路码头", POI_PIER, 31.3990, 121.5020, 120, "宝杨路", 0},
    {"宝杨路地铁站", POI_STATION, 31.3972, 121.4750, 60, "同济路", 0},
};

static const Road roads_wusong[] = {
    {"同济路", 31.3650, 121.4870, 31.3900, 121.4790, TRUE},
    {"淞滨路", 31.3690, 121.4840, 31.3790, 121.5050, FALSE},
    {"水产路", 31.3790, 121.4700, 31.3815, 121.4960, TRUE},
    {"塘后路", 31.3880, 121.4960, 31.3970, 121.5080, FALSE},
    {"淞兴路", 31.3740, 121.4850, 31.3760, 121.5000, FALSE},
};
static const Poi pois_wusong[] = {
    {"吴淞炮台湾湿地森林公园", POI_PARK, 31.3930, 121.5050, 200, "塘后路", 206},
    {"吴淞口国际邮轮港", POI_PIER, 31.3990, 121.5060, 200, "宝杨路", 1},
};

static const Road roads_zhangmiao[] = {
    {"共和新路", 31.3250, 121.4420, 31.3500, 121.4440, TRUE},
    {"一二八纪念路", 31.3270, 121.4440, 31.3300, 121.4620, TRUE},
    {"长江西路", 31.3420, 121.4400, 31.3440, 121.4650, TRUE},
    {"呼兰路", 31.3300, 121.4520, 31.3480, 121.4530, FALSE},
    {"通河路", 31.3320, 121.4480, 31.3460, 121.4600, FALSE},
};
static const Poi pois_zhangmiao[] = {
    {"通河新村地铁站", POI_STATION, 31.3320, 121.4430, 60, "共和新路", 0},
    {"呼兰路地铁站", POI_STATION, 31.3440, 121.4420, 60, "共和新路", 0},
};

static const Road roads_luodian[] = {
    {"沪太路", 31.3750, 121.3700, 31.4250, 121.3300, TRUE},
    {"美丹路", 31.3950, 121.3300, 31.4050, 121.3550, FALSE},
    {"月罗公路", 31.4200, 121.3250, 31.4300, 121.3800, TRUE},
    {"罗溪路", 31.4050, 121.3300, 31.4180, 121.3420, FALSE},
};
static const Poi pois_luodian[] = {
    {"美兰湖", POI_LAKE, 31.3990, 121.3380, 250, "美丹路", 0},
    {"美兰湖地铁站", POI_STATION, 31.4030, 121.3440, 60, "沪太路", 0},
    {"罗店老街", POI_MARKET, 31.4130, 121.3420, 150, "罗溪路", 0},
    {"G1501绕城高速沪太路入口", POI_RAMP, 31.3900, 121.3520, 120, "沪太路", 0},
};

static const Road roads_dachang[] = {
    {"沪太路", 31.2920, 121.4085, 31.3250, 121.3985, TRUE},
    {"上大路", 31.3150, 121.3700, 31.3190, 121.4250, TRUE},
    {"场中路", 31.3055, 121.3800, 31.3080, 121.4400, TRUE},
    {"南陈路", 31.3020, 121.3900, 31.3250, 121.3880, FALSE},
    {"环镇北路", 31.3000, 121.3950, 31.3010, 121.4250, FALSE},
};
static const Poi pois_dachang[] = {
    {"上海大学宝山校区", POI_SCHOOL, 31.3180, 121.3910, 300, "上大路", 99},
    {"上大路地铁站", POI_STATION, 31.3171, 121.3993, 60, "沪太路", 0},
    {"场中路地铁站", POI_STATION, 31.3068, 121.4037, 60, "场中路", 0},
    {"大场镇地铁站", POI_STATION, 31.2968, 121.4067, 60, "沪太路", 0},
};

static const Road roads_yanghang[] = {
    {"富锦路", 31.3940, 121.3800, 31.3945, 121.4200, TRUE},
    {"宝杨路", 31.3945, 121.4200, 31.3975, 121.4750, TRUE},
    {"蕰川路", 31.3620, 121.4285, 31.4110, 121.4190, TRUE},
    {"水产路", 31.3780, 121.3900, 31.3800, 121.4600, TRUE},
    {"江杨北路", 31.3600, 121.4400, 31.4115, 121.4306, TRUE},
};
static const Poi pois_yanghang[] = {
    {"富锦路地铁站", POI_STATION, 31.3940, 121.4200, 60, "蕰川路", 0},
};

static const Road roads_yuepu[] = {
    {"月罗公路", 31.4280, 121.3800, 31.4350, 121.4400, TRUE},
    {"蕰川公路", 31.4120, 121.4185, 31.4650, 121.4060, TRUE},
    {"龙镇路", 31.4280, 121.4100, 31.4330, 121.4300, FALSE},
    {"江杨北路", 31.4120, 121.4310, 31.4500, 121.4400, TRUE},
};
static const Poi pois_yuepu[] = {
    {"江杨北路地铁站", POI_STATION, 31.4115, 121.4306, 60, "江杨北路", 0},
    {"石洞口码头", POI_PIER, 31.4668, 121.4002, 200, "蕰川公路", 0},
    {"月浦公园", POI_PARK, 31.4330, 121.4200, 150, "龙镇路", 0},
};

static const Road roads_luojing[] = {
    {"陈川路", 31.4550, 121.3300, 31.4850, 121.3700, TRUE},
    {"潘泾路", 31.4300, 121.3550, 31.4900, 121.3600, TRUE},
};
static const Poi pois_luojing[] = {
    {"罗泾滨江", POI_RIVERSIDE, 31.4950, 121.3850, 400, "陈川路", 0},
};

static const Road roads_gucun[] = {
    {"沪太路", 31.3250, 121.3985, 31.3750, 121.3700, TRUE},
    {"菊太路", 31.3600, 121.3450, 31.3620, 121.3850, FALSE},
    {"陆翔路", 31.3482, 121.3634, 31.3980, 121.3600, TRUE},
    {"镜泊湖路", 31.3475, 121.3450, 31.3500, 121.3880, FALSE},
    {"祁连山路", 31.3150, 121.3650, 31.3482, 121.3634, TRUE},
    {"联谊路", 31.3550, 121.3700, 31.3580, 121.3950, FALSE},
};
static const Poi pois_gucun[] = {
    {"顾村公园", POI_PARK, 31.3492, 121.3798, 350, "沪太路", 4788},
    {"顾村公园地铁站", POI_STATION, 31.3482, 121.3634, 60, "镜泊湖路", 0},
    {"S20外环高速沪太路入口", POI_RAMP, 31.3300, 121.3950, 120, "沪太路", 0},
};

static const Road roads_gaojing[] = {
    {"逸仙路", 31.3050, 121.4770, 31.3300, 121.4780, TRUE},
    {"殷高西路", 31.3235, 121.4440, 31.3270, 121.4960, TRUE},
    {"江杨南路", 31.3100, 121.4500, 31.3350, 121.4480, TRUE},
    {"国权北路", 31.3050, 121.4910, 31.3300, 121.4900, FALSE},
};
static const Poi pois_gaojing[] = {
    {"殷高西路地铁站", POI_STATION, 31.3255, 121.4745, 60, "逸仙路", 0},
};

static const Road roads_miaohang[] = {
    {"长江西路", 31.3415, 121.4150, 31.3420, 121.4400, TRUE},
    {"蕰川路", 31.3300, 121.4330, 31.3620, 121.4285, TRUE},
    {"泰和西路", 31.3560, 121.4100, 31.3580, 121.4450, TRUE},
    {"纪蕰路", 31.3250, 121.4200, 31.3550, 121.4180, FALSE},
};
static const Poi pois_miaohang[] = {
    {"共富新村地铁站", POI_STATION, 31.3569, 121.4294, 60, "蕰川路", 0},
};

static const Road roads_songnan[] = {
    {"长江南路", 31.3330, 121.4700, 31.3360, 121.5100, TRUE},
    {"逸仙路", 31.3300, 121.4780, 31.3600, 121.4830, TRUE},
    {"淞发路", 31.3400, 121.4780, 31.3500, 121.5050, FALSE},
    {"淞南路", 31.3320, 121.4950, 31.3550, 121.4970, FALSE},
};
static const Poi pois_songnan[] = {
    {"长江南路地铁站", POI_STATION, 31.3340, 121.4870, 60, "长江南路", 0},
};

#define TOWN_PLACES(x) \
  roads_##x, G_N_ELEMENTS (roads_##x), pois_##x, G_N_ELEMENTS (pois_##x)

/* The 3 街道 and 9 镇 of 宝山区 (domain brief §2.1).  Centres are the WGS-84
 * equivalents from §2.2 or its estimates.  The codes of 罗泾镇 (310113106)
 * and 淞南镇 (310113113) are unverified guesses that follow the pattern of
 * the others.  Weights mix area and population and add up to 100. */
static const Town towns[] = {
    {"友谊路街道", "友谊", "310113003", 1, 8, 31.40719, 121.48522,
        TOWN_PLACES (youyi)},
    {"吴淞街道", "吴淞", "310113007", 2, 6, 31.37695, 121.49554,
        TOWN_PLACES (wusong)},
    {"张庙街道", "张庙", "310113008", 3, 6, 31.33700, 121.44700,
        TOWN_PLACES (zhangmiao)},
    {"罗店镇", "罗店", "310113101", 4, 11, 31.41000, 121.34000,
        TOWN_PLACES (luodian)},
    {"大场镇", "大场", "310113102", 5, 13, 31.30680, 121.40367,
        TOWN_PLACES (dachang)},
    {"杨行镇", "杨行", "310113103", 6, 10, 31.38800, 121.41500,
        TOWN_PLACES (yanghang)},
    {"月浦镇", "月浦", "310113104", 7, 9, 31.43000, 121.42000,
        TOWN_PLACES (yuepu)},
    {"罗泾镇", "罗泾", "310113106", 8, 6, 31.47000, 121.35000,
        TOWN_PLACES (luojing)},
    {"顾村镇", "顾村", "310113109", 9, 13, 31.34921, 121.37983,
        TOWN_PLACES (gucun)},
    {"高境镇", "高境", "310113111", 10, 6, 31.32300, 121.46800,
        TOWN_PLACES (gaojing)},
    {"庙行镇", "庙行", "310113112", 11, 6, 31.34000, 121.43000,
        TOWN_PLACES (miaohang)},
    {"淞南镇", "淞南", "310113113", 12, 6, 31.34000, 121.49000,
        TOWN_PLACES (songnan)},
};

#define N_TOWNS G_N_ELEMENTS (towns)

/* Places every town has, placed at a fixed offset from its centre. */
static const struct
{
  const char *suffix;
  gboolean full_name; /* prefix with 顾村镇 rather than 顾村 */
  PoiKind kind;
  double north_m, east_m;
  double radius_m;
} generic_pois[] = {
    {"菜市场", FALSE, POI_MARKET, 350, -250, 60},
    {"中学", FALSE, POI_SCHOOL, -600, 450, 120},
    {"社区卫生服务中心", TRUE, POI_HOSPITAL, 150, 700, 60},
};

static const struct
{
  const char *tag;
  const char *parts[7];
} poi_kinds[N_POI_KINDS] = {
    [POI_PARK] = {"公园",
        {"南门", "北门", "东门", "西门", "停车场", "主园路", "广场"}},
    [POI_LAKE] = {"公园", {"东岸", "西岸", "南岸", "北岸", "环湖步道"}},
    [POI_SCHOOL] = {"学校", {"南门", "北门", "东门", "西门", "校门口"}},
    [POI_MARKET] = {"商圈", {"入口", "东侧", "西侧", "门口", "停车场"}},
    [POI_STATION] = {"地铁站",
        {"1号口", "2号口", "3号口", "4号口", "站厅", "公交枢纽"}},
    [POI_PIER] = {"码头", {"候船厅", "入口", "停车场", "售票处"}},
    [POI_RAMP] = {"高速入口", {"", "北侧", "南侧", "匝道口"}},
    [POI_GOV] = {"政府机关", {"北门", "南门", "广场", "停车场"}},
    [POI_HOSPITAL] = {"医院", {"门诊入口", "急诊入口", "停车场"}},
    [POI_RIVERSIDE] = {"滨江", {"1号段", "2号段", "3号段", "堤防"}},
};

/* The area the Shanghai-wide benchmark spreads points over. */
#define SH_LAT_MIN 30.90
#define SH_LAT_MAX 31.50
#define SH_LON_MIN 121.10
#define SH_LON_MAX 121.90
#define SH_HUBS 40

/* District bounding box (domain brief §2.2), kept a little inside. */
#define BS_LAT_MIN 31.2605
#define BS_LAT_MAX 31.5195
#define BS_LON_MIN 121.2705
#define BS_LON_MAX 121.5295

static Point
point_offset (Point p, double north_m, double east_m)
{
  Point q = {p.lat + north_m / M_PER_DEG_LAT, p.lon + east_m / M_PER_DEG_LON};

  return q;
}

/* @c moved by normal offsets of @sigma_m metres north and east. */
static Point
point_scatter (Rng *rng, Point c, double sigma_m)
{
  double north = rng_normal (rng) * sigma_m;
  double east = rng_normal (rng) * sigma_m;

  return point_offset (c, north, east);
}

static Point
road_point (const Road *road, double t)
{
  Point p = {road->lat1 + t * (road->lat2 - road->lat1),
      road->lon1 + t * (road->lon2 - road->lon1)};

  return p;
}

/* A point @side_m metres to the left (positive) or right of @road at @t. */
static Point
road_point_aside (const Road *road, double t, double side_m)
{
  double dn = (road->lat2 - road->lat1) * M_PER_DEG_LAT;
  double de = (road->lon2 - road->lon1) * M_PER_DEG_LON;
  double len = sqrt (dn * dn + de * de);

  return point_offset (road_point (road, t), side_m * de / len,
      -side_m * dn / len);
}

typedef struct
{
  const Road *a, *b;
  Point at;
} Crossing;

/* Where two roads of a town meet, if they do (allowing a little overshoot
 * for approximate segment ends). */
static gboolean
roads_cross (const Road *a, const Road *b, Point *out)
{
  double rx = (a->lon2 - a->lon1) * M_PER_DEG_LON;
  double ry = (a->lat2 - a->lat1) * M_PER_DEG_LAT;
  double sx = (b->lon2 - b->lon1) * M_PER_DEG_LON;
  double sy = (b->lat2 - b->lat1) * M_PER_DEG_LAT;
  double dx = (b->lon1 - a->lon1) * M_PER_DEG_LON;
  double dy = (b->lat1 - a->lat1) * M_PER_DEG_LAT;
  double cross = rx * sy - ry * sx;
  double lr = sqrt (rx * rx + ry * ry), ls = sqrt (sx * sx + sy * sy);
  double t, u;

  /* Nearly parallel roads do not make a junction. */
  if (fabs (cross) < 0.3 * lr * ls)
    return FALSE;
  t = (dx * sy - dy * sx) / cross;
  u = (dx * ry - dy * rx) / cross;
  if (t < -0.08 || t > 1.08 || u < -0.08 || u > 1.08)
    return FALSE;
  *out = road_point (a, t);
  return TRUE;
}

/* ---- Cameras ------------------------------------------------------------- */

typedef enum
{
  SRC_PUBLIC_SECURITY,
  SRC_XUELIANG,
  SRC_SOCIAL,
  SRC_MOBILE,
  N_SOURCES
} Source;

static const struct
{
  const char *key;
  const char *label;
  guint weight; /* percent */
  const char *group_id;
} sources[N_SOURCES] = {
    {"public_security", "公安视频", 35, "31011300002160000001"},
    {"xueliang", "雪亮工程", 40, "31011300002160000002"},
    {"social", "社会面资源", 23, "31011300002160000003"},
    {"mobile", "单兵移动", 2, "31011300002160000004"},
};

typedef enum
{
  PLACE_CROSSING,
  PLACE_ROAD,
  PLACE_COMMUNITY,
  PLACE_SHOP,
  PLACE_POI,
  PLACE_MOBILE,
  N_PLACES
} Place;

/* PTZType 1 球机, 2 半球, 3 固定枪机, 4 遥控枪机, by kind of place. */
static const guint ptz_weights[N_PLACES][4] = {
    [PLACE_CROSSING] = {40, 10, 35, 15},
    [PLACE_ROAD] = {15, 5, 60, 20},
    [PLACE_COMMUNITY] = {10, 45, 45, 0},
    [PLACE_SHOP] = {5, 40, 55, 0},
    [PLACE_POI] = {25, 25, 45, 5},
    [PLACE_MOBILE] = {0, 0, 100, 0},
};

static const struct
{
  const char *name;
  guint weight;
  const char *models[5]; /* by PTZType 1–4, then a body camera */
} manufacturers[] = {
    {"Hikvision", 45,
        {"DS-2DE7432IW-A", "DS-2CD2345FWD-I", "DS-2CD3T46WD-I3",
            "DS-2CD7A26G0/P-IZS", "DS-MH2311"}},
    {"Dahua", 35,
        {"DH-SD6C3432XA-HNR", "DH-IPC-HDBW4433R-AS", "DH-IPC-HFW4433M-I1",
            "DH-IPC-HFW5442E-ZE", "DH-MPT210"}},
    {"Uniview", 20,
        {"IPC6622SR-X33-VF", "IPC322LR3-VSPF28", "IPC2124LR3-PF40",
            "IPC2325EBR5-DUPZ", "BC4303"}},
};

typedef struct
{
  char id[21];
  char name[256];
  Source source;
  const Town *town;
  char address[192];
  gint64 lat_e6, lon_e6; /* micro-degrees, WGS-84 */
  char rtsp_url[MAX_SIM_URL_BYTES + 32];
  char rtsp_url_sub[MAX_SIM_URL_BYTES + 48];
  char username[16];
  char password[16];
  int secrecy;
  int ptz_type;
  int azimuth; /* -1 when unknown */
  char tags[128];
  const char *manufacturer;
  const char *model;
  char owner[64];
} Camera;

typedef struct
{
  Rng rng;
  Rng pos_rng; /* Shanghai positions only: keeps other fields identical */
  gboolean shanghai;
  const char *sim_url;
  guint count;
  guint8 *source_of; /* per camera, a shuffled exact split */
  guint8 *town_of;
  GHashTable *serials;   /* 14-digit id prefix → last serial used */
  GHashTable *name_uses; /* junction and place names → times used */
  guint mobile_seq;
  Crossing crossings[N_TOWNS][16];
  guint n_crossings[N_TOWNS];
  Point hubs[SH_HUBS];
  double hub_sigma_m[SH_HUBS];
} Gen;

static void
tags_add (char *tags, gsize size, const char *tag)
{
  if (tag == NULL || *tag == '\0')
    return;
  if (*tags != '\0')
    g_strlcat (tags, ",", size);
  g_strlcat (tags, tag, size);
}

/* Splits @count in proportion to @weights, exactly (largest remainder),
 * then shuffles, so small samples still show every category. */
static guint8 *
split_shuffled (Rng *rng, guint count, const guint *weights, guint n)
{
  guint8 *out = g_new (guint8, MAX (count, 1));
  guint64 total = 0;
  guint64 rem[32];
  guint share[32];
  guint given = 0;
  guint k = 0;

  g_assert (n <= G_N_ELEMENTS (rem));
  for (guint i = 0; i < n; i++)
    total += weights[i];
  for (guint i = 0; i < n; i++) {
    guint64 q = (guint64) count * weights[i];

    share[i] = (guint) (q / total);
    rem[i] = q % total;
    given += share[i];
  }
  while (given < count) {
    guint best = 0;

    for (guint i = 1; i < n; i++)
      if (rem[i] > rem[best])
        best = i;
    share[best]++;
    rem[best] = 0;
    given++;
  }
  for (guint i = 0; i < n; i++)
    for (guint j = 0; j < share[i]; j++)
      out[k++] = (guint8) i;
  for (guint i = count; i > 1; i--) {
    guint j = rng_below (rng, i);
    guint8 tmp = out[i - 1];

    out[i - 1] = out[j];
    out[j] = tmp;
  }
  return out;
}

static void
gen_init (Gen *g, guint64 seed, guint count, int only_town, gboolean shanghai,
    const char *sim_url)
{
  guint source_weights[N_SOURCES];
  guint town_weights[N_TOWNS];

  memset (g, 0, sizeof *g);
  rng_init (&g->rng, seed);
  rng_init (&g->pos_rng, seed ^ G_GUINT64_CONSTANT (0x5348414e47484149));
  g->shanghai = shanghai;
  g->sim_url = sim_url;
  g->count = count;
  g->serials = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g->name_uses = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (guint i = 0; i < N_SOURCES; i++)
    source_weights[i] = sources[i].weight;
  for (guint i = 0; i < N_TOWNS; i++)
    town_weights[i] =
        only_town < 0 || (guint) only_town == i ? towns[i].weight : 0;
  g->source_of = split_shuffled (&g->rng, count, source_weights, N_SOURCES);
  g->town_of = split_shuffled (&g->rng, count, town_weights, N_TOWNS);

  for (guint i = 0; i < N_TOWNS; i++) {
    const Town *town = &towns[i];

    for (guint a = 0; a < town->n_roads; a++)
      for (guint b = a + 1; b < town->n_roads; b++) {
        Crossing *c = &g->crossings[i][g->n_crossings[i]];

        if (g->n_crossings[i] < G_N_ELEMENTS (g->crossings[i]) &&
            roads_cross (&town->roads[a], &town->roads[b], &c->at)) {
          c->a = &town->roads[a];
          c->b = &town->roads[b];
          g->n_crossings[i]++;
        }
      }
  }

  for (guint i = 0; i < SH_HUBS; i++) {
    g->hubs[i].lat = rng_range (&g->pos_rng, SH_LAT_MIN, SH_LAT_MAX);
    g->hubs[i].lon = rng_range (&g->pos_rng, SH_LON_MIN, SH_LON_MAX);
    g->hub_sigma_m[i] = rng_range (&g->pos_rng, 800, 4000);
  }
}

static void
gen_clear (Gen *g)
{
  g_clear_pointer (&g->serials, g_hash_table_unref);
  g_clear_pointer (&g->name_uses, g_hash_table_unref);
  g_clear_pointer (&g->source_of, g_free);
  g_clear_pointer (&g->town_of, g_free);
}

/* A 20-digit GB/T 28181 code (编码规则A): 310113, 基层接入单位, 行业, 类型,
 * 网络标识 and a 6-digit serial unique within that prefix. */
static gboolean
gen_id (Gen *g, Source source, const Town *town, char *out, GError **error)
{
  Rng *rng = &g->rng;
  int unit = town->unit;
  int industry = 0;
  int type = rng_chance (rng, 0.12) ? 131 : 132;
  int network = 0;
  char prefix[15];
  gpointer last;
  guint serial;

  switch (source) {
    case SRC_PUBLIC_SECURITY:
      /* A quarter belong to the 分局 itself rather than a town unit. */
      if (rng_chance (rng, 0.25))
        unit = 0;
      industry = 0; /* 社会治安路面接入 */
      network = 0;  /* 监控报警专网 */
      break;
    case SRC_XUELIANG:
      industry = 1; /* 社会治安社区接入 */
      network = 6;  /* 电子政务网 */
      break;
    case SRC_SOCIAL:
      /* Aggregation units for shops, estates and parks: 13–20. */
      if (rng_chance (rng, 0.30))
        unit = 13 + (int) rng_below (rng, 8);
      industry = rng_chance (rng, 0.60) ? 8 : 1; /* 城市管理 / 社区 */
      network = 8;                               /* 社会资源接入网 */
      break;
    case SRC_MOBILE:
    default:
      unit = 0;
      type = 138; /* 移动传输设备 */
      break;
  }

  g_snprintf (prefix, sizeof prefix, "310113%02d%02d%03d%d", unit, industry,
      type, network);
  if (g_hash_table_lookup_extended (g->serials, prefix, NULL, &last))
    serial = GPOINTER_TO_UINT (last) + 1;
  else
    serial = 1 + rng_below (rng, 300);
  /* Occasional gaps, as decommissioned cameras leave. */
  if (rng_chance (rng, 0.05))
    serial += 1 + rng_below (rng, 5);
  if (serial > 999999) {
    g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_FAILED,
        "Ran out of serial numbers under %s; use a smaller --count", prefix);
    return FALSE;
  }
  g_hash_table_insert (g->serials, g_strdup (prefix),
      GUINT_TO_POINTER (serial));
  g_snprintf (out, 21, "%s%06u", prefix, serial);
  return TRUE;
}

static void
poi_get (const Town *town, guint index, Poi *out)
{
  static char names[N_TOWNS][G_N_ELEMENTS (generic_pois)][64];
  guint ti = (guint) (town - towns);
  Point c = {town->lat, town->lon};
  Point p;
  guint gi;

  if (index < town->n_pois) {
    *out = town->pois[index];
    return;
  }
  gi = index - town->n_pois;
  if (names[ti][gi][0] == '\0')
    g_snprintf (names[ti][gi], sizeof names[ti][gi], "%s%s",
        generic_pois[gi].full_name ? town->name : town->short_name,
        generic_pois[gi].suffix);
  p = point_offset (c, generic_pois[gi].north_m, generic_pois[gi].east_m);
  out->name = names[ti][gi];
  out->kind = generic_pois[gi].kind;
  out->lat = p.lat;
  out->lon = p.lon;
  out->radius_m = generic_pois[gi].radius_m;
  out->addr_road = NULL;
  out->addr_no = 0;
}

/* A made-up but stable house number for a place without a known one. */
static guint
stable_number (const char *s)
{
  guint32 h = 2166136261u;

  for (; *s != '\0'; s++)
    h = (h ^ (guint8) *s) * 16777619u;
  return 10 + h % 1990;
}

static guint
road_number (Rng *rng, const Road *road)
{
  return 1 + rng_below (rng, road->major ? 2999 : 1199);
}

static const char *const corner_names[] = {"东北", "东南", "西北", "西南"};
static const int corner_north[] = {1, -1, 1, -1};
static const int corner_east[] = {1, 1, -1, -1};
/* A corner camera usually looks across the junction. */
static const int corner_view[] = {225, 315, 135, 45};

/* Fills name (without the 宝山区… prefix), address, tags and position of a
 * camera at @place.  Returns the preferred azimuth or -1. */
static int
place_camera (Gen *g, Camera *cam, Place *place, Point *pos)
{
  Rng *rng = &g->rng;
  const Town *town = cam->town;
  guint ti = (guint) (town - towns);
  gsize ns = sizeof cam->name, as = sizeof cam->address;
  int view = -1;

  /* Where the table knows few junctions, spread cameras along the roads
   * rather than piling them onto one corner. */
  if (*place == PLACE_CROSSING &&
      (g->n_crossings[ti] == 0 ||
          (g->n_crossings[ti] < 3 && rng_chance (rng, 0.5))))
    *place = PLACE_ROAD;

  switch (*place) {
    case PLACE_CROSSING: {
      const Crossing *c =
          &g->crossings[ti][rng_below (rng, g->n_crossings[ti])];
      gboolean swap = rng_chance (rng, 0.5);
      const Road *a = swap ? c->b : c->a;
      const Road *b = swap ? c->a : c->b;
      guint corner = rng_below (rng, 4);
      guint form = rng_below (rng, 10);
      double d = rng_range (rng, 12, 35);

      if (form < 5) {
        g_snprintf (cam->name, ns, "%s%s口%s角", a->name, b->name,
            corner_names[corner]);
      } else if (form < 8) {
        g_snprintf (cam->name, ns, "%s与%s交叉口%s", a->name, b->name,
            corner_names[corner]);
      } else {
        g_snprintf (cam->name, ns, "%s%s口", a->name, b->name);
        d = rng_range (rng, 0, 8);
      }
      *pos = point_offset (c->at, corner_north[corner] * d,
          corner_east[corner] * d);
      view = (corner_view[corner] + 335 + (int) rng_below (rng, 51)) % 360;
      g_snprintf (cam->address, as, "上海市宝山区%s近%s", a->name, b->name);
      tags_add (cam->tags, sizeof cam->tags, "路口");
      if (a->major || b->major)
        tags_add (cam->tags, sizeof cam->tags, "主干道");
      break;
    }
    case PLACE_ROAD: {
      static const char *const sides[] = {"", "", "东侧", "西侧", "南侧",
          "北侧", "对面"};
      const Road *r = &town->roads[rng_below (rng, town->n_roads)];
      guint no = road_number (rng, r);
      double side = rng_side (rng, 6, 30);

      *pos = road_point_aside (r, rng_double (rng), side);
      g_snprintf (cam->name, ns, "%s%u号%s", r->name, no,
          RNG_PICK (rng, sides));
      g_snprintf (cam->address, as, "上海市宝山区%s%u号", r->name, no);
      tags_add (cam->tags, sizeof cam->tags, r->major ? "主干道" : "道路");
      break;
    }
    case PLACE_COMMUNITY: {
      static const char *const sides[] = {"东侧", "西侧", "门口", "北侧"};
      static const char *const gates[] = {"东门", "南门", "西门", "北门"};
      static const char *const spots[] = {"地下车库入口", "非机动车棚",
          "垃圾厢房", "健身苑", "南门岗亭"};
      const Road *r = &town->roads[rng_below (rng, town->n_roads)];
      guint lane = 1 + rng_below (rng, 1500);
      guint form = rng_below (rng, 10);
      double side = rng_side (rng, 60, 250);

      *pos = road_point_aside (r, rng_double (rng), side);
      if (form < 5) {
        guint building = 1 + rng_below (rng, 60);

        g_snprintf (cam->name, ns, "%s%u弄%u号楼%s", r->name, lane, building,
            RNG_PICK (rng, sides));
        g_snprintf (cam->address, as, "上海市宝山区%s%u弄%u号", r->name, lane,
            building);
      } else {
        if (form < 8)
          g_snprintf (cam->name, ns, "%s%u弄小区%s", r->name, lane,
              RNG_PICK (rng, gates));
        else
          g_snprintf (cam->name, ns, "%s%u弄%s", r->name, lane,
              RNG_PICK (rng, spots));
        g_snprintf (cam->address, as, "上海市宝山区%s%u弄", r->name, lane);
      }
      tags_add (cam->tags, sizeof cam->tags, "小区");
      break;
    }
    case PLACE_SHOP: {
      static const char *const shops[] = {"便利店", "超市", "药店", "银行网点",
          "加油站", "停车场出入口", "商场", "餐饮店", "快递驿站"};
      const Road *r = &town->roads[rng_below (rng, town->n_roads)];
      guint no = road_number (rng, r);
      double side = rng_side (rng, 10, 40);

      *pos = road_point_aside (r, rng_double (rng), side);
      g_snprintf (cam->name, ns, "%s%u号%s门口", r->name, no,
          RNG_PICK (rng, shops));
      g_snprintf (cam->address, as, "上海市宝山区%s%u号", r->name, no);
      tags_add (cam->tags, sizeof cam->tags, "商圈");
      break;
    }
    case PLACE_POI: {
      guint n = town->n_pois + G_N_ELEMENTS (generic_pois);
      Poi poi;
      const char *const *parts;
      guint n_parts = 0;
      Point c;

      poi_get (town, rng_below (rng, n), &poi);
      parts = poi_kinds[poi.kind].parts;
      while (n_parts < G_N_ELEMENTS (poi_kinds[poi.kind].parts) &&
          parts[n_parts] != NULL)
        n_parts++;
      c.lat = poi.lat;
      c.lon = poi.lon;
      *pos = point_scatter (rng, c, poi.radius_m / 2);
      g_snprintf (cam->name, ns, "%s%s", poi.name,
          rng_pick (rng, parts, n_parts));
      g_snprintf (cam->address, as, "上海市宝山区%s%u号",
          poi.addr_road != NULL ? poi.addr_road : town->roads[0].name,
          poi.addr_no > 0 ? (guint) poi.addr_no : stable_number (poi.name));
      tags_add (cam->tags, sizeof cam->tags, poi_kinds[poi.kind].tag);
      if (poi.kind == POI_RIVERSIDE || poi.kind == POI_PIER)
        tags_add (cam->tags, sizeof cam->tags, "防汛");
      break;
    }
    case PLACE_MOBILE:
    case N_PLACES:
    default: {
      Point c = {town->lat, town->lon};

      *pos = point_scatter (rng, c, 900);
      g_snprintf (cam->name, ns, "单兵执法记录仪-%03u", ++g->mobile_seq);
      g_snprintf (cam->address, as, "上海市宝山区%s", town->name);
      tags_add (cam->tags, sizeof cam->tags, "单兵");
      break;
    }
  }
  return view;
}

static Place
choose_place (Rng *rng, Source source)
{
  double x = rng_double (rng);

  switch (source) {
    case SRC_PUBLIC_SECURITY:
      return x < 0.60 ? PLACE_CROSSING : x < 0.85 ? PLACE_ROAD : PLACE_POI;
    case SRC_XUELIANG:
      return x < 0.65 ? PLACE_COMMUNITY : x < 0.85 ? PLACE_POI : PLACE_CROSSING;
    case SRC_SOCIAL:
      return x < 0.50 ? PLACE_SHOP : x < 0.85 ? PLACE_POI : PLACE_CROSSING;
    case SRC_MOBILE:
    case N_SOURCES:
    default:
      return PLACE_MOBILE;
  }
}

static gint64
to_e6 (double deg)
{
  return (gint64) floor (deg * 1e6 + 0.5);
}

/* Generates camera number @index.  The same draws happen whatever the
 * format, --with-credentials and --sim-url, so every format describes the
 * same cameras; --area shanghai draws positions from a stream of its own. */
static gboolean
gen_camera (Gen *g, guint index, Camera *cam, GError **error)
{
  static const double secrecy_p[N_SOURCES] = {0.075, 0.005, 0.003, 0.0};
  static const char pw_chars[] =
      "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789";
  Rng *rng = &g->rng;
  guint mw[G_N_ELEMENTS (manufacturers)];
  guint m;
  Place place;
  Point pos;
  int view;
  char spot[256];

  memset (cam, 0, sizeof *cam);
  cam->source = (Source) g->source_of[index];
  cam->town = &towns[g->town_of[index]];

  if (!gen_id (g, cam->source, cam->town, cam->id, error))
    return FALSE;

  place = choose_place (rng, cam->source);
  view = place_camera (g, cam, &place, &pos);

  /* Police names always carry the district and town; others often do. */
  if (place != PLACE_MOBILE &&
      (place != PLACE_POI || cam->source == SRC_PUBLIC_SECURITY ||
          rng_chance (rng, 0.5))) {
    g_strlcpy (spot, cam->name, sizeof spot);
    if (g_str_has_prefix (spot, "宝山区")) /* 宝山区政府 names itself */
      g_strlcpy (cam->name, spot, sizeof cam->name);
    else if (g_str_has_prefix (spot, cam->town->name))
      g_snprintf (cam->name, sizeof cam->name, "宝山区%s", spot);
    else
      g_snprintf (cam->name, sizeof cam->name, "宝山区%s%s", cam->town->name,
          spot);
  }

  /* Junctions and places have many cameras: number the second and later
   * ones, as operators do, so names stay unique enough to search. */
  if (place == PLACE_CROSSING || place == PLACE_POI) {
    guint uses =
        GPOINTER_TO_UINT (g_hash_table_lookup (g->name_uses, cam->name)) + 1;

    g_hash_table_replace (g->name_uses, g_strdup (cam->name),
        GUINT_TO_POINTER (uses));
    if (uses > 1) {
      gsize len = strlen (cam->name);

      g_snprintf (cam->name + len, sizeof cam->name - len, "-%u", uses);
    }
  }

  cam->ptz_type = 1 + (int) rng_weighted (rng, ptz_weights[place], 4);
  if (place != PLACE_MOBILE && cam->ptz_type != 1 && rng_chance (rng, 0.9))
    cam->azimuth = view >= 0 && place == PLACE_CROSSING
        ? view
        : (int) rng_below (rng, 360);
  else
    cam->azimuth = -1;
  cam->secrecy = rng_chance (rng, secrecy_p[cam->source]) ? 1 : 0;

  for (guint i = 0; i < G_N_ELEMENTS (manufacturers); i++)
    mw[i] = manufacturers[i].weight;
  m = rng_weighted (rng, mw, G_N_ELEMENTS (mw));
  cam->manufacturer = manufacturers[m].name;
  cam->model =
      manufacturers[m].models[place == PLACE_MOBILE ? 4 : cam->ptz_type - 1];

  switch (cam->source) {
    case SRC_PUBLIC_SECURITY:
      g_strlcpy (cam->owner, "宝山公安分局", sizeof cam->owner);
      break;
    case SRC_XUELIANG:
      g_snprintf (cam->owner, sizeof cam->owner, "%s综治中心", cam->town->name);
      break;
    case SRC_SOCIAL:
      g_strlcpy (cam->owner, "社会面资源接入", sizeof cam->owner);
      break;
    case SRC_MOBILE:
    case N_SOURCES:
    default:
      g_strlcpy (cam->owner, "宝山区城管执法局", sizeof cam->owner);
      break;
  }

  g_snprintf (cam->rtsp_url, sizeof cam->rtsp_url, "%s%s", g->sim_url, cam->id);
  if (rng_chance (rng, 0.4))
    g_snprintf (cam->rtsp_url_sub, sizeof cam->rtsp_url_sub, "%s%s?profile=sub",
        g->sim_url, cam->id);

  g_strlcpy (cam->username, "admin", sizeof cam->username);
  for (int i = 0; i < 10; i++)
    cam->password[i] = pw_chars[rng_below (rng, sizeof pw_chars - 1)];

  if (g->shanghai) {
    Rng *pr = &g->pos_rng;

    if (rng_chance (pr, 0.4)) {
      pos.lat = rng_range (pr, SH_LAT_MIN, SH_LAT_MAX);
      pos.lon = rng_range (pr, SH_LON_MIN, SH_LON_MAX);
    } else {
      guint h = rng_below (pr, SH_HUBS);

      pos = point_scatter (pr, g->hubs[h], g->hub_sigma_m[h]);
    }
    pos.lat = CLAMP (pos.lat, SH_LAT_MIN, SH_LAT_MAX);
    pos.lon = CLAMP (pos.lon, SH_LON_MIN, SH_LON_MAX);
  } else {
    pos.lat = CLAMP (pos.lat, BS_LAT_MIN, BS_LAT_MAX);
    pos.lon = CLAMP (pos.lon, BS_LON_MIN, BS_LON_MAX);
  }
  cam->lat_e6 = to_e6 (pos.lat);
  cam->lon_e6 = to_e6 (pos.lon);
  return TRUE;
}

/* ---- Writers ------------------------------------------------------------- */

typedef enum
{
  FORMAT_CSV,
  FORMAT_CATALOG,
  FORMAT_GEOJSON,
} Format;

typedef struct
{
  FILE *out;
  Format format;
  gboolean with_credentials;
  guint items_per_doc;
  const char *xml_encoding;
  gboolean groups;
  guint sn;
  /* catalog state */
  guint total_items;
  guint written_items;
  guint in_doc;
  GString *buf;
} Writer;

static const char *const csv_columns[] = {"id", "name", "source", "street",
    "civil_code", "address", "lon", "lat", "rtsp_url", "rtsp_url_sub",
    "username", "password", "secrecy", "ptz_type", "azimuth", "tags", "status"};

static void
append_e6 (GString *s, gint64 v)
{
  if (v < 0) {
    g_string_append_c (s, '-');
    v = -v;
  }
  g_string_append_printf (s, "%" G_GINT64_FORMAT ".%06d", v / 1000000,
      (int) (v % 1000000));
}

/* RFC 4180: quote when the field holds a comma, quote or line break. */
static void
csv_field (GString *s, const char *v, gboolean last)
{
  if (v != NULL && strpbrk (v, ",\"\r\n") != NULL) {
    g_string_append_c (s, '"');
    for (const char *p = v; *p != '\0'; p++) {
      if (*p == '"')
        g_string_append_c (s, '"');
      g_string_append_c (s, *p);
    }
    g_string_append_c (s, '"');
  } else if (v != NULL) {
    g_string_append (s, v);
  }
  g_string_append_c (s, last ? '\n' : ',');
}

static void
xml_escaped (GString *s, const char *v)
{
  for (const char *p = v; *p != '\0'; p++) {
    switch (*p) {
      case '&':
        g_string_append (s, "&amp;");
        break;
      case '<':
        g_string_append (s, "&lt;");
        break;
      case '>':
        g_string_append (s, "&gt;");
        break;
      case '"':
        g_string_append (s, "&quot;");
        break;
      default:
        g_string_append_c (s, *p);
        break;
    }
  }
}

static void
xml_element (GString *s, const char *name, const char *v)
{
  g_string_append_printf (s, "<%s>", name);
  xml_escaped (s, v);
  g_string_append_printf (s, "</%s>", name);
}

static void
json_string (GString *s, const char *v)
{
  g_string_append_c (s, '"');
  for (const char *p = v; *p != '\0'; p++) {
    guchar c = (guchar) *p;

    if (c == '"' || c == '\\')
      g_string_append_printf (s, "\\%c", c);
    else if (c < 0x20)
      g_string_append_printf (s, "\\u%04x", c);
    else
      g_string_append_c (s, (char) c);
  }
  g_string_append_c (s, '"');
}

static void
json_member (GString *s, const char *key, const char *v)
{
  if (v == NULL || *v == '\0')
    return;
  g_string_append_c (s, ',');
  json_string (s, key);
  g_string_append_c (s, ':');
  json_string (s, v);
}

static gboolean
writer_flush (Writer *w, GError **error)
{
  if (w->buf->len > 0 &&
      fwrite (w->buf->str, 1, w->buf->len, w->out) != w->buf->len) {
    int saved = errno;

    g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
        "Failed to write: %s", g_strerror (saved));
    return FALSE;
  }
  g_string_truncate (w->buf, 0);
  return TRUE;
}

static void
write_header (Writer *w, guint count)
{
  GString *s = w->buf;

  switch (w->format) {
    case FORMAT_CSV:
      for (guint i = 0; i < G_N_ELEMENTS (csv_columns); i++)
        csv_field (s, csv_columns[i], i + 1 == G_N_ELEMENTS (csv_columns));
      break;
    case FORMAT_GEOJSON:
      g_string_append (s, "{\"type\":\"FeatureCollection\",\"features\":[");
      break;
    case FORMAT_CATALOG:
    default:
      /* 2 业务分组, one 虚拟组织 per source and one per town. */
      w->total_items = count + (w->groups ? 2 + N_SOURCES + N_TOWNS : 0);
      break;
  }
}

/* Starts or ends catalog documents around the next item. */
static void
catalog_open (Writer *w)
{
  GString *s = w->buf;
  guint num;

  if (w->in_doc > 0)
    return;
  num = MIN (w->items_per_doc, w->total_items - w->written_items);
  g_string_append_printf (s,
      "<?xml version=\"1.0\" encoding=\"%s\"?>\n"
      "<Response>\n"
      "<CmdType>Catalog</CmdType>\n"
      "<SN>%u</SN>\n"
      "<DeviceID>" PLATFORM_ID "</DeviceID>\n"
      "<SumNum>%u</SumNum>\n"
      "<DeviceList Num=\"%u\">\n",
      w->xml_encoding, w->sn, w->total_items, num);
}

static void
catalog_close (Writer *w)
{
  w->in_doc++;
  w->written_items++;
  if (w->in_doc == w->items_per_doc || w->written_items == w->total_items) {
    g_string_append (w->buf, "</DeviceList>\n</Response>\n");
    w->in_doc = 0;
  }
}

static void
catalog_group (Writer *w, const char *id, const char *name, const char *parent,
    const char *business_group)
{
  GString *s = w->buf;

  catalog_open (w);
  g_string_append (s, "<Item>");
  xml_element (s, "DeviceID", id);
  xml_element (s, "Name", name);
  xml_element (s, "Parental", "1");
  xml_element (s, "ParentID", parent);
  if (business_group != NULL)
    xml_element (s, "BusinessGroupID", business_group);
  g_string_append (s, "</Item>\n");
  catalog_close (w);
}

static void
write_groups (Writer *w)
{
  if (w->format != FORMAT_CATALOG || !w->groups)
    return;
  catalog_group (w, BUSINESS_GROUP_SOURCES, "宝山区城运中心", PLATFORM_ID,
      NULL);
  catalog_group (w, BUSINESS_GROUP_TOWNS, "宝山区街镇视频", PLATFORM_ID, NULL);
  for (guint i = 0; i < N_SOURCES; i++)
    catalog_group (w, sources[i].group_id, sources[i].label,
        BUSINESS_GROUP_SOURCES, BUSINESS_GROUP_SOURCES);
  for (guint i = 0; i < N_TOWNS; i++) {
    char id[21];

    g_snprintf (id, sizeof id, "3101130000216000%04u", 101 + i);
    catalog_group (w, id, towns[i].name, BUSINESS_GROUP_TOWNS,
        BUSINESS_GROUP_TOWNS);
  }
}

static void
write_csv (Writer *w, const Camera *c)
{
  GString *s = w->buf;
  char n[64];

  csv_field (s, c->id, FALSE);
  csv_field (s, c->name, FALSE);
  csv_field (s, sources[c->source].key, FALSE);
  csv_field (s, c->town->name, FALSE);
  csv_field (s, c->town->civil_code, FALSE);
  csv_field (s, c->address, FALSE);
  append_e6 (s, c->lon_e6);
  g_string_append_c (s, ',');
  append_e6 (s, c->lat_e6);
  g_string_append_c (s, ',');
  csv_field (s, c->rtsp_url, FALSE);
  csv_field (s, c->rtsp_url_sub, FALSE);
  csv_field (s, w->with_credentials ? c->username : NULL, FALSE);
  csv_field (s, w->with_credentials ? c->password : NULL, FALSE);
  g_snprintf (n, sizeof n, "%d", c->secrecy);
  csv_field (s, n, FALSE);
  g_snprintf (n, sizeof n, "%d", c->ptz_type);
  csv_field (s, n, FALSE);
  if (c->azimuth >= 0)
    g_snprintf (n, sizeof n, "%d", c->azimuth);
  else
    n[0] = '\0';
  csv_field (s, n, FALSE);
  csv_field (s, c->tags, FALSE);
  csv_field (s, NULL, TRUE); /* status: unknown until probed */
}

static void
write_catalog (Writer *w, const Camera *c)
{
  GString *s = w->buf;
  char n[64];

  catalog_open (w);
  g_string_append (s, "<Item>");
  xml_element (s, "DeviceID", c->id);
  xml_element (s, "Name", c->name);
  xml_element (s, "Manufacturer", c->manufacturer);
  xml_element (s, "Model", c->model);
  xml_element (s, "Owner", c->owner);
  xml_element (s, "CivilCode", c->town->civil_code);
  xml_element (s, "Address", c->address);
  xml_element (s, "Parental", "0");
  xml_element (s, "ParentID", PLATFORM_ID);
  xml_element (s, "SafetyWay", "0");
  xml_element (s, "RegisterWay", "1");
  xml_element (s, "Secrecy", c->secrecy ? "1" : "0");
  if (w->with_credentials)
    xml_element (s, "Password", c->password);
  xml_element (s, "Status", "ON");
  g_string_append (s, "<Longitude>");
  append_e6 (s, c->lon_e6);
  g_string_append (s, "</Longitude><Latitude>");
  append_e6 (s, c->lat_e6);
  g_string_append_printf (s, "</Latitude><Info><PTZType>%d</PTZType></Info>",
      c->ptz_type);
  /* cityeye extensions, after the standard elements. */
  xml_element (s, "Source", sources[c->source].key);
  xml_element (s, "Street", c->town->name);
  xml_element (s, "StreamURL", c->rtsp_url);
  if (c->rtsp_url_sub[0] != '\0')
    xml_element (s, "SubStreamURL", c->rtsp_url_sub);
  if (c->azimuth >= 0) {
    g_snprintf (n, sizeof n, "%d", c->azimuth);
    xml_element (s, "Azimuth", n);
  }
  xml_element (s, "Tags", c->tags);
  if (w->with_credentials)
    xml_element (s, "Username", c->username);
  g_string_append (s, "</Item>\n");
  catalog_close (w);
}

static void
write_geojson (Writer *w, const Camera *c, gboolean first)
{
  GString *s = w->buf;

  g_string_append (s, first ? "\n" : ",\n");
  g_string_append (s,
      "{\"type\":\"Feature\",\"geometry\":{\"type\":\"Point\","
      "\"coordinates\":[");
  append_e6 (s, c->lon_e6);
  g_string_append_c (s, ',');
  append_e6 (s, c->lat_e6);
  g_string_append (s, "]},\"properties\":{\"id\":");
  json_string (s, c->id);
  json_member (s, "name", c->name);
  json_member (s, "source", sources[c->source].key);
  json_member (s, "street", c->town->name);
  json_member (s, "civil_code", c->town->civil_code);
  json_member (s, "address", c->address);
  json_member (s, "rtsp_url", c->rtsp_url);
  json_member (s, "rtsp_url_sub", c->rtsp_url_sub);
  if (w->with_credentials) {
    json_member (s, "username", c->username);
    json_member (s, "password", c->password);
  }
  g_string_append_printf (s, ",\"secrecy\":%d,\"ptz_type\":%d", c->secrecy,
      c->ptz_type);
  if (c->azimuth >= 0)
    g_string_append_printf (s, ",\"azimuth\":%d", c->azimuth);
  json_member (s, "tags", c->tags);
  g_string_append (s, "}}");
}

static void
write_footer (Writer *w)
{
  if (w->format == FORMAT_GEOJSON)
    g_string_append (w->buf, "\n]}\n");
}

/* ---- Main ---------------------------------------------------------------- */

static int
find_town (const char *s)
{
  for (guint i = 0; i < N_TOWNS; i++)
    if (g_str_equal (s, towns[i].civil_code) || g_str_equal (s, towns[i].name))
      return (int) i;
  return -1;
}

static gboolean
valid_encoding_name (const char *s)
{
  if (*s == '\0')
    return FALSE;
  for (; *s != '\0'; s++)
    if (!g_ascii_isalnum (*s) && *s != '-' && *s != '_')
      return FALSE;
  return TRUE;
}

static gboolean
generate (Writer *w, Gen *g, GError **error)
{
  Camera cam;

  write_header (w, g->count);
  write_groups (w);
  for (guint i = 0; i < g->count; i++) {
    if (!gen_camera (g, i, &cam, error))
      return FALSE;
    switch (w->format) {
      case FORMAT_CSV:
        write_csv (w, &cam);
        break;
      case FORMAT_CATALOG:
        write_catalog (w, &cam);
        break;
      case FORMAT_GEOJSON:
      default:
        write_geojson (w, &cam, i == 0);
        break;
    }
    if (w->buf->len > 60000 && !writer_flush (w, error))
      return FALSE;
  }
  if (w->format == FORMAT_CATALOG && w->total_items == 0) {
    /* Still one (empty) document, as a device with no channels answers. */
    catalog_open (w);
    g_string_append (w->buf, "</DeviceList>\n</Response>\n");
  }
  write_footer (w);
  return writer_flush (w, error);
}

static int
usage_error (const char *message)
{
  g_printerr ("%s: %s\n", PROGRAM, message);
  g_printerr ("Try “%s --help” for more information.\n", PROGRAM);
  return 2;
}

int
main (int argc, char **argv)
{
  int count = DEFAULT_COUNT;
  g_autofree char *seed_str = NULL;
  g_autofree char *format_str = NULL;
  g_autofree char *sim_url = NULL;
  g_autofree char *area = NULL;
  g_autofree char *town_str = NULL;
  g_autofree char *output = NULL;
  g_autofree char *xml_encoding = NULL;
  gboolean with_credentials = FALSE;
  gboolean no_groups = FALSE;
  int items_per_doc = 100;
  const GOptionEntry entries[] = {
      {"count", 'n', 0, G_OPTION_ARG_INT, &count,
          "Number of cameras (default 23000)", "N"},
      {"seed", 's', 0, G_OPTION_ARG_STRING, &seed_str,
          "Random seed, 0 to 2^64-1 (default 20261129)", "N"},
      {"format", 'f', 0, G_OPTION_ARG_STRING, &format_str,
          "csv (default), catalog (GB/T 28181 XML) or geojson", "FORMAT"},
      {"sim-url", 0, 0, G_OPTION_ARG_FILENAME, &sim_url,
          "Stream URL prefix; the camera id is appended "
          "(default " DEFAULT_SIM_URL ")",
          "URL"},
      {"with-credentials", 0, 0, G_OPTION_ARG_NONE, &with_credentials,
          "Fill username and password (default: leave them empty)", NULL},
      {"area", 'a', 0, G_OPTION_ARG_STRING, &area,
          "baoshan (default) or shanghai (positions spread over the city)",
          "AREA"},
      {"town", 't', 0, G_OPTION_ARG_FILENAME, &town_str,
          "Put every camera in one town (9-digit code or name)", "TOWN"},
      {"items-per-document", 0, 0, G_OPTION_ARG_INT, &items_per_doc,
          "Catalog items per XML document, 1 to 1000 (default 100)", "N"},
      {"no-groups", 0, 0, G_OPTION_ARG_NONE, &no_groups,
          "Catalog: leave out the 业务分组/虚拟组织 items", NULL},
      {"xml-encoding", 0, 0, G_OPTION_ARG_STRING, &xml_encoding,
          "Catalog: encoding named in the XML declaration (default UTF-8); "
          "the bytes stay UTF-8, convert them with iconv",
          "NAME"},
      {"output", 'o', 0, G_OPTION_ARG_FILENAME, &output,
          "Write to FILE instead of standard output", "FILE"},
      G_OPTION_ENTRY_NULL,
  };
  g_autoptr (GOptionContext) context = NULL;
  g_autoptr (GError) error = NULL;
  guint64 seed = DEFAULT_SEED;
  Format format = FORMAT_CSV;
  int only_town = -1;
  Writer w = {0};
  Gen g;
  FILE *out;
  gboolean ok;

  /* Raw bytes for --town and --sim-url (FILENAME arguments), so Chinese
   * names work even under the C locale; the locale only affects --help. */
  setlocale (LC_ALL, "");
  context = g_option_context_new ("- write a sample Baoshan camera inventory");
  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_set_description (context,
      "Writes a seeded, realistic inventory of cameras in 宝山区 (12 街镇,\n"
      "公安/雪亮/社会面/单兵 sources, valid 20-digit GB/T 28181 ids, WGS-84\n"
      "positions along real roads).  The same options give the same bytes.\n"
      "\n"
      "Examples:\n"
      "  " PROGRAM " --output baoshan-23k.csv\n"
      "  " PROGRAM " --count 50 --format geojson -o baoshan-50.geojson\n"
      "  " PROGRAM " --count 50 --format catalog --items-per-document 20\n"
      "  " PROGRAM " --count 1000000 --area shanghai -o bench-1m.csv\n"
      "  " PROGRAM " --count 20 --town 310113109 --format catalog \\\n"
      "      --items-per-document 1 --no-groups --xml-encoding GB2312 \\\n"
      "      | iconv -f UTF-8 -t GB2312 > catalog-gb2312.xml\n");
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return usage_error (error->message);
  if (argc > 1)
    return usage_error ("Unexpected argument");

  if (count < 0 || count > MAX_COUNT)
    return usage_error ("--count must be between 0 and 2000000");
  if (seed_str != NULL &&
      !g_ascii_string_to_unsigned (seed_str, 10, 0, G_MAXUINT64, &seed, NULL))
    return usage_error ("--seed must be a whole number from 0 to 2^64-1");
  if (format_str == NULL || g_str_equal (format_str, "csv"))
    format = FORMAT_CSV;
  else if (g_str_equal (format_str, "catalog"))
    format = FORMAT_CATALOG;
  else if (g_str_equal (format_str, "geojson"))
    format = FORMAT_GEOJSON;
  else
    return usage_error ("--format must be csv, catalog or geojson");
  if (area != NULL && !g_str_equal (area, "baoshan") &&
      !g_str_equal (area, "shanghai"))
    return usage_error ("--area must be baoshan or shanghai");
  if (town_str != NULL && (only_town = find_town (town_str)) < 0)
    return usage_error ("--town: no such town in 宝山区");
  if (sim_url == NULL)
    sim_url = g_strdup (DEFAULT_SIM_URL);
  if (*sim_url == '\0' || strlen (sim_url) > MAX_SIM_URL_BYTES ||
      !g_utf8_validate (sim_url, -1, NULL))
    return usage_error ("--sim-url must be 1 to 400 bytes of UTF-8");
  if (items_per_doc < 1 || items_per_doc > 1000)
    return usage_error ("--items-per-document must be between 1 and 1000");
  if (xml_encoding == NULL)
    xml_encoding = g_strdup ("UTF-8");
  if (!valid_encoding_name (xml_encoding))
    return usage_error ("--xml-encoding must be a name like UTF-8 or GB2312");

  if (output != NULL && !g_str_equal (output, "-")) {
    out = g_fopen (output, "wb");
    if (out == NULL) {
      int saved = errno;

      g_printerr ("%s: Failed to open %s: %s\n", PROGRAM, output,
          g_strerror (saved));
      return 1;
    }
  } else {
    out = stdout;
  }
  setvbuf (out, NULL, _IOFBF, 1 << 20);

  gen_init (&g, seed, (guint) count, only_town,
      area != NULL && g_str_equal (area, "shanghai"), sim_url);
  w.out = out;
  w.format = format;
  w.with_credentials = with_credentials;
  w.items_per_doc = (guint) items_per_doc;
  w.xml_encoding = xml_encoding;
  w.groups = !no_groups;
  w.sn = (guint) (seed % 99999) + 1;
  w.buf = g_string_sized_new (65536);

  ok = generate (&w, &g, &error);
  g_string_free (w.buf, TRUE);
  gen_clear (&g);
  if (fflush (out) != 0 && ok) {
    int saved = errno;

    g_set_error (&error, G_FILE_ERROR, g_file_error_from_errno (saved),
        "Failed to write: %s", g_strerror (saved));
    ok = FALSE;
  }
  if (out != stdout && fclose (out) != 0 && ok) {
    int saved = errno;

    g_set_error (&error, G_FILE_ERROR, g_file_error_from_errno (saved),
        "Failed to close %s: %s", output, g_strerror (saved));
    ok = FALSE;
  }
  if (!ok) {
    g_printerr ("%s: %s\n", PROGRAM, error->message);
    return 1;
  }
  return 0;
}
