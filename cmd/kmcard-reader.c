/*
 * kmcard-reader -- the smart card readers PC/SC knows and the cards in
 * them; waiting for a card to be put in or taken out.  For admins and for
 * scripts (km-pcscd waits with it).  It needs no configuration and no
 * store.  See kmcard-reader(1).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static const char synopsis[] =
    "[-jt] [-r reader]\n"
    "-w [-jt] [-r reader] [-T seconds]\n"
    "-W [-r reader] [-T seconds]";

#define MAX_SECONDS	86400L

static void
print_reader(struct km_out *out, const struct km_reader *r)
{
	char atr[2 * KM_ATRSZ + 1];
	size_t i;

	for (i = 0; i < r->atrlen; i++)
		snprintf(atr + 2 * i, 3, "%02X", r->atr[i]);
	atr[2 * r->atrlen] = '\0';
	km_out_begin(out);
	km_out_str(out, "reader", r->name);
	km_out_str(out, "state", km_reader_state_name(r->state));
	km_out_str(out, "atr", r->atrlen > 0 ? atr : NULL);
	km_out_end(out);
}

static void __dead
die(struct km_pcsc *p, const struct km_err *e)
{
	km_pcsc_close(p);
	cli_die(NULL, e);
}

int
main(int argc, char *argv[])
{
	struct km_pcsc *p = NULL;
	struct km_reader *rs = NULL, r;
	struct km_out out;
	struct km_err e;
	enum km_outfmt fmt = KM_OUT_HUMAN;
	const char *reader = NULL, *tstr = NULL;
	char *end;
	long secs = -1;
	size_t n, i;
	int ch, wait = 0, rc = 0, fmtset = 0;

	cli_init(argc, argv);
	while ((ch = getopt(argc, argv, "hjr:T:tVwW")) != -1) {
		switch (ch) {
		case 'h':
			cli_help(synopsis);
		case 'j':
			fmt = KM_OUT_JSON;
			fmtset = 1;
			break;
		case 'r':
			reader = optarg;
			break;
		case 'T':
			tstr = optarg;
			break;
		case 't':
			fmt = KM_OUT_TSV;
			fmtset = 1;
			break;
		case 'V':
			cli_version();
		case 'w':
		case 'W':
			if (wait != 0 && wait != ch)
				cli_usage(synopsis);
			wait = ch;
			break;
		default:
			cli_usage(synopsis);
		}
	}
	if (optind != argc || (tstr != NULL && wait == 0) ||
	    (wait == 'W' && fmtset))
		cli_usage(synopsis);
	if (tstr != NULL) {
		errno = 0;
		secs = strtol(tstr, &end, 10);
		if (errno != 0 || end == tstr || *end != '\0' || secs < 0 ||
		    secs > MAX_SECONDS) {
			km_errf(&e, KM_EUSAGE, "-T '%s': not a number of "
			    "seconds (0 to %ld)", tstr, MAX_SECONDS);
			cli_die(NULL, &e);
		}
	}
	if (reader != NULL && *reader == '\0') {
		km_errf(&e, KM_EUSAGE, "-r '': no reader named");
		cli_die(NULL, &e);
	}

	km_out_init(&out, stdout, fmt);
	if (km_pcsc_open(&p, &e) == -1)
		die(p, &e);
	if (wait != 0) {
		switch (km_pcsc_wait(p, reader, wait == 'w',
		    secs < 0 ? -1 : secs * 1000, &r, &e)) {
		case -1:
			die(p, &e);
		case 1:
			if (wait == 'w')
				print_reader(&out, &r);
			break;
		default:
			rc = km_exitcode(KM_ENOTFOUND);
			if (wait == 'w' && reader != NULL)
				fprintf(stderr, "%s: no card in reader '%s' "
				    "after %ld s\n", cli_progname(), reader,
				    secs);
			else if (wait == 'w')
				fprintf(stderr, "%s: no card in any reader "
				    "after %ld s\n", cli_progname(), secs);
			else if (reader != NULL)
				fprintf(stderr, "%s: reader '%s' still holds a "
				    "card after %ld s\n", cli_progname(),
				    reader, secs);
			else
				fprintf(stderr, "%s: a reader still holds a "
				    "card after %ld s\n", cli_progname(), secs);
			break;
		}
	} else if (reader != NULL) {
		if (km_pcsc_reader(p, reader, &r, &e) == -1)
			die(p, &e);
		print_reader(&out, &r);
	} else {
		if (km_pcsc_readers(p, &rs, &n, &e) == -1)
			die(p, &e);
		for (i = 0; i < n; i++)
			print_reader(&out, &rs[i]);
		free(rs);
	}
	km_pcsc_close(p);
	if (fflush(stdout) == EOF || ferror(stdout)) {
		km_errf(&e, KM_ESYS, "write to stdout: %s", strerror(errno));
		cli_die(NULL, &e);
	}
	return rc;
}
