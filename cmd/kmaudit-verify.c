/*
 * kmaudit-verify -- walk the audit chain and name the first row that does
 * not verify.  See kmaudit-verify(1).
 */
#include <unistd.h>

#include "cli.h"

static const char synopsis[] = "[-jt] [-c config]";

int
main(int argc, char *argv[])
{
	struct cli c;
	struct km_err e;
	enum km_outfmt fmt = KM_OUT_HUMAN;
	const char *cfgpath = NULL;
	long long rows, bad;
	int ch, rv;

	cli_init(argc, argv);
	while ((ch = getopt(argc, argv, "c:hjtV")) != -1) {
		switch (ch) {
		case 'c':
			cfgpath = optarg;
			break;
		case 'h':
			cli_help(synopsis);
		case 'j':
			fmt = KM_OUT_JSON;
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

	cli_open(&c, cfgpath, KM_ROLE_ADMIN | KM_ROLE_AUDITOR | KM_ROLE_CRON,
	    KM_DB_RDONLY);
	km_out_init(&c.out, stdout, fmt);
	if ((rv = km_audit_verify(c.db, &rows, &bad, &e)) == -1)
		cli_die(&c, &e);
	km_out_begin(&c.out);
	km_out_bool(&c.out, "ok", rv == 0);
	km_out_int(&c.out, "rows", rows);
	if (rv == 1)
		km_out_int(&c.out, "bad", bad);
	else
		km_out_str(&c.out, "bad", NULL);
	km_out_end(&c.out);
	if (rv == 1) {
		cli_error(&e);
		return cli_close(&c, km_exitcode(KM_ENOTFOUND));
	}
	return cli_close(&c, 0);
}
