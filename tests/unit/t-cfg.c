/*
 * t-cfg.c -- km_cfg_load() and the service and role names (lib/cfg.c).
 * Each case writes a small km.yaml into a private directory under /tmp,
 * loads it and checks the struct, or the exact error with its line and
 * column.  The directory is removed at the end.
 */
#include <sys/stat.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "km.h"
#include "tap.h"

#define EXAMPLE "config/km.yaml.example"

static char dir[] = "/tmp/t-cfg.XXXXXX";
static char files[256][PATH_MAX];
static size_t nfiles;

/* Writes text to dir/name (remembered for removal); returns the path. */
static const char *
put(const char *name, const char *text)
{
	static char path[PATH_MAX];
	FILE *fp;
	size_t i;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((fp = fopen(path, "w")) == NULL) {
		perror(path);
		exit(1);
	}
	fwrite(text, 1, strlen(text), fp);
	if (fclose(fp) == EOF) {
		perror(path);
		exit(1);
	}
	for (i = 0; i < nfiles; i++)
		if (strcmp(files[i], path) == 0)
			return path;
	if (nfiles < sizeof(files) / sizeof(files[0]))
		snprintf(files[nfiles++], sizeof(files[0]), "%s", path);
	return path;
}

/* Loads text as dir/name, which must fail with KM_EDATA and the message
 * "<path>:<want>" (the path is put before want unless want is NULL). */
static void
fails(const char *name, const char *text, const char *want,
    const char *what)
{
	struct km_cfg *cfg = (struct km_cfg *)1;
	struct km_err e;
	char msg[1024];
	const char *path;
	int rv;

	path = put(name, text);
	snprintf(msg, sizeof(msg), "%s:%s", path, want);
	memset(&e, 0, sizeof(e));
	rv = km_cfg_load(&cfg, path, &e);
	is(rv, -1, "%s: refused", what);
	ok(cfg == NULL, "%s: no config returned", what);
	is(e.eclass, KM_EDATA, "%s: KM_EDATA", what);
	is_str(e.msg, msg, "%s: message", what);
	if (rv == 0)
		km_cfg_free(cfg);
}

/* Loads text as dir/name, which must succeed. */
static struct km_cfg *
loads(const char *name, const char *text, const char *what)
{
	struct km_cfg *cfg = NULL;
	struct km_err e;
	int rv;

	memset(&e, 0, sizeof(e));
	rv = km_cfg_load(&cfg, put(name, text), &e);
	if (!ok(rv == 0 && cfg != NULL, "%s: loads", what))
		printf("#   %s\n", e.msg);
	return rv == 0 ? cfg : NULL;
}

static const char full[] =
	"# every key\n"
	"store:\n"
	"  path: /var/lib/km/km.db\n"
	"  busy_timeout: 2500\n"
	"roles:\n"
	"  clerk: [anna, \"@urzednicy\"]\n"
	"  helpdesk:\n"
	"    - piotr\n"
	"    - '@pomoc'\n"
	"  admin: root\n"
	"  cron: [km]\n"
	"  device: [\"@bramki\"]\n"
	"  auditor: [ewa, jan]\n"
	"cards:\n"
	"  iin: \"012345\"\n"
	"  validity_years: 10\n"
	"  temporary_days: 14\n"
	"  resident:\n"
	"    services: [identification, eticket]\n"
	"  entrepreneur:\n"
	"    services: identification esignature, payments\n"
	"keys:\n"
	"  hotlist_signer: /etc/km/hotlist.pem\n"
	"  hotlist_verify: /etc/km/hotlist.pub\n"
	"blacklist:\n"
	"  max_add: 0\n"
	"reader:\n"
	"  name: ACS ACR39U ICC Reader 00 00\n";

static void
test_full(void)
{
	struct km_cfg *cfg;
	const char *path;

	path = put("full.yaml", full);
	chmod(path, 0600);
	if ((cfg = loads("full.yaml", full, "full")) == NULL)
		return;
	is_str(cfg->path, path, "full: path kept");
	is_str(cfg->store.path, "/var/lib/km/km.db", "full: store.path");
	is(cfg->store.busy_timeout, 2500, "full: store.busy_timeout");
	ok(cfg->roles[0] != NULL && cfg->roles[0][2] == NULL,
	    "full: two clerks");
	if (cfg->roles[0] != NULL) {
		is_str(cfg->roles[0][0], "anna", "full: clerk 1");
		is_str(cfg->roles[0][1], "@urzednicy", "full: clerk 2 a group");
	}
	ok(cfg->roles[1] != NULL && cfg->roles[1][0] != NULL &&
	    strcmp(cfg->roles[1][0], "piotr") == 0 &&
	    cfg->roles[1][1] != NULL &&
	    strcmp(cfg->roles[1][1], "@pomoc") == 0 &&
	    cfg->roles[1][2] == NULL, "full: helpdesk block list");
	ok(cfg->roles[2] != NULL && cfg->roles[2][0] != NULL &&
	    strcmp(cfg->roles[2][0], "root") == 0 && cfg->roles[2][1] == NULL,
	    "full: admin as a scalar is a one-element list");
	ok(cfg->roles[3] != NULL && cfg->roles[3][0] != NULL &&
	    strcmp(cfg->roles[3][0], "km") == 0 && cfg->roles[3][1] == NULL,
	    "full: cron");
	ok(cfg->roles[4] != NULL && cfg->roles[4][0] != NULL &&
	    strcmp(cfg->roles[4][0], "@bramki") == 0 &&
	    cfg->roles[4][1] == NULL, "full: device");
	ok(cfg->roles[5] != NULL && cfg->roles[5][1] != NULL &&
	    strcmp(cfg->roles[5][1], "jan") == 0 && cfg->roles[5][2] == NULL,
	    "full: auditor");
	is_str(cfg->cards.iin, "012345", "full: cards.iin keeps its zero");
	is(cfg->cards.validity_years, 10, "full: cards.validity_years");
	is(cfg->cards.temporary_days, 14, "full: cards.temporary_days");
	is(cfg->cards.resident, KM_SVC_ID | KM_SVC_ETICKET,
	    "full: resident services from a list");
	is(cfg->cards.entrepreneur, KM_SVC_ID | KM_SVC_ESIGN | KM_SVC_PAYMENTS,
	    "full: entrepreneur services from a string");
	is_str(cfg->keys.hotlist_signer, "/etc/km/hotlist.pem",
	    "full: keys.hotlist_signer");
	is_str(cfg->keys.hotlist_verify, "/etc/km/hotlist.pub",
	    "full: keys.hotlist_verify");
	is(cfg->blacklist.max_add, 0, "full: blacklist.max_add 0");
	is_str(cfg->reader.name, "ACS ACR39U ICC Reader 00 00",
	    "full: reader.name, spaces and all, not taken as a path");
	km_cfg_free(cfg);
}

static void
test_defaults(void)
{
	struct km_cfg *cfg;
	size_t i;
	int none = 1;

	cfg = loads("min.yaml", "store:\n  path: /srv/km.db\n", "defaults");
	if (cfg == NULL)
		return;
	is(cfg->store.busy_timeout, 5000, "defaults: busy_timeout 5000");
	for (i = 0; i < KM_NROLES; i++)
		if (cfg->roles[i] != NULL)
			none = 0;
	ok(none, "defaults: no roles");
	is_str(cfg->cards.iin, "900100", "defaults: iin 900100");
	is(cfg->cards.validity_years, 5, "defaults: validity_years 5");
	is(cfg->cards.temporary_days, 30, "defaults: temporary_days 30");
	is(cfg->cards.resident,
	    KM_SVC_ID | KM_SVC_ETICKET | KM_SVC_PAYMENTS | KM_SVC_BENEFITS,
	    "defaults: resident services");
	is(cfg->cards.entrepreneur, KM_SVC_ID | KM_SVC_ESIGN | KM_SVC_PAYMENTS,
	    "defaults: entrepreneur services");
	ok(cfg->keys.hotlist_signer == NULL, "defaults: no hotlist signer");
	is(cfg->blacklist.max_add, 1000, "defaults: max_add 1000");
	ok(cfg->reader.name == NULL, "defaults: no reader named");
	km_cfg_free(cfg);

	/* Empty values keep their defaults. */
	cfg = loads("nulls.yaml",
	    "store:\n  path: /srv/km.db\n  busy_timeout:\n"
	    "roles:\n  clerk: ~\n"
	    "cards:\n  iin: null\n  resident:\n"
	    "keys:\n"
	    "blacklist: {max_add: }\n", "empty values");
	if (cfg == NULL)
		return;
	is(cfg->store.busy_timeout, 5000, "empty values: busy_timeout");
	ok(cfg->roles[0] == NULL, "empty values: clerk absent");
	is_str(cfg->cards.iin, "900100", "empty values: iin");
	is(cfg->cards.resident,
	    KM_SVC_ID | KM_SVC_ETICKET | KM_SVC_PAYMENTS | KM_SVC_BENEFITS,
	    "empty values: resident services");
	is(cfg->blacklist.max_add, 1000, "empty values: max_add");
	km_cfg_free(cfg);

	fails("nostore.yaml", "cards:\n  iin: '900100'\n",
	    " missing key 'store.path'", "no store.path");
	fails("nullpath.yaml", "store:\n  path:\n",
	    " missing key 'store.path'", "empty store.path");
	fails("emptypath.yaml", "store:\n  path: ''\n",
	    "2:9: 'store.path' must not be empty", "store.path ''");
}

static void
test_path(void)
{
	struct km_cfg *cfg = NULL;
	struct km_err e;
	const char *path;
	char want[PATH_MAX + 64];
	int rv;

	path = put("env.yaml", "store:\n  path: /srv/env.db\n");
	setenv("KM_CONFIG", path, 1);
	rv = km_cfg_load(&cfg, NULL, &e);
	is(rv, 0, "$KM_CONFIG: loads");
	if (rv == 0) {
		is_str(cfg->path, path, "$KM_CONFIG: names the file");
		is_str(cfg->store.path, "/srv/env.db", "$KM_CONFIG: its store");
		km_cfg_free(cfg);
	}

	/* An argument wins over $KM_CONFIG. */
	path = put("arg.yaml", "store:\n  path: /srv/arg.db\n");
	rv = km_cfg_load(&cfg, path, &e);
	ok(rv == 0 && strcmp(cfg->store.path, "/srv/arg.db") == 0,
	    "argument before $KM_CONFIG");
	if (rv == 0)
		km_cfg_free(cfg);

	/* An empty $KM_CONFIG is unset: /etc/km/km.yaml. */
	setenv("KM_CONFIG", "", 1);
	if (access("/etc/km/km.yaml", F_OK) == -1 && errno == ENOENT) {
		rv = km_cfg_load(&cfg, NULL, &e);
		is(rv, -1, "default path: missing");
		is_str(e.msg, "cannot read config '/etc/km/km.yaml': "
		    "No such file or directory", "default path: named");
	} else {
		ok(1, "# skip /etc/km/km.yaml exists");
		ok(1, "# skip /etc/km/km.yaml exists");
	}
	unsetenv("KM_CONFIG");

	snprintf(want, sizeof(want), "%s/nope.yaml", dir);
	cfg = (struct km_cfg *)1;
	rv = km_cfg_load(&cfg, want, &e);
	is(rv, -1, "missing file: refused");
	ok(cfg == NULL, "missing file: no config");
	is(e.eclass, KM_EDATA, "missing file: KM_EDATA");
	snprintf(want, sizeof(want), "cannot read config '%s/nope.yaml': "
	    "No such file or directory", dir);
	is_str(e.msg, want, "missing file: message");

	rv = km_cfg_load(&cfg, dir, &e);
	snprintf(want, sizeof(want), "cannot read config '%s': "
	    "Is a directory", dir);
	ok(rv == -1 && e.eclass == KM_EDATA, "directory: refused");
	is_str(e.msg, want, "directory: message");
}

static void
test_unknown(void)
{
	fails("top.yaml",
	    "store:\n  path: km.db\nreadr: ACS\n",
	    "3:1: unknown key 'readr'", "unknown top-level key");
	fails("reader.yaml",
	    "store:\n  path: km.db\nreader:\n  nmae: ACS\n",
	    "4:3: unknown key 'reader.nmae'", "unknown key under reader");
	fails("nested.yaml",
	    "store:\n  path: km.db\ncards:\n  iin: '900100'\n"
	    "  resident:\n    services: eticket\n    colour: blue\n",
	    "7:5: unknown key 'cards.resident.colour'", "unknown nested key");
	fails("role.yaml",
	    "store: {path: km.db}\nroles:\n  boss: [anna]\n",
	    "3:3: unknown key 'roles.boss'", "unknown role");
	fails("flow.yaml",
	    "store: {path: km.db, timeout: 5}\n",
	    "1:22: unknown key 'store.timeout'", "unknown key in a flow map");
	fails("ctl.yaml",
	    "store: {path: km.db}\n\"a\\tb\": 1\n",
	    "2:1: unknown key 'a?b'", "control character in a key");
	fails("mapkey.yaml",
	    "store: {path: km.db}\n? [a, b]\n: 1\n",
	    "2:3: a key must be a string", "a list as a key");
}

static void
test_types(void)
{
	char big[KM_READERSZ + 64];

	fails("t1.yaml", "store: km.db\n",
	    "1:8: 'store' must be a mapping", "section as a string");
	fails("rd1.yaml", "store: {path: km.db}\nreader:\n  name: [a, b]\n",
	    "3:9: 'reader.name' must be a string", "reader.name as a list");
	fails("rd2.yaml", "store: {path: km.db}\nreader:\n  name: ''\n",
	    "3:9: 'reader.name' must not be empty", "reader.name empty");
	fails("rd3.yaml", "store: {path: km.db}\nreader: ACS\n",
	    "2:9: 'reader' must be a mapping", "reader as a string");
	snprintf(big, sizeof(big), "store: {path: km.db}\nreader:\n  name: "
	    "%0*d\n", KM_READERSZ, 0);
	fails("rd4.yaml", big, "3:9: 'reader.name' must be at most 127 bytes "
	    "long", "reader.name too long");
	fails("t2.yaml", "store:\n  path: {a: b}\n",
	    "2:9: 'store.path' must be a string", "mapping for a string");
	fails("t3.yaml", "store:\n  path: [a]\n",
	    "2:9: 'store.path' must be a string", "list for a string");
	fails("t4.yaml", "store:\n  path: km.db\n  busy_timeout: soon\n",
	    "3:17: 'store.busy_timeout' must be an integer from 0 to 600000",
	    "word for an integer");
	fails("t5.yaml", "store:\n  path: km.db\n  busy_timeout: \"5000\"\n",
	    "3:17: 'store.busy_timeout' must be an integer from 0 to 600000",
	    "quoted integer");
	fails("t6.yaml", "store:\n  path: km.db\n  busy_timeout: 2.5\n",
	    "3:17: 'store.busy_timeout' must be an integer from 0 to 600000",
	    "fraction for an integer");
	fails("t7.yaml", "store:\n  path: km.db\n  busy_timeout: 0x10\n",
	    "3:17: 'store.busy_timeout' must be an integer from 0 to 600000",
	    "hexadecimal integer");
	fails("t8.yaml", "store: {path: km.db}\ncards:\n  iin: 90010\n",
	    "3:8: 'cards.iin' must be 6 digits", "iin too short");
	fails("t9.yaml", "store: {path: km.db}\ncards:\n  iin: 90010a\n",
	    "3:8: 'cards.iin' must be 6 digits", "iin not digits");
	fails("t10.yaml", "store: {path: km.db}\nroles:\n  clerk: {a: b}\n",
	    "3:10: 'roles.clerk' must be a list of user names and @groups",
	    "mapping for a role");
	fails("t11.yaml", "store: {path: km.db}\nroles:\n  clerk: [a, [b]]\n",
	    "3:14: 'roles.clerk' must be a list of user names and @groups",
	    "nested list in a role");
	fails("t12.yaml", "store: {path: km.db}\nroles:\n  clerk: ['@']\n",
	    "3:11: 'roles.clerk' must be a list of user names and @groups",
	    "bare @ in a role");
	fails("t13.yaml", "store: {path: km.db}\nkeys: [a]\n",
	    "2:7: 'keys' must be a mapping", "list for a section");
	fails("t14.yaml", "store:\n  path: \"a\\0b\"\n",
	    "2:9: 'store.path' must not contain a NUL byte", "NUL in a path");
	fails("t15.yaml", "store: {path: km.db}\nblacklist:\n  max_add: many\n",
	    "3:12: 'blacklist.max_add' must be an integer of at least 0",
	    "word for max_add");
}

static void
test_range(void)
{
	struct km_cfg *cfg;

	fails("r1.yaml", "store:\n  path: km.db\n  busy_timeout: 600001\n",
	    "3:17: 'store.busy_timeout' must be an integer from 0 to 600000",
	    "busy_timeout above range");
	fails("r2.yaml", "store:\n  path: km.db\n  busy_timeout: -1\n",
	    "3:17: 'store.busy_timeout' must be an integer from 0 to 600000",
	    "busy_timeout negative");
	fails("r3.yaml", "store:\n  path: km.db\n"
	    "  busy_timeout: 99999999999999999999999\n",
	    "3:17: 'store.busy_timeout' must be an integer from 0 to 600000",
	    "busy_timeout overflowing");
	fails("r4.yaml", "store: {path: km.db}\ncards:\n  validity_years: 0\n",
	    "3:19: 'cards.validity_years' must be an integer from 1 to 20",
	    "validity_years 0");
	fails("r5.yaml", "store: {path: km.db}\ncards:\n  validity_years: 21\n",
	    "3:19: 'cards.validity_years' must be an integer from 1 to 20",
	    "validity_years 21");
	fails("r6.yaml", "store: {path: km.db}\ncards:\n  temporary_days: 366\n",
	    "3:19: 'cards.temporary_days' must be an integer from 1 to 365",
	    "temporary_days 366");
	fails("r7.yaml", "store: {path: km.db}\nblacklist:\n  max_add: -1\n",
	    "3:12: 'blacklist.max_add' must be an integer of at least 0",
	    "max_add negative");
	fails("r8.yaml", "store: {path: km.db}\n"
	    "blacklist:\n  max_add: 2147483648\n",
	    "3:12: 'blacklist.max_add' must be an integer of at least 0",
	    "max_add beyond int");

	cfg = loads("r9.yaml", "store: {path: km.db, busy_timeout: 600000}\n"
	    "cards: {validity_years: 20, temporary_days: 1}\n", "bounds");
	if (cfg != NULL) {
		is(cfg->store.busy_timeout, 600000, "bounds: busy_timeout max");
		is(cfg->cards.validity_years, 20, "bounds: validity_years max");
		is(cfg->cards.temporary_days, 1, "bounds: temporary_days min");
		km_cfg_free(cfg);
	}
}

static void
test_duplicate(void)
{
	fails("d1.yaml", "store:\n  path: a.db\nstore:\n  path: b.db\n",
	    "3:1: duplicate key 'store'", "duplicate section");
	fails("d2.yaml", "store:\n  path: a.db\n  path: b.db\n",
	    "3:3: duplicate key 'store.path'", "duplicate nested key");
	fails("d3.yaml", "store: {path: a.db}\nroles:\n  clerk: [a]\n"
	    "  clerk: b\n",
	    "4:3: duplicate key 'roles.clerk'", "duplicate role");
}

static void
test_syntax(void)
{
	fails("s1.yaml", "store:\n  path: \"km.db\n",
	    "3:1: found unexpected end of stream "
	    "(while scanning a quoted scalar at 2:9)", "unclosed quote");
	fails("s2.yaml", "store:\n  path: a\n busy_timeout: 5\n",
	    "3:2: did not find expected key "
	    "(while parsing a block mapping at 1:1)", "bad indentation");
	fails("s3.yaml", "store:\n\tpath: a\n",
	    "2:1: found character that cannot start any token "
	    "(while scanning for the next token at 2:1)", "tab indentation");
	fails("s4.yaml", "store: {path: a\n",
	    "2:1: did not find expected ',' or '}' "
	    "(while parsing a flow mapping at 1:8)", "unclosed flow mapping");
	fails("s5.yaml", "store:\n  path: *x\n",
	    "2:9: found undefined alias", "undefined alias");
	fails("s6.yaml", "store:\n  path: a\n---\nstore:\n  path: b\n",
	    "4:1: more than one document", "two documents");
	fails("s7.yaml", "store:\n  path: a\n---\n\"b\n",
	    "5:1: found unexpected end of stream "
	    "(while scanning a quoted scalar at 4:1)",
	    "error in a second document");
	fails("s8.yaml", "store:\n  path: \"a\xc3\x28\"\n",
	    " invalid trailing UTF-8 octet: #28 at byte 18", "bad UTF-8");
	fails("e1.yaml", "", " config is empty", "empty file");
	fails("e2.yaml", "# nothing here\n\n", " config is empty",
	    "only comments");
	fails("l1.yaml", "- store\n- roles\n",
	    "1:1: top level must be a mapping", "top level a list");
	fails("l2.yaml", "km.db\n",
	    "1:1: top level must be a mapping", "top level a string");
}

static void
test_roles(void)
{
	struct km_cfg *cfg;

	cfg = loads("roles.yaml", "store: {path: km.db}\n"
	    "roles:\n  cron: km\n  device: '@bramki'\n  auditor: []\n",
	    "roles");
	if (cfg == NULL)
		return;
	ok(cfg->roles[3] != NULL && cfg->roles[3][0] != NULL &&
	    strcmp(cfg->roles[3][0], "km") == 0 && cfg->roles[3][1] == NULL,
	    "roles: scalar is one user");
	ok(cfg->roles[4] != NULL && cfg->roles[4][0] != NULL &&
	    strcmp(cfg->roles[4][0], "@bramki") == 0 &&
	    cfg->roles[4][1] == NULL, "roles: scalar group");
	ok(cfg->roles[5] != NULL && cfg->roles[5][0] == NULL,
	    "roles: empty list is an empty array");
	ok(cfg->roles[0] == NULL && cfg->roles[1] == NULL &&
	    cfg->roles[2] == NULL, "roles: others absent");
	km_cfg_free(cfg);
}

static void
test_relative(void)
{
	struct km_cfg *cfg = NULL;
	struct km_err e;
	char want[PATH_MAX], cwd[PATH_MAX], sub[PATH_MAX];
	int rv;

	cfg = loads("rel.yaml", "store:\n  path: km.db\n"
	    "keys:\n  hotlist_signer: keys/hotlist.pem\n", "relative");
	if (cfg != NULL) {
		snprintf(want, sizeof(want), "%s/km.db", dir);
		is_str(cfg->store.path, want, "relative: store.path");
		snprintf(want, sizeof(want), "%s/keys/hotlist.pem", dir);
		is_str(cfg->keys.hotlist_signer, want,
		    "relative: keys.hotlist_signer");
		km_cfg_free(cfg);
	}
	cfg = loads("abs.yaml", "store:\n  path: /var/lib/km/km.db\n",
	    "absolute");
	if (cfg != NULL) {
		is_str(cfg->store.path, "/var/lib/km/km.db",
		    "absolute: kept");
		km_cfg_free(cfg);
	}

	/* A config named relatively: paths relative to the same place. */
	put("here.yaml", "store:\n  path: data/km.db\n");
	snprintf(sub, sizeof(sub), "%s/sub", dir);
	if (getcwd(cwd, sizeof(cwd)) == NULL || chdir(dir) == -1 ||
	    mkdir(sub, 0700) == -1) {
		ok(0, "relative config: chdir and mkdir");
		return;
	}
	rv = km_cfg_load(&cfg, "here.yaml", &e);
	ok(rv == 0 && strcmp(cfg->store.path, "data/km.db") == 0,
	    "relative config in the working directory");
	if (rv == 0)
		km_cfg_free(cfg);
	if (chdir(sub) == -1) {
		ok(0, "relative config: chdir sub");
		return;
	}
	rv = km_cfg_load(&cfg, "../here.yaml", &e);
	ok(rv == 0 && strcmp(cfg->store.path, "../data/km.db") == 0,
	    "relative config in the parent directory");
	if (rv == 0)
		km_cfg_free(cfg);
	if (chdir(cwd) == -1)
		ok(0, "relative config: chdir back");
	rmdir(sub);
}

static void
test_writable(void)
{
	struct km_cfg *cfg = NULL;
	struct km_err e;
	const char *path;
	char want[PATH_MAX + 64];
	int rv;

	path = put("keys.yaml", "store: {path: km.db}\n"
	    "keys:\n  hotlist_signer: /etc/km/hotlist.pem\n");
	chmod(path, 0666);
	rv = km_cfg_load(&cfg, path, &e);
	is(rv, -1, "world-writable config with key material: refused");
	is(e.eclass, KM_EDATA, "world-writable: KM_EDATA");
	snprintf(want, sizeof(want), "config '%s' names key material and is "
	    "writable by others", path);
	is_str(e.msg, want, "world-writable: message");
	ok(cfg == NULL, "world-writable: no config");

	chmod(path, 0620);
	rv = km_cfg_load(&cfg, path, &e);
	ok(rv == -1 && strcmp(e.msg, want) == 0,
	    "group-writable config with key material: refused");

	chmod(path, 0644);
	rv = km_cfg_load(&cfg, path, &e);
	is(rv, 0, "owner-writable config with key material: loads");
	if (rv == 0)
		km_cfg_free(cfg);

	path = put("nokeys.yaml", "store: {path: km.db}\n");
	chmod(path, 0666);
	rv = km_cfg_load(&cfg, path, &e);
	is(rv, 0, "world-writable config without key material: loads");
	if (rv == 0)
		km_cfg_free(cfg);
}

static void
test_services(void)
{
	struct km_cfg *cfg;
	struct km_err e;
	unsigned bits;
	int rv;

	bits = 0;
	rv = km_services_parse("identification eticket", &bits, &e);
	ok(rv == 0 && bits == (KM_SVC_ID | KM_SVC_ETICKET),
	    "services: spaces");
	rv = km_services_parse("eticket,payments+benefits", &bits, &e);
	ok(rv == 0 && bits == (KM_SVC_ETICKET | KM_SVC_PAYMENTS |
	    KM_SVC_BENEFITS), "services: commas and plus");
	rv = km_services_parse("  esignature , ,identification+ ", &bits, &e);
	ok(rv == 0 && bits == (KM_SVC_ESIGN | KM_SVC_ID),
	    "services: separators repeated and at the ends");
	rv = km_services_parse("payments payments", &bits, &e);
	ok(rv == 0 && bits == KM_SVC_PAYMENTS, "services: repeated name");
	rv = km_services_parse("identification,eticket,payments,esignature,"
	    "benefits", &bits, &e);
	ok(rv == 0 && bits == 0x1f, "services: all five");

	bits = 42;
	rv = km_services_parse("eticket bogus", &bits, &e);
	ok(rv == -1 && e.eclass == KM_EDATA, "services: unknown refused");
	is_str(e.msg, "unknown service 'bogus'", "services: unknown named");
	is(bits, 42, "services: bits untouched on error");
	rv = km_services_parse("eticketX", &bits, &e);
	is(rv, -1, "services: no prefix match refused");
	is_str(e.msg, "unknown service 'eticketX'", "services: no prefix match");
	rv = km_services_parse("etic", &bits, &e);
	is(rv, -1, "services: no prefix of a name refused");
	is_str(e.msg, "unknown service 'etic'", "services: no prefix of a name");
	rv = km_services_parse("ETICKET", &bits, &e);
	ok(rv == -1, "services: names are lower case");
	rv = km_services_parse("", &bits, &e);
	ok(rv == -1 && e.eclass == KM_EDATA, "services: empty refused");
	is_str(e.msg, "empty service list", "services: empty message");
	rv = km_services_parse(" ,+ ", &bits, &e);
	ok(rv == -1, "services: only separators refused");
	rv = km_services_parse(NULL, &bits, &e);
	ok(rv == -1, "services: NULL refused");

	is_str(km_service_name(KM_SVC_ID), "identification", "name: id");
	is_str(km_service_name(KM_SVC_ETICKET), "eticket", "name: eticket");
	is_str(km_service_name(KM_SVC_PAYMENTS), "payments", "name: payments");
	is_str(km_service_name(KM_SVC_ESIGN), "esignature", "name: esign");
	is_str(km_service_name(KM_SVC_BENEFITS), "benefits", "name: benefits");
	ok(km_service_name(0) == NULL, "name: no service for 0");
	ok(km_service_name(KM_SVC_ID | KM_SVC_ETICKET) == NULL,
	    "name: none for two bits");
	ok(km_service_name(1U << 5) == NULL, "name: none past the last");

	is_str(km_role_name(KM_ROLE_CLERK), "clerk", "role: clerk");
	is_str(km_role_name(KM_ROLE_HELPDESK), "helpdesk", "role: helpdesk");
	is_str(km_role_name(KM_ROLE_ADMIN), "admin", "role: admin");
	is_str(km_role_name(KM_ROLE_CRON), "cron", "role: cron");
	is_str(km_role_name(KM_ROLE_DEVICE), "device", "role: device");
	is_str(km_role_name(KM_ROLE_AUDITOR), "auditor", "role: auditor");
	ok(km_role_name(0) == NULL && km_role_name(1U << 6) == NULL &&
	    km_role_name(3) == NULL, "role: none for others");

	/* In the file. */
	cfg = loads("svc.yaml", "store: {path: km.db}\ncards:\n"
	    "  resident:\n    services: eticket+benefits\n"
	    "  entrepreneur:\n    services:\n      - esignature\n"
	    "      - identification, payments\n", "services in config");
	if (cfg != NULL) {
		is(cfg->cards.resident, KM_SVC_ETICKET | KM_SVC_BENEFITS,
		    "services in config: resident");
		is(cfg->cards.entrepreneur, KM_SVC_ESIGN | KM_SVC_ID |
		    KM_SVC_PAYMENTS, "services in config: entrepreneur");
		km_cfg_free(cfg);
	}
	fails("svc1.yaml", "store: {path: km.db}\ncards:\n"
	    "  resident:\n    services: [eticket, parking]\n",
	    "4:25: 'cards.resident.services': unknown service 'parking'",
	    "unknown service in config");
	fails("svc2.yaml", "store: {path: km.db}\ncards:\n"
	    "  entrepreneur:\n    services: []\n",
	    "4:15: 'cards.entrepreneur.services' must name at least one "
	    "service", "empty service list in config");
	fails("svc3.yaml", "store: {path: km.db}\ncards:\n"
	    "  resident:\n    services: {eticket: 1}\n",
	    "4:15: 'cards.resident.services' must be a list of service names",
	    "mapping for services");
	fails("svc4.yaml", "store: {path: km.db}\ncards:\n"
	    "  resident:\n    services: ','\n",
	    "4:15: 'cards.resident.services': empty service list",
	    "no names in a services string");
	fails("svc5.yaml", "store: {path: km.db}\ncards:\n"
	    "  resident: eticket\n",
	    "3:13: 'cards.resident' must be a mapping",
	    "services without their key");
}

static void
test_example(void)
{
	struct km_cfg *cfg = NULL;
	struct km_err e;
	struct stat st;
	size_t i;
	int rv, roles = 0;

	if (access(EXAMPLE, F_OK) == -1) {
		ok(1, "# skip %s is missing", EXAMPLE);
		return;
	}
	rv = km_cfg_load(&cfg, EXAMPLE, &e);
	/* It names key material: a checkout others may write is refused. */
	if (stat(EXAMPLE, &st) == 0 && (st.st_mode & (S_IWGRP | S_IWOTH))) {
		ok(rv == -1 && strstr(e.msg, "names key material") != NULL,
		    "%s writable by others: refused", EXAMPLE);
		if (rv == 0)
			km_cfg_free(cfg);
		return;
	}
	if (!ok(rv == 0, "%s loads", EXAMPLE)) {
		printf("#   %s\n", e.msg);
		return;
	}
	is_str(cfg->store.path, "config/km.db", "example: store.path");
	ok(cfg->keys.hotlist_signer != NULL, "example: names a hotlist signer");
	for (i = 0; i < KM_NROLES; i++)
		if (cfg->roles[i] != NULL && cfg->roles[i][0] != NULL)
			roles++;
	is(roles, KM_NROLES, "example: every role has members");
	/* The example shows the defaults, as its comments say. */
	is(cfg->store.busy_timeout, 5000, "example: busy_timeout default");
	is_str(cfg->cards.iin, "900100", "example: iin default");
	is(cfg->cards.validity_years, 5, "example: validity_years default");
	is(cfg->cards.temporary_days, 30, "example: temporary_days default");
	is(cfg->cards.resident,
	    KM_SVC_ID | KM_SVC_ETICKET | KM_SVC_PAYMENTS | KM_SVC_BENEFITS,
	    "example: resident services default");
	is(cfg->cards.entrepreneur, KM_SVC_ID | KM_SVC_ESIGN | KM_SVC_PAYMENTS,
	    "example: entrepreneur services default");
	is(cfg->blacklist.max_add, 1000, "example: max_add default");
	ok(cfg->reader.name == NULL, "example: reader.name default");
	km_cfg_free(cfg);
}

/* The ca section: defaults that hang on ca.dir, pkcs11: URIs kept as
 * they are, paths resolved, lists of names into bits, and refusals. */
static void
test_ca(void)
{
	struct km_cfg *cfg;
	char want[PATH_MAX + 32];

	if ((cfg = loads("ca1.yaml", "store:\n  path: km.db\n",
	    "ca defaults")) != NULL) {
		snprintf(want, sizeof(want), "%s/ca", dir);
		is_str(cfg->ca.dir, want, "ca defaults: dir beside the file");
		snprintf(want, sizeof(want), "%s/ca/issuing.key", dir);
		is_str(cfg->ca.issuing_key, want, "ca defaults: issuing key");
		is(cfg->ca.set, 0, "ca defaults: no ca section");
		is(cfg->ca.key_type, KM_KEY_EC256, "ca defaults: ec256");
		is_str(cfg->ca.country, "PL", "ca defaults: PL");
		is(cfg->ca.crl_days, 7, "ca defaults: crl_days 7");
		is(cfg->ca.profile[KM_PROF_CARD_SIGN].ku,
		    KM_KU_DIGITAL_SIGNATURE | KM_KU_NON_REPUDIATION,
		    "ca defaults: card-sign key usage");
		is(cfg->ca.profile[KM_PROF_CARD_AUTH].keys & (1U <<
		    KM_KEY_RSA2048), 0, "ca defaults: rsa2048 not allowed");
		km_cfg_free(cfg);
	}
	if ((cfg = loads("ca2.yaml", "store:\n  path: km.db\nca:\n"
	    "  dir: /srv/ca\n  key_type: rsa3072\n"
	    "  issuing_key: \"pkcs11:token=KM;object=issuing;type=private\"\n"
	    "  ocsp_key: keys/ocsp.pem\n  country: DE\n"
	    "  profiles:\n    card-auth:\n      days: 30\n"
	    "      keys: [ec384, rsa2048]\n"
	    "      extended_key_usage: [clientAuth, msSmartcardLogin]\n",
	    "ca set")) != NULL) {
		is(cfg->ca.set, 1, "ca set: section seen");
		is_str(cfg->ca.issuing_key,
		    "pkcs11:token=KM;object=issuing;type=private",
		    "ca set: a pkcs11 URI is kept as it is");
		snprintf(want, sizeof(want), "%s/keys/ocsp.pem", dir);
		is_str(cfg->ca.ocsp_key, want, "ca set: a path is resolved");
		is_str(cfg->ca.root_key, "/srv/ca/root.key",
		    "ca set: root key defaults into ca.dir");
		is(cfg->ca.key_type, KM_KEY_RSA3072, "ca set: rsa3072");
		is(cfg->ca.profile[KM_PROF_CARD_AUTH].days, 30, "ca set: days");
		is(cfg->ca.profile[KM_PROF_CARD_AUTH].keys,
		    (1U << KM_KEY_EC384) | (1U << KM_KEY_RSA2048),
		    "ca set: keys");
		is(cfg->ca.profile[KM_PROF_CARD_AUTH].eku,
		    KM_EKU_CLIENT_AUTH | KM_EKU_SMARTCARD_LOGON, "ca set: eku");
		is(cfg->ca.profile[KM_PROF_OCSP].eku, KM_EKU_OCSP_SIGNING,
		    "ca set: other profiles keep their defaults");
		km_cfg_free(cfg);
	}
	fails("ca3.yaml", "store:\n  path: km.db\nca:\n  key_type: dsa\n",
	    "4:13: 'ca.key_type': unknown key type 'dsa' (ec256, ec384, "
	    "rsa2048, rsa3072, rsa4096)", "ca: unknown key type");
	fails("ca4.yaml", "store:\n  path: km.db\nca:\n  profiles:\n"
	    "    card-sign:\n      key_usage: [digitalSignature, signing]\n",
	    "6:37: 'ca.profiles.card-sign.key_usage': unknown name 'signing'",
	    "ca: unknown key usage");
	fails("ca5.yaml", "store:\n  path: km.db\nca:\n  profiles:\n"
	    "    tls:\n      days: 1\n",
	    "5:5: unknown key 'ca.profiles.tls'", "ca: unknown profile");
	fails("ca6.yaml", "store:\n  path: km.db\nca:\n  country: pl\n",
	    "4:12: 'ca.country' must be two capital letters",
	    "ca: country");
	is(km_profile_parse("card-auth"), KM_PROF_CARD_AUTH, "profile parse");
	is(km_profile_parse("nope"), -1, "profile parse: unknown");
	is_str(km_profile_name(KM_PROF_HOTLIST), "hotlist", "profile name");
}

int
main(void)
{
	size_t i;

	umask(022);
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	test_full();
	test_defaults();
	test_path();
	test_unknown();
	test_types();
	test_range();
	test_duplicate();
	test_syntax();
	test_roles();
	test_relative();
	test_writable();
	test_services();
	test_example();
	test_ca();

	for (i = 0; i < nfiles; i++)
		if (unlink(files[i]) == -1)
			perror(files[i]);
	if (rmdir(dir) == -1)
		perror(dir);
	return done();
}
