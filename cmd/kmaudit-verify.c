/*
 * kmaudit-verify -- walk the audit chain and name the first row that does
 * not verify.  See kmaudit-verify(1).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static const char synopsis[] = "[-jt] [-a seq:hash] [-c config]";

/* "seq:hash" with seq from 1 and hash 64 lower-case hex digits. */
static int
anchor_parse(const char *s, long long *seq, char hash[65])
{
	char *end;

	errno = 0;
	*seq = strtoll(s, &end, 10);
	if (errno != 0 || end == s || *seq < 1 || *end != ':' ||
	    strlen(end + 1) != 64 ||
	    strspn(end + 1, "0123456789abcdef") != 64)
		return -1;
	memcpy(hash, end + 1, 65);
	return 0;
}

int
main(int argc, char *argv[])
{
	struct cli c;
	struct km_err e;
	enum km_outfmt fmt = KM_OUT_HUMAN;
	const char *cfgpath = NULL;
	long long rows, bad, aseq = 0;
	char ahash[65], hash[65], khash[65];
	int ch, rv;

	cli_init(argc, argv);
	while ((ch = getopt(argc, argv, "a:c:hjtV")) != -1) {
		switch (ch) {
		case 'a':
			if (anchor_parse(optarg, &aseq, ahash) == -1) {
				fprintf(stderr, "%s: -a '%s': not seq:hash\n",
				    cli_progname(), optarg);
				cli_usage(synopsis);
			}
			break;
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
	hash[0] = '\0';
	if (rv == 0 && rows > 0 && km_audit_hash(c.db, rows, hash, &e) == -1)
		cli_die(&c, &e);
	/* The anchor an auditor kept: that row must be there, unchanged. */
	if (rv == 0 && aseq > 0) {
		if (aseq > rows) {
			km_errf(&e, KM_ENOTFOUND, "the chain ends at row %lld, "
			    "before the anchor row %lld: rows were removed",
			    rows, aseq);
			rv = 1;
			bad = rows + 1;
		} else if (km_audit_hash(c.db, aseq, khash, &e) == -1) {
			cli_die(&c, &e);
		} else if (strcmp(khash, ahash) != 0) {
			km_errf(&e, KM_ENOTFOUND, "audit row %lld does not "
			    "match the anchor: the chain was rewritten", aseq);
			rv = 1;
			bad = aseq;
		}
	}
	km_out_begin(&c.out);
	km_out_bool(&c.out, "ok", rv == 0);
	km_out_int(&c.out, "rows", rows);
	if (rv == 1)
		km_out_int(&c.out, "bad", bad);
	else
		km_out_str(&c.out, "bad", NULL);
	km_out_str(&c.out, "hash", rv == 0 && hash[0] ? hash : NULL);
	km_out_end(&c.out);
	if (rv == 1) {
		cli_error(&e);
		return cli_close(&c, km_exitcode(KM_ENOTFOUND));
	}
	return cli_close(&c, 0);
}
