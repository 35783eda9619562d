/*
 * life.c -- the one main behind the programs that move cards along their
 * lifecycle: kmcard-activate, kmcard-suspend, kmcard-resume, kmcard-block
 * and kmcard-revoke.  Each names its event; the rules are the library's
 * (lib/life.c).  Cards come as operands or one a line on stdin; the whole
 * list is one transaction, so one bad card changes nothing unless -k asks
 * to keep the good ones.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static const struct {
	const char	*synopsis;
	unsigned	 roles;
	int		 need_reason;
} prog[KM_NEVS] = {
	[KM_EV_ACTIVATE] = {
		"[-jkt] [-c config] [-n note] [card ...]",
		KM_ROLE_CLERK | KM_ROLE_ADMIN, 0 },
	[KM_EV_SUSPEND] = {
		"[-jkt] [-c config] [-n note] [-r reason] [card ...]",
		KM_ROLE_CLERK | KM_ROLE_HELPDESK | KM_ROLE_ADMIN, 0 },
	[KM_EV_RESUME] = {
		"[-jkt] [-c config] [-n note] [-r reason] [card ...]",
		KM_ROLE_CLERK | KM_ROLE_HELPDESK | KM_ROLE_ADMIN, 0 },
	[KM_EV_BLOCK] = {
		"[-jkt] [-c config] [-n note] -r reason [card ...]",
		KM_ROLE_CLERK | KM_ROLE_HELPDESK | KM_ROLE_ADMIN, 1 },
	[KM_EV_REVOKE] = {
		"[-jkt] [-c config] [-n note] -r reason [card ...]",
		KM_ROLE_CLERK | KM_ROLE_ADMIN, 1 },
};

struct run {
	struct cli	*c;
	int		 ev;
	int		 keep;
	const char	*reason;
	const char	*note;
	struct km_card	*done;
	size_t		 ndone, cap;
	unsigned long	 nbad;
	enum km_errclass worst;
};

static int
one(const char *key, const char *where, void *arg)
{
	struct run *r = arg;
	struct km_card card;
	struct km_err e;

	cli_key_begin(r->c);
	if (km_card_by_number(r->c->db, key, &card, &e) == -1 ||
	    km_life_apply(r->c->db, r->c->cfg, &card, r->ev, r->reason,
	    r->note, &e) == -1) {
		cli_key_end(r->c, where, &e, &r->nbad, &r->worst);
		return 0;
	}
	cli_key_end(r->c, where, NULL, &r->nbad, &r->worst);
	cli_append(r->c, &r->done, &r->ndone, &r->cap, &card, sizeof(card));
	return 0;
}

int
cli_life_main(int argc, char *argv[], int ev)
{
	struct cli c;
	struct run r;
	struct km_err e;
	enum km_outfmt fmt = KM_OUT_HUMAN;
	const char *cfgpath = NULL;
	long n;
	size_t i;
	int ch;

	cli_init(argc, argv);
	memset(&r, 0, sizeof(r));
	r.ev = ev;
	while ((ch = getopt(argc, argv, ev == KM_EV_ACTIVATE ?
	    "c:hjkn:tV" : "c:hjkn:r:tV")) != -1) {
		switch (ch) {
		case 'c':
			cfgpath = optarg;
			break;
		case 'h':
			cli_help(prog[ev].synopsis);
		case 'j':
			fmt = KM_OUT_JSON;
			break;
		case 'k':
			r.keep = 1;
			break;
		case 'n':
			r.note = optarg;
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
			cli_usage(prog[ev].synopsis);
		}
	}
	argc -= optind;
	argv += optind;
	if (prog[ev].need_reason && r.reason == NULL)
		cli_usage(prog[ev].synopsis);

	cli_open(&c, cfgpath, prog[ev].roles, KM_DB_RDWR);
	r.c = &c;
	km_out_init(&c.out, stdout, fmt);
	if (km_db_begin(c.db, &e) == -1)
		cli_die(&c, &e);
	if ((n = cli_each(argc, argv, one, &r)) == -1) {
		km_errf(&e, KM_ESYS, "read from stdin failed");
		cli_die(&c, &e);
	}
	if (r.nbad > 0 && !r.keep) {
		km_db_rollback(c.db);
		cli_progress_end();
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
		km_out_str(&c.out, "number", r.done[i].number);
		km_out_str(&c.out, "state", km_state_name(r.done[i].state));
		km_out_str(&c.out, "reason", r.done[i].reason[0] ?
		    r.done[i].reason : NULL);
		km_out_bool(&c.out, "hotlisted", r.done[i].listed);
		km_out_end(&c.out);
	}
	if (r.nbad > 0)
		fprintf(stderr, "%s: %lu of %ld cards refused, %zu changed\n",
		    cli_progname(), r.nbad, n, r.ndone);
	free(r.done);
	return cli_close(&c, km_exitcode(r.worst));
}
