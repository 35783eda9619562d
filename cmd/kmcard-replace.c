/*
 * kmcard-replace -- replace a lost, stolen or damaged card: the old card
 * is replaced (and hotlisted), a new one is ordered for the same holder
 * with the same services, and with -T a temporary card stands in until the
 * new one is collected.  See kmcard-replace(1).
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static const char synopsis[] =
    "[-jkTt] [-c config] [-r reason] [card ...]";

struct done {
	struct km_card	old, neu, temp;
};

struct run {
	struct cli	*c;
	const char	*reason;
	int		 temp;
	struct done	*done;
	size_t		 ndone, cap;
	unsigned long	 nbad;
	enum km_errclass worst;
};

static int
one(const char *key, const char *where, void *arg)
{
	struct run *r = arg;
	struct done d;
	struct km_err e;

	memset(&d, 0, sizeof(d));
	cli_key_begin(r->c);
	if (km_card_by_number(r->c->db, key, &d.old, &e) == -1 ||
	    km_life_replace(r->c->db, r->c->cfg, &d.old, r->reason, r->temp,
	    &d.neu, &d.temp, &e) == -1) {
		cli_key_end(r->c, where, &e, &r->nbad, &r->worst);
		return 0;
	}
	cli_key_end(r->c, where, NULL, &r->nbad, &r->worst);
	cli_append(r->c, &r->done, &r->ndone, &r->cap, &d, sizeof(d));
	return 0;
}

int
main(int argc, char *argv[])
{
	struct cli c;
	struct run r;
	struct km_err e;
	enum km_outfmt fmt = KM_OUT_HUMAN;
	const char *cfgpath = NULL;
	char buf[KM_TIME_BUFSZ];
	long n;
	size_t i;
	int ch, keep = 0;

	cli_init(argc, argv);
	memset(&r, 0, sizeof(r));
	while ((ch = getopt(argc, argv, "c:hjkr:TtV")) != -1) {
		switch (ch) {
		case 'c':
			cfgpath = optarg;
			break;
		case 'h':
			cli_help(synopsis);
		case 'j':
			fmt = KM_OUT_JSON;
			break;
		case 'k':
			keep = 1;
			break;
		case 'r':
			r.reason = optarg;
			break;
		case 't':
			fmt = KM_OUT_TSV;
			break;
		case 'T':
			r.temp = 1;
			break;
		case 'V':
			cli_version();
		default:
			cli_usage(synopsis);
		}
	}
	argc -= optind;
	argv += optind;

	cli_open(&c, cfgpath, KM_ROLE_CLERK | KM_ROLE_ADMIN, KM_DB_RDWR);
	km_out_init(&c.out, stdout, fmt);
	r.c = &c;
	if (km_db_begin(c.db, &e) == -1)
		cli_die(&c, &e);
	if ((n = cli_each(argc, argv, one, &r)) == -1) {
		km_errf(&e, KM_ESYS, "read from stdin failed");
		cli_die(&c, &e);
	}
	if (r.nbad > 0 && !keep) {
		km_db_rollback(c.db);
		fprintf(stderr, "%s: %lu of %ld cards refused: nothing "
		    "changed\n", cli_progname(), r.nbad, n);
		free(r.done);
		return cli_close(&c, km_exitcode(r.worst));
	}
	if (km_db_commit(c.db, &e) == -1)
		cli_die(&c, &e);
	cli_publish(&c);
	for (i = 0; i < r.ndone; i++) {
		km_out_begin(&c.out);
		km_out_str(&c.out, "number", r.done[i].old.number);
		km_out_str(&c.out, "state",
		    km_state_name(r.done[i].old.state));
		km_out_str(&c.out, "new", r.done[i].neu.number);
		km_out_str(&c.out, "temporary", r.done[i].temp.number[0] ?
		    r.done[i].temp.number : NULL);
		km_out_str(&c.out, "temporary_expires",
		    r.done[i].temp.number[0] == '\0' ? NULL :
		    fmt == KM_OUT_HUMAN ?
		    km_time_local(r.done[i].temp.expires_at, buf) :
		    km_time_iso(r.done[i].temp.expires_at, buf));
		km_out_end(&c.out);
	}
	if (r.nbad > 0)
		fprintf(stderr, "%s: %lu of %ld cards refused, %zu replaced\n",
		    cli_progname(), r.nbad, n, r.ndone);
	free(r.done);
	return cli_close(&c, km_exitcode(r.worst));
}
