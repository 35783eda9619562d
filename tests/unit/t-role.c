/*
 * t-role.c -- roles (lib/role.c).  km_role_get() for the user running the
 * test, named in one role by user name and in another through "@group"
 * (the primary group), among entries that must not match; a user in no
 * role; km_role_require() and the message of km(7).  The configs are
 * written to a private directory under /tmp.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <ctype.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "km.h"
#include "tap.h"

static char dir[] = "/tmp/t-role.XXXXXX";
static char user[256], group[256], other[256];

/* Writes and loads dir/name with the roles section roles. */
static struct km_cfg *
config(const char *name, const char *roles)
{
	struct km_cfg *c = NULL;
	struct km_err e;
	char path[PATH_MAX];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((fp = fopen(path, "w")) == NULL)
		return NULL;
	fprintf(fp, "store:\n  path: %s/km.db\n%s", dir, roles);
	if (fclose(fp) == EOF)
		return NULL;
	if (km_cfg_load(&c, path, &e) == -1) {
		printf("# %s\n", e.msg);
		return NULL;
	}
	return c;
}

/* A group the user is not in, for a "@group" that must not match;
 * "" if there is none. */
static void
find_other_group(const struct passwd *pw)
{
	gid_t gids[256];
	int n = 256, i, in;
	struct group *gr;

	other[0] = '\0';
	if (getgrouplist(pw->pw_name, pw->pw_gid, gids, &n) == -1)
		return;
	setgrent();
	while ((gr = getgrent()) != NULL) {
		for (i = in = 0; i < n; i++)
			if (gids[i] == gr->gr_gid)
				in = 1;
		if (!in && strspn(gr->gr_name, "abcdefghijklmnopqrstuvwxyz"
		    "0123456789_-") == strlen(gr->gr_name)) {
			snprintf(other, sizeof(other), "%s", gr->gr_name);
			break;
		}
	}
	endgrent();
}

static void
test_get(void)
{
	struct km_cfg *cfg;
	struct km_err e;
	char text[4096], upper[256], name[256];
	unsigned roles;
	size_t i;

	for (i = 0; user[i] != '\0' && i < sizeof(upper) - 1; i++)
		upper[i] = (char)toupper((unsigned char)user[i]);
	upper[i] = '\0';
	/* clerk by name, cron by name second in a list, auditor by the
	 * primary group; helpdesk, admin and device by near misses. */
	snprintf(text, sizeof(text), "roles:\n"
	    "  clerk: [\"%s\"]\n"
	    "  helpdesk: [\"%s\", \"@no-such-group-km\"]\n"
	    "  admin: [\"%sx\", \"x%s\", \"%s\"]\n"
	    "  cron: [alice, \"%s\"]\n"
	    "  device: [\"@%s\"]\n"
	    "  auditor: [\"@%s\"]\n",
	    user, strcmp(upper, user) != 0 ? upper : "nobody-km-x", user, user,
	    strcmp(group, user) != 0 ? group : "nobody-km-y", user,
	    other[0] ? other : "no-such-group-km2", group);
	if ((cfg = config("both.yaml", text)) == NULL) {
		ok(0, "config with the user loads");
		return;
	}
	roles = 0xdead;
	memset(name, 'Z', sizeof(name));
	is(km_role_get(cfg, &roles, name, sizeof(name), &e), 0, "get: ok");
	is_str(name, user, "get: the user's name");
	ok(roles & KM_ROLE_CLERK, "get: clerk by user name");
	ok(roles & KM_ROLE_AUDITOR, "get: auditor by @%s", group);
	ok(roles & KM_ROLE_CRON, "get: cron, second in its list");
	ok(!(roles & KM_ROLE_HELPDESK), "get: no helpdesk (names are "
	    "case-sensitive, unknown groups match no one)");
	ok(!(roles & KM_ROLE_ADMIN), "get: no admin (the name with more "
	    "around it, or a group's name written without @, is not the user)");
	ok(!(roles & KM_ROLE_DEVICE), "get: no device (@%s, a group the "
	    "user is not in)", other[0] ? other : "no-such-group-km2");
	is(roles, KM_ROLE_CLERK | KM_ROLE_CRON | KM_ROLE_AUDITOR,
	    "get: exactly clerk, cron and auditor");

	/* The name is cut to the buffer, and terminated. */
	memset(name, 'Z', sizeof(name));
	km_role_get(cfg, &roles, name, 3, &e);
	ok(strlen(name) == (strlen(user) < 2 ? strlen(user) : 2) &&
	    strncmp(name, user, strlen(name)) == 0 && name[3] == 'Z',
	    "get: a short buffer gets the name cut");
	km_cfg_free(cfg);

	/* In no role. */
	snprintf(text, sizeof(text), "roles:\n"
	    "  clerk: [nobody-km-x]\n"
	    "  admin: [\"@no-such-group-km\"]\n"
	    "  auditor: []\n");
	if ((cfg = config("none.yaml", text)) == NULL) {
		ok(0, "config without the user loads");
		return;
	}
	roles = 0xdead;
	name[0] = '\0';
	ok(km_role_get(cfg, &roles, name, sizeof(name), &e) == 0 &&
	    roles == 0, "get: a user in no role has none");
	is_str(name, user, "get: the name still filled");
	km_cfg_free(cfg);

	if ((cfg = config("noroles.yaml", "")) == NULL) {
		ok(0, "config without roles loads");
		return;
	}
	roles = 0xdead;
	ok(km_role_get(cfg, &roles, name, sizeof(name), &e) == 0 &&
	    roles == 0, "get: no roles section, no roles");
	km_cfg_free(cfg);

	/* Every role by group. */
	snprintf(text, sizeof(text), "roles:\n"
	    "  clerk: \"@%s\"\n  helpdesk: \"@%s\"\n  admin: \"@%s\"\n"
	    "  cron: \"@%s\"\n  device: \"@%s\"\n  auditor: \"@%s\"\n",
	    group, group, group, group, group, group);
	if ((cfg = config("all.yaml", text)) == NULL) {
		ok(0, "config with every role loads");
		return;
	}
	ok(km_role_get(cfg, &roles, name, sizeof(name), &e) == 0 &&
	    roles == 0x3f, "get: every role through the group");
	km_cfg_free(cfg);
}

static void
test_require(void)
{
	struct km_err e;

	is(km_role_require(KM_ROLE_CLERK, KM_ROLE_CLERK | KM_ROLE_ADMIN,
	    "anna", &e), 0, "require: clerk may");
	is(km_role_require(KM_ROLE_ADMIN | KM_ROLE_AUDITOR, KM_ROLE_ADMIN,
	    "root", &e), 0, "require: one of several roles is enough");

	memset(&e, 0, sizeof(e));
	is(km_role_require(0, KM_ROLE_CLERK | KM_ROLE_ADMIN, "ewa", &e), -1,
	    "require: no role refused");
	is(e.eclass, KM_EDATA, "require: KM_EDATA (exit status 3)");
	is_str(e.msg, "permission denied for user 'ewa': needs the role clerk "
	    "or admin (roles in km.yaml(5))", "require: the message of km(7)");

	km_role_require(KM_ROLE_HELPDESK | KM_ROLE_CRON, KM_ROLE_AUDITOR,
	    "piotr", &e);
	is_str(e.msg, "permission denied for user 'piotr': needs the role "
	    "auditor (roles in km.yaml(5))", "require: other roles, one needed");
	km_role_require(0, 0x3f, "x", &e);
	is_str(e.msg, "permission denied for user 'x': needs the role clerk or "
	    "helpdesk or admin or cron or device or auditor (roles in "
	    "km.yaml(5))", "require: all six named in order");
	km_role_require(KM_ROLE_CLERK, KM_ROLE_HELPDESK | KM_ROLE_DEVICE,
	    "anna", &e);
	is_str(e.msg, "permission denied for user 'anna': needs the role "
	    "helpdesk or device (roles in km.yaml(5))",
	    "require: clerk is not helpdesk");
	is(km_role_require(0, KM_ROLE_ADMIN, "nobody", NULL), -1,
	    "require: NULL err still refuses");
}

int
main(void)
{
	struct passwd *pw;
	struct group *gr;

	umask(022);
	if ((pw = getpwuid(getuid())) == NULL ||
	    (gr = getgrgid(pw->pw_gid)) == NULL) {
		printf("1..0 # skip the user or their group cannot be looked "
		    "up\n");
		return 0;
	}
	snprintf(user, sizeof(user), "%s", pw->pw_name);
	snprintf(group, sizeof(group), "%s", gr->gr_name);
	find_other_group(pw);
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	test_get();
	test_require();
	{
		char cmd[PATH_MAX + 16];

		snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
		if (system(cmd) != 0)
			printf("# cannot remove %s\n", dir);
	}
	return done();
}
