/*
 * kmdb-init -- create the store, or bring it to the schema these programs
 * need.  See kmdb-init(1).
 */
#include <stdio.h>
#include <unistd.h>

#include "cli.h"

static const char synopsis[] = "[-v] [-c config]";

int
main(int argc, char *argv[])
{
	struct cli c;
	struct km_err e;
	const char *cfgpath = NULL;
	char detail[64];
	int ch, verbose = 0, from, to;

	cli_init(argc, argv);
	while ((ch = getopt(argc, argv, "c:hvV")) != -1) {
		switch (ch) {
		case 'c':
			cfgpath = optarg;
			break;
		case 'h':
			cli_help(synopsis);
		case 'v':
			verbose = 1;
			break;
		case 'V':
			cli_version();
		default:
			cli_usage(synopsis);
		}
	}
	if (optind != argc)
		cli_usage(synopsis);

	cli_open(&c, cfgpath, KM_ROLE_ADMIN, KM_DB_CREATE);
	if (km_db_migrate(c.db, &from, &to, &e) == -1)
		cli_die(&c, &e);
	if (from != to) {
		snprintf(detail, sizeof(detail), "schema %d -> %d", from, to);
		if (km_db_begin(c.db, &e) == -1 ||
		    km_audit(c.db, "store.migrate", c.cfg->store.path, detail,
		    &e) == -1 || km_db_commit(c.db, &e) == -1)
			cli_die(&c, &e);
	}
	if (verbose)
		fprintf(stderr, "%s: store '%s' at schema version %d%s\n",
		    cli_progname(), c.cfg->store.path, to,
		    from == to ? " already" : "");
	return cli_close(&c, 0);
}
