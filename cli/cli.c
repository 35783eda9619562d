/*
 * cli.c -- the command side shared by every km program; see cli.h.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static const char *progname = "km";
static int progress_shown;

void
cli_init(int argc, char *argv[])
{
	const char *p;

	if (argc > 0 && argv[0] != NULL) {
		p = strrchr(argv[0], '/');
		progname = p != NULL ? p + 1 : argv[0];
	}
}

const char *
cli_progname(void)
{
	return progname;
}

void
cli_error(const struct km_err *e)
{
	cli_progress_end();
	fprintf(stderr, "%s: %s\n", progname, e->msg);
}

void
cli_warn(const char *fmt, ...)
{
	va_list ap;

	cli_progress_end();
	fprintf(stderr, "%s: warning: ", progname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void
cli_die(struct cli *c, const struct km_err *e)
{
	cli_error(e);
	if (c != NULL) {
		km_db_close(c->db);
		km_cfg_free(c->cfg);
		c->db = NULL;
		c->cfg = NULL;
	}
	exit(km_exitcode(e->eclass));
}

static void
print_usage(FILE *fp, const char *synopsis)
{
	const char *p = synopsis, *nl;
	int first = 1;

	do {
		nl = strchr(p, '\n');
		fprintf(fp, "%s %s %.*s\n", first ? "usage:" : "      ",
		    progname, nl ? (int)(nl - p) : (int)strlen(p), p);
		first = 0;
		p = nl + 1;
	} while (nl != NULL);
}

void
cli_usage(const char *synopsis)
{
	print_usage(stderr, synopsis);
	exit(2);
}

void
cli_help(const char *synopsis)
{
	print_usage(stdout, synopsis);
	exit(0);
}

void
cli_version(void)
{
	printf("%s (km) %s\n", progname, KM_VERSION);
	exit(0);
}

void
cli_open(struct cli *c, const char *cfgpath, unsigned allowed, int dbflags)
{
	struct km_err e;

	memset(c, 0, sizeof(*c));
	km_out_init(&c->out, stdout, KM_OUT_HUMAN);
	if (km_cfg_load(&c->cfg, cfgpath, &e) == -1)
		cli_die(c, &e);
	if (km_role_get(c->cfg, &c->roles, c->user, sizeof(c->user), &e) ==
	    -1 || km_role_require(c->roles, allowed, c->user, &e) == -1)
		cli_die(c, &e);
	if (dbflags < 0)
		return;
	if (km_db_open(&c->db, c->cfg, dbflags, &e) == -1)
		cli_die(c, &e);
	km_db_set_actor(c->db, c->user);
}

void
cli_key_begin(struct cli *c)
{
	struct km_err e;

	if (km_db_savepoint(c->db, &e) == -1)
		cli_die(c, &e);
}

void
cli_key_end(struct cli *c, const char *where, struct km_err *e,
    unsigned long *nbad, enum km_errclass *worst)
{
	struct km_err e2;

	if (e == NULL) {
		if (km_db_release(c->db, &e2) == -1)
			cli_die(c, &e2);
		return;
	}
	km_db_rollback_to(c->db);
	if (e->eclass == KM_ETEMP || e->eclass == KM_ESYS)
		cli_die(c, e);
	km_errpre(e, "%s", where);
	cli_error(e);
	*worst = cli_worse(*worst, e->eclass);
	(*nbad)++;
}

void
cli_append(struct cli *c, void *arrayp, size_t *n, size_t *cap,
    const void *item, size_t size)
{
	struct km_err e;
	char *a, *na;

	memcpy(&a, arrayp, sizeof(a));
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 16;
		if ((na = realloc(a, *cap * size)) == NULL) {
			km_errf(&e, KM_ESYS, "out of memory");
			cli_die(c, &e);
		}
		a = na;
		memcpy(arrayp, &a, sizeof(a));
	}
	memcpy(a + *n * size, item, size);
	(*n)++;
}

/*
 * After a commit that may have revoked certificates: writes the CRL they
 * await, when this user can open the issuing key.  When it cannot, the
 * revocation stands (the OCSP responder tells of it already) and the CRL
 * is left to kmca-crl: a warning says so; the exit status is not changed.
 */
void
cli_publish(struct cli *c)
{
	struct km_err e;
	long long number;

	if (km_ca_publish_due(c->db, c->cfg, &number, &e) == -1)
		cli_warn("CRL not written: %s; kmca-crl will write it", e.msg);
}

int
cli_close(struct cli *c, int status)
{
	struct km_err e;

	cli_progress_end();
	km_db_close(c->db);
	km_cfg_free(c->cfg);
	c->db = NULL;
	c->cfg = NULL;
	if (fflush(stdout) == EOF || ferror(stdout)) {
		km_errf(&e, KM_ESYS, "write to stdout: %s", strerror(errno));
		cli_error(&e);
		return km_exitcode(KM_ESYS);
	}
	return status;
}

long
cli_each(int argc, char *argv[],
    int (*fn)(const char *, const char *, void *), void *arg)
{
	char where[64], *line = NULL, *s, *e;
	size_t cap = 0;
	unsigned long lineno = 0;
	long n = 0;
	int i;

	if (argc > 0) {
		for (i = 0; i < argc; i++) {
			snprintf(where, sizeof(where), "argument %d", i + 1);
			n++;
			if (fn(argv[i], where, arg) == -2)
				break;
		}
		return n;
	}
	while (getline(&line, &cap, stdin) != -1) {
		lineno++;
		for (s = line; *s == ' ' || *s == '\t'; s++)
			;
		e = s + strlen(s);
		while (e > s && (e[-1] == '\n' || e[-1] == '\r' ||
		    e[-1] == ' ' || e[-1] == '\t'))
			*--e = '\0';
		if (*s == '\0' || *s == '#')
			continue;
		snprintf(where, sizeof(where), "<stdin>:%lu", lineno);
		n++;
		if (fn(s, where, arg) == -2)
			break;
	}
	free(line);
	if (ferror(stdin))
		return -1;
	return n;
}

enum km_errclass
cli_worse(enum km_errclass a, enum km_errclass b)
{
	static const int rank[] = {
		[KM_EOK] = 0, [KM_ENOTFOUND] = 1, [KM_EUSAGE] = 2,
		[KM_EDATA] = 3, [KM_ETEMP] = 4, [KM_ESYS] = 5
	};

	return rank[a] >= rank[b] ? a : b;
}

void
cli_progress(unsigned long n, const char *what)
{
	if (!isatty(STDERR_FILENO))
		return;
	fprintf(stderr, "%s: %lu %s\r", progname, n, what);
	progress_shown = 1;
}

void
cli_progress_end(void)
{
	if (progress_shown)
		fprintf(stderr, "\033[K");
	progress_shown = 0;
}
