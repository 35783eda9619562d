/*
 * kmca-init -- creates the city's CA: the root, the issuing CA and the
 * OCSP responder's certificate.  See kmca-init(1).
 */
#include <stdlib.h>
#include <unistd.h>

#include "cli.h"

static const char synopsis[] = "[-jt] [-c config]";

int
main(int argc, char *argv[])
{
	struct cli c;
	struct km_err e;
	struct km_ca_made m;
	enum km_outfmt fmt = KM_OUT_HUMAN;
	const char *cfgpath = NULL;
	int ch;

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

	cli_open(&c, cfgpath, KM_ROLE_ADMIN, KM_DB_RDWR);
	km_out_init(&c.out, stdout, fmt);
	if (km_db_begin(c.db, &e) == -1)
		cli_die(&c, &e);
	if (km_ca_init(c.db, c.cfg, &m, &e) == -1) {
		km_db_rollback(c.db);
		cli_die(&c, &e);
	}
	if (km_db_commit(c.db, &e) == -1)
		cli_die(&c, &e);
	km_out_begin(&c.out);
	km_out_str(&c.out, "root", m.root_serial);
	km_out_str(&c.out, "issuing", m.issuing_serial);
	km_out_str(&c.out, "ocsp", m.ocsp_serial);
	km_out_str(&c.out, "key_type", m.key_type);
	km_out_bool(&c.out, "hsm", m.hsm);
	km_out_str(&c.out, "dir", c.cfg->ca.dir);
	km_out_str(&c.out, "root_subject", m.root_subject);
	km_out_str(&c.out, "issuing_subject", m.issuing_subject);
	km_out_end(&c.out);
	return cli_close(&c, 0);
}
