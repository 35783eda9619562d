/*
 * kmca-crl -- writes a new numbered CRL of the issuing CA (and of the
 * root with -r): for cron, and after revocations whose program could not
 * open the issuing key.  See kmca-crl(1).
 */
#include <stdlib.h>
#include <unistd.h>

#include "cli.h"

static const char synopsis[] = "[-djrt] [-c config]";

static void
record(struct cli *c, const char *ca, int written, long long number,
    size_t entries)
{
	km_out_begin(&c->out);
	km_out_str(&c->out, "ca", ca);
	km_out_bool(&c->out, "written", written);
	if (written) {
		km_out_int(&c->out, "number", number);
		km_out_int(&c->out, "entries", (long long)entries);
	} else if (c->out.fmt != KM_OUT_HUMAN) {
		km_out_str(&c->out, "number", NULL);
		km_out_str(&c->out, "entries", NULL);
	}
	km_out_end(&c->out);
}

int
main(int argc, char *argv[])
{
	struct cli c;
	struct km_err e;
	struct km_ca *ca;
	enum km_outfmt fmt = KM_OUT_HUMAN;
	const char *cfgpath = NULL;
	long long number;
	size_t entries;
	int ch, due = 0, root = 0, rc;

	cli_init(argc, argv);
	while ((ch = getopt(argc, argv, "c:dhjrtV")) != -1) {
		switch (ch) {
		case 'c':
			cfgpath = optarg;
			break;
		case 'd':
			due = 1;
			break;
		case 'h':
			cli_help(synopsis);
		case 'j':
			fmt = KM_OUT_JSON;
			break;
		case 'r':
			root = 1;
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
	if (optind != argc)
		cli_usage(synopsis);

	cli_open(&c, cfgpath, KM_ROLE_ADMIN | KM_ROLE_CRON, KM_DB_RDWR);
	km_out_init(&c.out, stdout, fmt);
	if (km_ca_open(&ca, c.db, c.cfg, KM_CA_ISSUING_KEY |
	    (root ? KM_CA_ROOT_KEY : 0), &e) == -1)
		cli_die(&c, &e);
	if ((rc = km_ca_crl(ca, 0, due, &number, &entries, &e)) == -1) {
		km_ca_free(ca);
		cli_die(&c, &e);
	}
	record(&c, "issuing", rc, number, entries);
	if (root) {
		if ((rc = km_ca_crl(ca, 1, 0, &number, &entries, &e)) == -1) {
			km_ca_free(ca);
			cli_die(&c, &e);
		}
		record(&c, "root", rc, number, entries);
	}
	km_ca_free(ca);
	return cli_close(&c, 0);
}
