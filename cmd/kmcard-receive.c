/*
 * kmcard-receive -- record the cards that come back from the card bureau
 * personalised: each card number with the UID of the chip it was made on.
 * See kmcard-receive(1).
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static const char synopsis[] = "[-jkt] [-c config] [card uid ...]";

struct run {
	struct cli	*c;
	struct km_card	*done;
	size_t		 ndone, cap;
	unsigned long	 nbad, n;
	enum km_errclass worst;
};

static void
receive(struct run *r, const char *num, const char *uid, const char *where,
    const char *uidwhere)
{
	struct km_card card;
	struct km_err e;
	char norm[KM_UIDSZ];

	r->n++;
	if (km_uid_check(uid, norm, &e) == -1) {
		km_errpre(&e, "%s", uidwhere);
		cli_error(&e);
		r->worst = cli_worse(r->worst, e.eclass);
		r->nbad++;
		return;
	}
	cli_key_begin(r->c);
	if (km_card_by_number(r->c->db, num, &card, &e) == -1 ||
	    km_card_bind(r->c->db, &card, uid, &e) == -1 ||
	    km_life_apply(r->c->db, r->c->cfg, &card, KM_EV_PERSONALISE, NULL,
	    "received from the card bureau", &e) == -1) {
		cli_key_end(r->c, where, &e, &r->nbad, &r->worst);
		return;
	}
	cli_key_end(r->c, where, NULL, &r->nbad, &r->worst);
	cli_append(r->c, &r->done, &r->ndone, &r->cap, &card, sizeof(card));
}

/* A line of stdin: "card uid", "card,uid" or "card;uid". */
static int
line(const char *s, const char *where, void *arg)
{
	struct run *r = arg;
	struct km_err e;
	char num[64], uid[64];
	size_t n;

	n = strcspn(s, " \t,;");
	if (n == 0 || n >= sizeof(num) || s[n] == '\0') {
		km_errf(&e, KM_EDATA, "%s: not a card number and a chip uid",
		    where);
		cli_error(&e);
		r->worst = cli_worse(r->worst, KM_EDATA);
		r->nbad++;
		r->n++;
		return 0;
	}
	memcpy(num, s, n);
	num[n] = '\0';
	s += n;
	s += strspn(s, " \t,;");
	snprintf(uid, sizeof(uid), "%s", s);
	receive(r, num, uid, where, where);
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
	char where[32], uidwhere[32];
	int ch, keep = 0, i;
	size_t k;

	cli_init(argc, argv);
	while ((ch = getopt(argc, argv, "c:hjktV")) != -1) {
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
	if (argc % 2 != 0)
		cli_usage(synopsis);

	cli_open(&c, cfgpath, KM_ROLE_CLERK | KM_ROLE_ADMIN, KM_DB_RDWR);
	km_out_init(&c.out, stdout, fmt);
	memset(&r, 0, sizeof(r));
	r.c = &c;
	if (km_db_begin(c.db, &e) == -1)
		cli_die(&c, &e);
	if (argc > 0) {
		for (i = 0; i < argc; i += 2) {
			snprintf(where, sizeof(where), "argument %d", i + 1);
			snprintf(uidwhere, sizeof(uidwhere), "argument %d",
			    i + 2);
			receive(&r, argv[i], argv[i + 1], where, uidwhere);
		}
	} else if (cli_each(0, NULL, line, &r) == -1) {
		km_errf(&e, KM_ESYS, "read from stdin failed");
		cli_die(&c, &e);
	}
	if (r.nbad > 0 && !keep) {
		km_db_rollback(c.db);
		fprintf(stderr, "%s: %lu of %lu cards refused: nothing "
		    "changed\n", cli_progname(), r.nbad, r.n);
		free(r.done);
		return cli_close(&c, km_exitcode(r.worst));
	}
	if (km_db_commit(c.db, &e) == -1)
		cli_die(&c, &e);
	for (k = 0; k < r.ndone; k++) {
		km_out_begin(&c.out);
		km_out_str(&c.out, "number", r.done[k].number);
		km_out_str(&c.out, "state", km_state_name(r.done[k].state));
		km_out_str(&c.out, "chip_uid", r.done[k].chip_uid);
		km_out_end(&c.out);
	}
	if (r.nbad > 0)
		fprintf(stderr, "%s: %lu of %lu cards refused, %zu received\n",
		    cli_progname(), r.nbad, r.n, r.ndone);
	free(r.done);
	return cli_close(&c, km_exitcode(r.worst));
}
