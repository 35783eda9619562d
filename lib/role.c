/*
 * role.c -- roles.  The config maps Unix users, and groups written
 * "@group", to the roles clerk, helpdesk, admin, cron, device and auditor;
 * each program names the roles that may run it and checks them before it
 * acts.  The real user id decides, so a role cannot be had by setting an
 * environment variable.
 */
#include <sys/types.h>

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "km-internal.h"

#define MAXGROUPS 256

static int
in_group(const char *name, const gid_t *gids, int ngids)
{
	struct group *gr;
	int i;

	if ((gr = getgrnam(name)) == NULL)
		return 0;
	for (i = 0; i < ngids; i++)
		if (gids[i] == gr->gr_gid)
			return 1;
	return 0;
}

/*
 * Fills *roles with the roles the real user holds in cfg and user with the
 * user's name.  Returns 0, or -1 if the user cannot be looked up.
 */
int
km_role_get(const struct km_cfg *cfg, unsigned *roles, char *user,
    size_t usersz, struct km_err *err)
{
	struct passwd *pw;
	gid_t gids[MAXGROUPS];
	int ngids = MAXGROUPS, r;
	char **p;

	*roles = 0;
	errno = 0;
	if ((pw = getpwuid(getuid())) == NULL)
		return km_errf(err, KM_ESYS, "cannot look up user %lu: %s",
		    (unsigned long)getuid(), errno ? strerror(errno) :
		    "no such user");
	km_strlcpy(user, pw->pw_name, usersz);
	if (getgrouplist(pw->pw_name, pw->pw_gid, gids, &ngids) == -1)
		ngids = MAXGROUPS;
	for (r = 0; r < KM_NROLES; r++) {
		for (p = cfg->roles[r]; p != NULL && *p != NULL; p++) {
			if ((**p == '@' && in_group(*p + 1, gids, ngids)) ||
			    strcmp(*p, pw->pw_name) == 0) {
				*roles |= 1u << r;
				break;
			}
		}
	}
	return 0;
}

/*
 * 0 if roles holds one of allowed; otherwise -1 with a message naming the
 * user and the roles that would do.
 */
int
km_role_require(unsigned roles, unsigned allowed, const char *user,
    struct km_err *err)
{
	char need[128] = "";
	int r;

	if (roles & allowed)
		return 0;
	for (r = 0; r < KM_NROLES; r++) {
		if (!(allowed & (1u << r)))
			continue;
		if (need[0] != '\0')
			strncat(need, " or ", sizeof(need) - strlen(need) - 1);
		strncat(need, km_role_name(1u << r),
		    sizeof(need) - strlen(need) - 1);
	}
	return km_errf(err, KM_EDATA, "permission denied for user '%s': "
	    "needs the role %s (roles in km.yaml(5))", user, need);
}
