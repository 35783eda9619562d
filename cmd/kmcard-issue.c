/*
 * kmcard-issue -- register holders and order their cards: one application
 * from field=value operands, or a campaign's CSV on stdin, one application
 * a row.  See kmcard-issue(1).
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static const char synopsis[] = "[-jkt] [-c config] [field=value ...]";

struct issued {
	struct km_card	card;
	size_t		line;
};

static struct issued *out;
static size_t nout, capout;

static void
keep(struct cli *c, const struct km_card *card, size_t line)
{
	struct issued *n;
	struct km_err e;

	if (nout == capout) {
		capout = capout ? capout * 2 : 64;
		if ((n = realloc(out, capout * sizeof(*n))) == NULL) {
			km_errf(&e, KM_ESYS, "out of memory");
			cli_die(c, &e);
		}
		out = n;
	}
	out[nout].card = *card;
	out[nout].line = line;
	nout++;
}

/* Checks and issues one application inside its own savepoint. */
static int
issue(struct cli *c, struct km_app *a, struct km_card *card,
    struct km_err *e)
{
	if (km_app_check(a, c->cfg, e) == -1)
		return -1;
	if (km_db_savepoint(c->db, e) == -1)
		cli_die(c, e);
	if (km_card_issue(c->db, c->cfg, a, card, e) == -1) {
		km_db_rollback_to(c->db);
		if (e->eclass == KM_ETEMP || e->eclass == KM_ESYS)
			cli_die(c, e);
		return -1;
	}
	if (km_db_release(c->db, e) == -1)
		cli_die(c, e);
	return 0;
}

static int
from_operands(struct cli *c, int argc, char *argv[])
{
	struct km_app a;
	struct km_card card;
	struct km_err e;
	char *eq;
	int i;

	km_app_init(&a);
	for (i = 0; i < argc; i++) {
		if ((eq = strchr(argv[i], '=')) == NULL) {
			km_errf(&e, KM_EUSAGE, "argument %d: not field=value",
			    i + 1);
			cli_error(&e);
			cli_usage(synopsis);
		}
		*eq = '\0';
		if (km_app_set(&a, argv[i], eq + 1, &e) == -1) {
			km_errpre(&e, "argument %d", i + 1);
			cli_die(c, &e);
		}
	}
	if (issue(c, &a, &card, &e) == -1)
		cli_die(c, &e);
	keep(c, &card, 0);
	return 0;
}

/* Returns the number of bad rows; dies on a header or read error. */
static unsigned long
from_csv(struct cli *c, unsigned long *nrows)
{
	struct km_csv csv;
	struct km_app a;
	struct km_card card;
	struct km_err e;
	char *hdr[KM_CSV_MAXFIELDS];
	size_t nhdr, i, j;
	unsigned long bad = 0;
	int rc;

	*nrows = 0;
	km_csv_init(&csv, stdin);
	csv.name = "<stdin>";
	if ((rc = km_csv_next(&csv, &e)) == -1)
		cli_die(c, &e);
	if (rc == 0) {
		km_errf(&e, KM_EDATA, "<stdin>: no header line");
		cli_die(c, &e);
	}
	nhdr = csv.nfield;
	km_app_init(&a);
	for (i = 0; i < nhdr; i++) {
		if ((hdr[i] = strdup(csv.field[i])) == NULL) {
			km_errf(&e, KM_ESYS, "out of memory");
			cli_die(c, &e);
		}
		for (j = 0; j < i; j++)
			if (strcmp(hdr[i], hdr[j]) == 0) {
				km_errf(&e, KM_EDATA, "<stdin>:%zu: column "
				    "'%s' twice", csv.recline, hdr[i]);
				cli_die(c, &e);
			}
		if (km_app_set(&a, hdr[i], "", &e) == -1) {
			km_errf(&e, KM_EDATA, "<stdin>:%zu: unknown column "
			    "'%s'", csv.recline, hdr[i]);
			cli_die(c, &e);
		}
	}
	for (;;) {
		if ((rc = km_csv_next(&csv, &e)) == 0)
			break;
		(*nrows)++;
		if (rc == -1) {
			/* A malformed row: reported, and the reader reads on. */
			if (e.eclass != KM_EDATA)
				cli_die(c, &e);
			cli_error(&e);
			bad++;
			continue;
		}
		km_app_init(&a);
		if (csv.nfield != nhdr) {
			km_errf(&e, KM_EDATA, "%zu fields, the header has %zu",
			    csv.nfield, nhdr);
			goto bad;
		}
		for (i = 0; i < nhdr; i++)
			if (km_app_set(&a, hdr[i], csv.field[i], &e) == -1)
				goto bad;
		if (issue(c, &a, &card, &e) == -1)
			goto bad;
		keep(c, &card, csv.recline);
		if (*nrows % 256 == 0)
			cli_progress(*nrows, "applications");
		continue;
bad:
		km_errpre(&e, "<stdin>:%zu", csv.recline);
		cli_error(&e);
		bad++;
	}
	for (i = 0; i < nhdr; i++)
		free(hdr[i]);
	km_csv_free(&csv);
	return bad;
}

int
main(int argc, char *argv[])
{
	struct cli c;
	struct km_err e;
	enum km_outfmt fmt = KM_OUT_HUMAN;
	const char *cfgpath = NULL;
	unsigned long bad = 0, nrows = 0;
	char buf[KM_TIME_BUFSZ];
	int ch, keepgood = 0;
	size_t i;

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
			keepgood = 1;
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

	cli_open(&c, cfgpath, KM_ROLE_CLERK | KM_ROLE_ADMIN, KM_DB_RDWR);
	km_out_init(&c.out, stdout, fmt);
	if (km_db_begin(c.db, &e) == -1)
		cli_die(&c, &e);
	if (argc > 0)
		from_operands(&c, argc, argv);
	else
		bad = from_csv(&c, &nrows);
	if (bad > 0 && !keepgood) {
		km_db_rollback(c.db);
		cli_progress_end();
		fprintf(stderr, "%s: %lu of %lu applications refused: nothing "
		    "written\n", cli_progname(), bad, nrows);
		free(out);
		return cli_close(&c, km_exitcode(KM_EDATA));
	}
	if (km_db_commit(c.db, &e) == -1)
		cli_die(&c, &e);
	for (i = 0; i < nout; i++) {
		km_out_begin(&c.out);
		km_out_str(&c.out, "number", out[i].card.number);
		km_out_str(&c.out, "type", km_card_type_name(out[i].card.type));
		km_out_str(&c.out, "state",
		    km_state_name(out[i].card.state));
		km_out_int(&c.out, "holder_id", out[i].card.holder_id);
		km_out_str(&c.out, "expires", fmt == KM_OUT_HUMAN ?
		    km_time_local(out[i].card.expires_at, buf) :
		    km_time_iso(out[i].card.expires_at, buf));
		if (out[i].line > 0)
			km_out_int(&c.out, "line", (long long)out[i].line);
		km_out_end(&c.out);
	}
	if (argc == 0)
		fprintf(stderr, "%s: %lu applications, %zu cards ordered%s\n",
		    cli_progname(), nrows, nout, bad ? ", the rest refused" :
		    "");
	free(out);
	return cli_close(&c, bad > 0 ? km_exitcode(KM_EDATA) : 0);
}
