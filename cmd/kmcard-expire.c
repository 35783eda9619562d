/*
 * kmcard-expire -- the cron job that expires the cards whose validity has
 * ended.  See kmcard-expire(1).
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static const char synopsis[] = "[-fjt] [-c config] [-d date]";

int
main(int argc, char *argv[])
{
	struct cli c;
	struct km_err e;
	struct km_card card;
	enum km_outfmt fmt = KM_OUT_HUMAN;
	const char *cfgpath = NULL, *date = NULL;
	long long *ids;
	char buf[KM_TIME_BUFSZ];
	time_t t, day;
	size_t n, i;
	int ch, y, m, d, force = 0;

	cli_init(argc, argv);
	while ((ch = getopt(argc, argv, "c:d:fhjtV")) != -1) {
		switch (ch) {
		case 'c':
			cfgpath = optarg;
			break;
		case 'd':
			date = optarg;
			break;
		case 'f':
			force = 1;
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

	cli_open(&c, cfgpath, KM_ROLE_CRON | KM_ROLE_ADMIN, KM_DB_RDWR);
	km_out_init(&c.out, stdout, fmt);
	t = km_db_now(c.db);
	if (date != NULL) {
		/* The start of that business day in Warsaw. */
		if (km_date_parse(date, &day, &e) == -1) {
			km_errpre(&e, "-d '%s'", date);
			e.eclass = KM_EUSAGE;
			cli_die(&c, &e);
		}
		km_time_bday(day, buf);
		if (sscanf(buf, "%d-%d-%d", &y, &m, &d) != 3) {
			km_errf(&e, KM_ESYS, "-d '%s': cannot convert", date);
			cli_die(&c, &e);
		}
		t = km_time_bday_start(y, m, d);
		if (t > km_db_now(c.db) && !force) {
			km_errf(&e, KM_EDATA, "-d '%s': in the future: cards "
			    "would expire early (force with -f)", date);
			cli_die(&c, &e);
		}
	}
	if (km_db_begin(c.db, &e) == -1 ||
	    km_card_due(c.db, t, &ids, &n, &e) == -1)
		cli_die(&c, &e);
	for (i = 0; i < n; i++) {
		if (km_card_get(c.db, ids[i], &card, &e) == -1 ||
		    km_life_apply(c.db, c.cfg, &card, KM_EV_EXPIRE,
		    "validity ended", NULL, &e) == -1)
			cli_die(&c, &e);
		ids[i] = card.id;
	}
	if (km_db_commit(c.db, &e) == -1)
		cli_die(&c, &e);
	cli_publish(&c);
	for (i = 0; i < n; i++) {
		if (km_card_get(c.db, ids[i], &card, &e) == -1)
			cli_die(&c, &e);
		km_out_begin(&c.out);
		km_out_str(&c.out, "number", card.number);
		km_out_str(&c.out, "state", km_state_name(card.state));
		km_out_str(&c.out, "expires", fmt == KM_OUT_HUMAN ?
		    km_time_local(card.expires_at, buf) :
		    km_time_iso(card.expires_at, buf));
		km_out_end(&c.out);
	}
	fprintf(stderr, "%s: %zu card%s expired\n", cli_progname(), n,
	    n == 1 ? "" : "s");
	free(ids);
	return cli_close(&c, 0);
}
