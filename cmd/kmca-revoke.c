/*
 * kmca-revoke -- revokes certificates by serial, puts them on hold or
 * releases them, outside the card lifecycle (a key compromised, a
 * responder retired).  See kmca-revoke(1).
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static const char synopsis[] =
    "[-jkt] [-c config] [-r reason | -u] [serial ...]";

struct run {
	struct cli	*c;
	int		 reason;
	int		 keep;
	struct km_certstat *done;
	size_t		 ndone, cap;
	unsigned long	 nbad;
	enum km_errclass worst;
};

static int
one(const char *key, const char *where, void *arg)
{
	struct run *r = arg;
	struct km_certstat s;
	struct km_err e;

	cli_key_begin(r->c);
	if (km_ca_revoke(r->c->db, key, r->reason, &e) == -1 ||
	    km_ca_status(r->c->db, key, &s, &e) != 1) {
		cli_key_end(r->c, where, &e, &r->nbad, &r->worst);
		return 0;
	}
	cli_key_end(r->c, where, NULL, &r->nbad, &r->worst);
	cli_append(r->c, &r->done, &r->ndone, &r->cap, &s, sizeof(s));
	return 0;
}

int
main(int argc, char *argv[])
{
	struct cli c;
	struct km_err e;
	struct run r;
	enum km_outfmt fmt = KM_OUT_HUMAN;
	const char *cfgpath = NULL, *reason = NULL;
	const struct km_certstat *s;
	long n;
	size_t i;
	int ch, release = 0;

	cli_init(argc, argv);
	memset(&r, 0, sizeof(r));
	while ((ch = getopt(argc, argv, "c:hjkr:tuV")) != -1) {
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
			r.keep = 1;
			break;
		case 'r':
			reason = optarg;
			break;
		case 't':
			fmt = KM_OUT_TSV;
			break;
		case 'u':
			release = 1;
			break;
		case 'V':
			cli_version();
		default:
			cli_usage(synopsis);
		}
	}
	argc -= optind;
	argv += optind;
	if (release && reason != NULL)
		cli_usage(synopsis);
	r.reason = release ? KM_RS_REMOVE : reason == NULL ?
	    KM_RS_UNSPECIFIED : km_reason_parse(reason);
	if (r.reason == -1 || (!release && r.reason == KM_RS_REMOVE)) {
		km_errf(&e, KM_EUSAGE, "unknown reason '%s' (keyCompromise, "
		    "superseded, cessationOfOperation, certificateHold, ...)",
		    reason);
		cli_error(&e);
		cli_usage(synopsis);
	}

	cli_open(&c, cfgpath, KM_ROLE_ADMIN, KM_DB_RDWR);
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
		fprintf(stderr, "%s: %lu of %ld certificates refused: nothing "
		    "changed\n", cli_progname(), r.nbad, n);
		free(r.done);
		return cli_close(&c, km_exitcode(r.worst));
	}
	if (km_db_commit(c.db, &e) == -1)
		cli_die(&c, &e);
	cli_publish(&c);
	for (i = 0; i < r.ndone; i++) {
		s = &r.done[i];
		km_out_begin(&c.out);
		km_out_str(&c.out, "serial", s->serial);
		km_out_str(&c.out, "status", s->status == KM_OCSP_GOOD ?
		    "good" : s->hold ? "hold" : "revoked");
		km_out_str(&c.out, "reason", s->status == KM_OCSP_GOOD ? NULL :
		    km_reason_name(s->reason));
		km_out_str(&c.out, "profile", s->profile);
		km_out_str(&c.out, "subject", s->subject);
		km_out_end(&c.out);
	}
	if (r.nbad > 0)
		fprintf(stderr, "%s: %lu of %ld certificates refused, %zu "
		    "changed\n", cli_progname(), r.nbad, n, r.ndone);
	free(r.done);
	return cli_close(&c, km_exitcode(r.worst));
}
