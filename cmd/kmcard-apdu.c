/*
 * kmcard-apdu -- the admins' and developers' raw line to a chip card, as
 * `opensc-tool -s` is: command APDUs written in hexadecimal go to the card
 * exactly as written, one exchange each, and every answer is shown with
 * the meaning of its status word.  Nothing is judged: a refusal is an
 * answer like any other, so a wrong command is a way to test a card.  All
 * the APDUs are checked before the first is sent, and they go in one
 * PC/SC transaction, so that no other program talks to the card between
 * them.  It needs no configuration and no store.  See kmcard-apdu(1); the
 * km application's commands are kmcard-apdu(7).
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static const char synopsis[] = "[-jt] [-r reader] [apdu ...]";

#define QUOTEMAX	48	/* characters of an APDU quoted in messages */

/* One command APDU, as parsed: its bytes and where it was given. */
struct cmd {
	unsigned char	*b;
	size_t		 n;
	char		*where;		/* "argument N" or "<stdin>:N" */
};

struct cmds {
	struct cmd	*v;
	size_t		 n, cap;
	unsigned long	 nbad;
};

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = toupper((unsigned char)c);
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int
sep(int c)
{
	return c == ' ' || c == '\t' || c == ':';
}

/*
 * Reads the APDU s: bytes of two hex digits, with spaces, tabs or ':'
 * allowed between bytes (not inside one).  *b is malloc'd.  A malformed
 * APDU is KM_EDATA.
 */
static int
parse_hex(const char *s, unsigned char **bp, size_t *np, struct km_err *e)
{
	unsigned char *b;
	const char *p;
	size_t n = 0;
	int hi, lo;

	*bp = NULL;
	*np = 0;
	if ((b = malloc(strlen(s) / 2 + 1)) == NULL)
		return km_errf(e, KM_ESYS, "out of memory");
	for (p = s; *p != '\0';) {
		if (sep(*p)) {
			p++;
			continue;
		}
		if ((hi = hexval(p[0])) == -1 ||
		    (p[1] != '\0' && !sep(p[1]) && hexval(p[1]) == -1)) {
			free(b);
			return km_errf(e, KM_EDATA, "'%c' is not a hex digit",
			    hexval(p[0]) == -1 ? p[0] : p[1]);
		}
		if (p[1] == '\0' || sep(p[1])) {
			free(b);
			return km_errf(e, KM_EDATA, "a byte of one hex digit "
			    "(after %zu byte%s)", n, n == 1 ? "" : "s");
		}
		lo = hexval(p[1]);
		b[n++] = (unsigned char)(hi << 4 | lo);
		p += 2;
	}
	if (n == 0) {
		free(b);
		return km_errf(e, KM_EDATA, "no bytes");
	}
	/* vpcd takes a message of one byte for one of its own (power off,
	 * get ATR, ...) and would wait for ever for the card's answer. */
	if (n == 1) {
		free(b);
		return km_errf(e, KM_EDATA, "one byte (a command has at least "
		    "2)");
	}
	if (n > KM_APDU_MAXCMD) {
		free(b);
		return km_errf(e, KM_EDATA, "%zu bytes, more than an APDU "
		    "holds (%d)", n, KM_APDU_MAXCMD);
	}
	*bp = b;
	*np = n;
	return 0;
}

/* cli_each(): parses one APDU and keeps it, or reports it malformed. */
static int
add(const char *s, const char *where, void *arg)
{
	struct cmds *c = arg;
	struct cmd *v;
	struct km_err e;
	unsigned char *b;
	size_t n;

	if (parse_hex(s, &b, &n, &e) == -1) {
		if (e.eclass == KM_ESYS)
			cli_die(NULL, &e);
		/* A long APDU is shown by its start. */
		km_errpre(&e, "%s: APDU '%.*s%s'", where, QUOTEMAX, s,
		    strlen(s) > QUOTEMAX ? "..." : "");
		cli_error(&e);
		c->nbad++;
		return 0;
	}
	if (c->n == c->cap) {
		c->cap = c->cap ? 2 * c->cap : 16;
		if ((v = realloc(c->v, c->cap * sizeof(*v))) == NULL) {
			km_errf(&e, KM_ESYS, "out of memory");
			cli_die(NULL, &e);
		}
		c->v = v;
	}
	c->v[c->n].b = b;
	c->v[c->n].n = n;
	if ((c->v[c->n].where = strdup(where)) == NULL) {
		km_errf(&e, KM_ESYS, "out of memory");
		cli_die(NULL, &e);
	}
	c->n++;
	return 0;
}

static void
freecmds(struct cmds *c)
{
	size_t i;

	for (i = 0; i < c->n; i++) {
		free(c->v[i].b);
		free(c->v[i].where);
	}
	free(c->v);
}

/* Upper-case hex of n bytes into a malloc'd string. */
static char *
tohex(const unsigned char *b, size_t n)
{
	char *s;
	size_t i;

	if ((s = malloc(2 * n + 1)) == NULL)
		return NULL;
	for (i = 0; i < n; i++)
		snprintf(s + 2 * i, 3, "%02X", b[i]);
	s[2 * n] = '\0';
	return s;
}

/*
 * Sends one command as it is and writes its record.  A command of 2 or 3
 * bytes, too short for km_apdu_exchange(), goes to the transport
 * directly, and its answer gets the same checks here: the card should
 * refuse it (6700), and seeing that it does is the point of sending it.
 */
static int
send_cmd(const struct km_card_io *io, const struct cmd *c, unsigned char *rsp,
    size_t rspsz, struct km_out *out, struct km_err *e)
{
	char swhex[5], meaning[KM_SW_BUFSZ], *cmdhex, *data;
	size_t n;
	unsigned sw;

	if (c->n >= 4) {
		if (km_apdu_exchange(io, c->b, c->n, rspsz - 2, rsp, rspsz, &n,
		    e) == -1)
			return -1;
	} else {
		if (io->transmit(io->ctx, c->b, c->n, rsp, rspsz, &n, e) == -1)
			return -1;
		if (n == 0)
			return km_errf(e, KM_ETEMP, "the card in reader '%s' "
			    "gave no answer (taken out?)", io->name);
		if (n < 2 || n > rspsz)
			return km_errf(e, KM_EDATA, "the card in reader '%s' "
			    "answers %zu bytes, without a status word",
			    io->name, n);
	}
	sw = (unsigned)rsp[n - 2] << 8 | rsp[n - 1];
	snprintf(swhex, sizeof(swhex), "%04X", sw);
	if ((cmdhex = tohex(c->b, c->n)) == NULL ||
	    (data = tohex(rsp, n - 2)) == NULL) {
		free(cmdhex);
		return km_errf(e, KM_ESYS, "out of memory");
	}
	km_out_begin(out);
	km_out_str(out, "command", cmdhex);
	km_out_str(out, "data", data);
	km_out_str(out, "sw", swhex);
	km_out_str(out, "meaning", km_sw_str(sw, meaning));
	km_out_end(out);
	free(cmdhex);
	free(data);
	return 0;
}

int
main(int argc, char *argv[])
{
	static unsigned char rsp[KM_APDU_MAXRSP];
	struct km_pcsc *p = NULL;
	struct km_pcsc_card *card = NULL;
	struct km_card_io io;
	struct cmds c = { .n = 0 };
	struct km_out out;
	struct km_err e;
	enum km_outfmt fmt = KM_OUT_HUMAN;
	const char *reader = NULL;
	size_t i;
	int ch, rc = 0;

	cli_init(argc, argv);
	while ((ch = getopt(argc, argv, "hjr:tV")) != -1) {
		switch (ch) {
		case 'h':
			cli_help(synopsis);
		case 'j':
			fmt = KM_OUT_JSON;
			break;
		case 'r':
			reader = optarg;
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
	if (reader != NULL && *reader == '\0') {
		km_errf(&e, KM_EUSAGE, "-r '': no reader named");
		cli_die(NULL, &e);
	}

	/* Every APDU is read and checked before the first one goes out. */
	if (cli_each(argc, argv, add, &c) == -1) {
		km_errf(&e, KM_ESYS, "read standard input: %s",
		    strerror(errno));
		cli_die(NULL, &e);
	}
	if (c.nbad > 0) {
		freecmds(&c);
		return km_exitcode(KM_EDATA);
	}

	km_out_init(&out, stdout, fmt);
	if (c.n > 0) {
		if (km_pcsc_open(&p, &e) == -1 ||
		    km_pcsc_connect(p, reader, &card, &e) == -1)
			goto fail;
		km_pcsc_io(card, &io);
		if (km_pcsc_begin(card, &e) == -1)
			goto fail;
		for (i = 0; i < c.n; i++) {
			if (send_cmd(&io, &c.v[i], rsp, sizeof(rsp), &out,
			    &e) == -1) {
				km_errpre(&e, "%s", c.v[i].where);
				goto fail;
			}
		}
		if (km_pcsc_end(card, 0, &e) == -1)
			goto fail;
	}
	goto done;
fail:
	cli_error(&e);
	rc = km_exitcode(e.eclass);
done:
	km_pcsc_disconnect(card, 0);
	km_pcsc_close(p);
	freecmds(&c);
	if (fflush(stdout) == EOF || ferror(stdout)) {
		km_errf(&e, KM_ESYS, "write to stdout: %s", strerror(errno));
		cli_die(NULL, &e);
	}
	return rc;
}
