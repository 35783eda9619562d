/*
 * kmblacklist -- the admins' tool for the hotlist: add and remove cards,
 * list the entries, publish a signed version for devices (full, or a delta
 * against an earlier version), and verify a published file.  See
 * kmblacklist(1).
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static const char synopsis[] =
    "[-jkt] [-c config] -a [-r reason] [card ...]\n"
    "[-jkt] [-c config] -d [card ...]\n"
    "[-jt] [-c config] -l\n"
    "[-fjt] [-c config] [-b base] [-o file] -p\n"
    "[-jt] [-c config] -v file";

struct run {
	struct cli	*c;
	int		 add;
	const char	*reason;
	unsigned long	 nbad, nchanged;
	enum km_errclass worst;
};

static int
edit(const char *key, const char *where, void *arg)
{
	struct run *r = arg;
	struct km_card card;
	struct km_err e;
	int changed;

	if (km_db_savepoint(r->c->db, &e) == -1)
		cli_die(r->c, &e);
	if (km_card_by_number(r->c->db, key, &card, &e) == -1 ||
	    (r->add ? km_bl_add(r->c->db, card.number, "admin", r->reason,
	    &changed, &e) : km_bl_remove(r->c->db, card.number, "admin",
	    &changed, &e)) == -1) {
		km_db_rollback_to(r->c->db);
		if (e.eclass == KM_ETEMP || e.eclass == KM_ESYS)
			cli_die(r->c, &e);
		km_errpre(&e, "%s", where);
		cli_error(&e);
		r->worst = cli_worse(r->worst, e.eclass);
		r->nbad++;
		return 0;
	}
	if (km_db_release(r->c->db, &e) == -1)
		cli_die(r->c, &e);
	r->nchanged += (unsigned long)changed;
	km_out_begin(&r->c->out);
	km_out_str(&r->c->out, "number", card.number);
	km_out_str(&r->c->out, "change", !changed ? "none" :
	    r->add ? "added" : "removed");
	km_out_end(&r->c->out);
	return 0;
}

static void
version_out(struct km_out *o, const struct km_hotlist *hl, const char *file)
{
	char buf[KM_TIME_BUFSZ];

	km_out_begin(o);
	km_out_int(o, "version", hl->version);
	km_out_str(o, "type", hl->base > 0 ? "delta" : "full");
	if (hl->base > 0)
		km_out_int(o, "base", hl->base);
	else
		km_out_str(o, "base", NULL);
	km_out_str(o, "created", o->fmt == KM_OUT_HUMAN ?
	    km_time_local(hl->created, buf) : km_time_iso(hl->created, buf));
	km_out_int(o, "count", (long long)hl->count);
	km_out_int(o, "adds", (long long)hl->adds);
	km_out_int(o, "removes", (long long)hl->removes);
	km_out_str(o, "file", file);
	km_out_end(o);
}

/* Publishes to a temporary file beside the target (or a private one for
 * stdout), commits, and only then renames it into place or copies it. */
static int
publish(struct cli *c, long long base, int force, const char *file)
{
	struct km_hotlist hl;
	struct km_err e;
	char *tmp = NULL, buf[65536];
	FILE *fp;
	size_t n;
	int fd;

	const char *dir = getenv("TMPDIR");
	size_t len;

	if (dir == NULL || *dir == '\0')
		dir = "/tmp";
	len = (file ? strlen(file) : strlen(dir)) + 32;
	if ((tmp = malloc(len)) == NULL) {
		km_errf(&e, KM_ESYS, "out of memory");
		cli_die(c, &e);
	}
	if (file != NULL)
		snprintf(tmp, len, "%s.XXXXXX", file);
	else
		snprintf(tmp, len, "%s/kmhotlist.XXXXXX", dir);
	if ((fd = mkstemp(tmp)) == -1 || (fp = fdopen(fd, "w+")) == NULL) {
		km_errf(&e, KM_ESYS, "cannot create '%s': %s", tmp,
		    strerror(errno));
		cli_die(c, &e);
	}
	if (km_db_begin(c->db, &e) == -1 ||
	    km_hotlist_publish(c->db, c->cfg, base, force, fp, &hl, &e) == -1 ||
	    fsync(fileno(fp)) == -1 ||
	    km_db_commit(c->db, &e) == -1) {
		if (e.msg[0] == '\0')
			km_errf(&e, KM_ESYS, "cannot write '%s': %s", tmp,
			    strerror(errno));
		fclose(fp);
		unlink(tmp);
		free(tmp);
		cli_die(c, &e);
	}
	if (file != NULL) {
		if (fchmod(fileno(fp), 0644) == -1 || fclose(fp) != 0 ||
		    rename(tmp, file) == -1) {
			km_errf(&e, KM_ESYS, "cannot write '%s': %s", file,
			    strerror(errno));
			unlink(tmp);
			free(tmp);
			cli_die(c, &e);
		}
		version_out(&c->out, &hl, file);
	} else {
		rewind(fp);
		while ((n = fread(buf, 1, sizeof(buf), fp)) > 0)
			fwrite(buf, 1, n, stdout);
		fclose(fp);
		unlink(tmp);
	}
	if (hl.base > 0)
		fprintf(stderr, "%s: published version %lld: delta against "
		    "%lld, %zu to add, %zu to remove\n", cli_progname(),
		    hl.version, hl.base, hl.adds, hl.removes);
	else
		fprintf(stderr, "%s: published version %lld: full, %zu "
		    "listed\n", cli_progname(), hl.version, hl.count);
	free(tmp);
	return 0;
}

int
main(int argc, char *argv[])
{
	struct cli c;
	struct run r;
	struct km_err e;
	struct km_bl_entry *ent;
	struct km_hotlist hl;
	enum km_outfmt fmt = KM_OUT_HUMAN;
	const char *cfgpath = NULL, *file = NULL, *vfile = NULL, *errstr;
	char buf[KM_TIME_BUFSZ];
	long long base = 0;
	unsigned roles;
	long n;
	size_t ne, i;
	int ch, mode = 0, keep = 0, force = 0;
	char *end;

	cli_init(argc, argv);
	memset(&r, 0, sizeof(r));
	while ((ch = getopt(argc, argv, "ab:c:dfhjklo:pr:tv:V")) != -1) {
		switch (ch) {
		case 'a':
		case 'd':
		case 'l':
		case 'p':
			if (mode != 0 && mode != ch)
				cli_usage(synopsis);
			mode = ch;
			break;
		case 'v':
			if (mode != 0)
				cli_usage(synopsis);
			mode = ch;
			vfile = optarg;
			break;
		case 'b':
			errno = 0;
			base = strtoll(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || base < 1) {
				errstr = "not a version number";
				fprintf(stderr, "%s: -b '%s': %s\n",
				    cli_progname(), optarg, errstr);
				cli_usage(synopsis);
			}
			break;
		case 'c':
			cfgpath = optarg;
			break;
		case 'f':
			force = 1;
			break;
		case 'h':
			cli_help(synopsis);
		case 'j':
			fmt = KM_OUT_JSON;
			break;
		case 'k':
			keep = 1;
			break;
		case 'o':
			file = optarg;
			break;
		case 'r':
			r.reason = optarg;
			break;
		case 't':
			fmt = KM_OUT_TSV;
			break;
		case 'V':
			cli_version();
		default:
			cli_usage(synopsis);
		}
	}
	argc -= optind;
	argv += optind;
	if (mode == 0 || (mode != 'a' && mode != 'd' && (argc > 0 || keep)) ||
	    (r.reason != NULL && mode != 'a') ||
	    ((base || force || file) && mode != 'p'))
		cli_usage(synopsis);

	switch (mode) {
	case 'l':
		roles = KM_ROLE_ADMIN | KM_ROLE_CRON | KM_ROLE_AUDITOR |
		    KM_ROLE_HELPDESK;
		break;
	case 'p':
		roles = KM_ROLE_ADMIN | KM_ROLE_CRON;
		break;
	case 'v':
		roles = KM_ROLE_ADMIN | KM_ROLE_CRON | KM_ROLE_DEVICE |
		    KM_ROLE_AUDITOR;
		break;
	default:
		roles = KM_ROLE_ADMIN;
		break;
	}
	cli_open(&c, cfgpath, roles, mode == 'v' ? -1 :
	    mode == 'l' ? KM_DB_RDONLY : KM_DB_RDWR);
	km_out_init(&c.out, stdout, fmt);

	switch (mode) {
	case 'a':
	case 'd':
		r.c = &c;
		r.add = mode == 'a';
		if (km_db_begin(c.db, &e) == -1)
			cli_die(&c, &e);
		/* Output goes to a buffer-less stdout only after commit. */
		c.out.fp = tmpfile();
		if (c.out.fp == NULL) {
			km_errf(&e, KM_ESYS, "tmpfile: %s", strerror(errno));
			cli_die(&c, &e);
		}
		if ((n = cli_each(argc, argv, edit, &r)) == -1) {
			km_errf(&e, KM_ESYS, "read from stdin failed");
			cli_die(&c, &e);
		}
		if (r.nbad > 0 && !keep) {
			km_db_rollback(c.db);
			fclose(c.out.fp);
			fprintf(stderr, "%s: %lu of %ld cards refused: nothing "
			    "changed\n", cli_progname(), r.nbad, n);
			return cli_close(&c, km_exitcode(r.worst));
		}
		if (km_db_commit(c.db, &e) == -1)
			cli_die(&c, &e);
		rewind(c.out.fp);
		while ((ch = getc(c.out.fp)) != EOF)
			putchar(ch);
		fclose(c.out.fp);
		if (r.nbad > 0)
			fprintf(stderr, "%s: %lu of %ld cards refused\n",
			    cli_progname(), r.nbad, n);
		return cli_close(&c, km_exitcode(r.worst));
	case 'l':
		if (km_bl_list(c.db, &ent, &ne, &e) == -1)
			cli_die(&c, &e);
		for (i = 0; i < ne; i++) {
			km_out_begin(&c.out);
			km_out_str(&c.out, "number", ent[i].number);
			km_out_str(&c.out, "source", ent[i].source);
			km_out_str(&c.out, "reason", ent[i].reason[0] ?
			    ent[i].reason : NULL);
			km_out_str(&c.out, "since", fmt == KM_OUT_HUMAN ?
			    km_time_local(ent[i].since, buf) :
			    km_time_iso(ent[i].since, buf));
			km_out_str(&c.out, "by", ent[i].actor);
			km_out_end(&c.out);
		}
		free(ent);
		return cli_close(&c, 0);
	case 'p':
		publish(&c, base, force, file);
		return cli_close(&c, 0);
	case 'v':
		if (km_hotlist_verify(c.cfg, vfile, &hl, &e) == -1)
			cli_die(&c, &e);
		version_out(&c.out, &hl, vfile);
		return cli_close(&c, 0);
	}
	return cli_close(&c, 2);
}
