/*
 * csv.c -- a reader for RFC 4180 CSV, the form in which batches of card
 * applications and payment files arrive from spreadsheets and other
 * systems.  It is strict where leniency would hide damage (a stray quote,
 * an unterminated quoted field, a NUL byte, a runaway record: each an
 * error naming the line) and lenient only where real files differ
 * harmlessly: LF or CRLF line ends, a missing final line end, a UTF-8
 * byte order mark at the start (Excel writes one), blank lines.  Fields
 * are not trimmed or interpreted; that is the caller's business.  A record
 * is read whole into one growing buffer, so quoted fields may span lines;
 * the line numbers in messages are physical lines, counted from 1.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "km.h"

#define RECORD_MAX	(1024 * 1024)	/* bytes of a record, NULs included */

/* Resets c to read records from fp; no memory is held until the first. */
void
km_csv_init(struct km_csv *c, FILE *fp)
{
	memset(c, 0, sizeof(*c));
	c->fp = fp;
	c->line = 1;
}

/*
 * Sets err to "NAME:LINE: msg" (or "line LINE: msg" when the reader has no
 * name) and returns -1.
 */
static int KM_PRINTF(5, 6)
csv_errf(struct km_csv *c, struct km_err *err, enum km_errclass cl,
    size_t line, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (c->name != NULL)
		return km_errf(err, cl, "%s:%zu: %s", c->name, line, msg);
	return km_errf(err, cl, "line %zu: %s", line, msg);
}

/*
 * After a malformed record: skips to the end of the physical line, so
 * that the caller may report it and read on.
 */
static void
skipline(struct km_csv *c)
{
	int ch;

	while ((ch = getc(c->fp)) != EOF && ch != '\n')
		;
	if (ch == '\n')
		c->line++;
}

/* Frees the field storage; c may be reused after km_csv_init(). */
void
km_csv_free(struct km_csv *c)
{
	free(c->buf);
	c->buf = NULL;
	c->bufsz = 0;
	c->nfield = 0;
}

/* Appends byte ch to the record being read; len is its length so far. */
static int
put(struct km_csv *c, size_t *len, int ch, struct km_err *err)
{
	char *nb;
	size_t nsz;

	if (*len >= RECORD_MAX)
		return csv_errf(c, err, KM_EDATA, c->recline,
		    "record too long");
	if (*len == c->bufsz) {
		nsz = c->bufsz == 0 ? 256 : c->bufsz * 2;
		if (nsz > RECORD_MAX)
			nsz = RECORD_MAX;
		if ((nb = realloc(c->buf, nsz)) == NULL)
			return csv_errf(c, err, KM_ESYS, c->recline, "%s",
			    strerror(errno));
		c->buf = nb;
		c->bufsz = nsz;
	}
	c->buf[(*len)++] = (char)ch;
	return 0;
}

/*
 * Reads the next byte; returns it, EOF at the end, or -2 after a read
 * error (err set).  A NUL byte is an error too.
 */
static int
get(struct km_csv *c, struct km_err *err)
{
	int ch;

	if ((ch = getc(c->fp)) == EOF) {
		if (ferror(c->fp)) {
			csv_errf(c, err, KM_ESYS, c->line, "read error: %s",
			    strerror(errno));
			return -2;
		}
		return EOF;
	}
	if (ch == '\0') {
		csv_errf(c, err, KM_EDATA, c->line, "NUL byte");
		skipline(c);
		return -2;
	}
	return ch;
}

/*
 * Called with ch just read: returns 1 if it ends the line (LF, or CR
 * followed by LF, which is then consumed; line is counted), 0 if not
 * (a lone CR is data), -1 on a read error.
 */
static int
eol(struct km_csv *c, int ch, struct km_err *err)
{
	int next;

	if (ch == '\n') {
		c->line++;
		return 1;
	}
	if (ch != '\r')
		return 0;
	if ((next = get(c, err)) == -2)
		return -1;
	if (next == '\n') {
		c->line++;
		return 1;
	}
	if (next != EOF)
		ungetc(next, c->fp);
	return 0;
}

enum { ST_START, ST_PLAIN, ST_QUOTED, ST_QUOTE };

/*
 * Reads the next record into c->field[0 .. c->nfield - 1], which point
 * into c->buf and stay valid until the next call.  Empty lines are
 * skipped.  Returns 1 for a record, 0 at the end of input, -1 on error:
 * KM_EDATA "line N: ..." for a quote in an unquoted field or text after a
 * closing quote, a quoted field still open at the end (N is where it
 * opened), more than KM_CSV_MAXFIELDS fields, a NUL byte, or a record over
 * 1 MiB (N is where it started); KM_ESYS for a read error.
 */
int
km_csv_next(struct km_csv *c, struct km_err *err)
{
	size_t off[KM_CSV_MAXFIELDS], len = 0, n = 0, qline = 0, i;
	const char *pre = "";
	int ch, ch2, ch3, r, state = ST_START;

	c->nfield = 0;
	if ((ch = get(c, err)) == -2)
		return -1;

	/* A byte order mark, only at the very start of the input. */
	if (c->line == 1 && c->recline == 0 && ch == 0xef) {
		if ((ch2 = get(c, err)) == -2)
			return -1;
		if (ch2 != 0xbb) {
			pre = "\xef";
			ch = ch2;
		} else {
			if ((ch3 = get(c, err)) == -2)
				return -1;
			if (ch3 != 0xbf) {
				pre = "\xef\xbb";
				ch = ch3;
			} else if ((ch = get(c, err)) == -2)
				return -1;
		}
	}

	/* Empty lines. */
	if (*pre == '\0') {
		for (;;) {
			if (ch == EOF)
				return 0;
			if ((r = eol(c, ch, err)) == -1)
				return -1;
			if (r == 0)
				break;
			if ((ch = get(c, err)) == -2)
				return -1;
		}
	}

	c->recline = c->line;
	if (*pre != '\0') {
		/* A BOM cut short: its bytes begin an unquoted field. */
		off[n++] = 0;
		for (; *pre != '\0'; pre++)
			if (put(c, &len, (unsigned char)*pre, err) == -1)
				return -1;
		state = ST_PLAIN;
	}

	for (;; ch = get(c, err)) {
		if (ch == -2)
			return -1;
		switch (state) {
		case ST_START:
			if (n == KM_CSV_MAXFIELDS) {
				csv_errf(c, err, KM_EDATA, c->line,
				    "too many fields");
				skipline(c);
				return -1;
			}
			off[n++] = len;
			if (ch == '"') {
				state = ST_QUOTED;
				qline = c->line;
				continue;
			}
			state = ST_PLAIN;
			/* FALLTHROUGH */
		case ST_PLAIN:
			if (ch == '"') {
				csv_errf(c, err, KM_EDATA, c->line,
				    "quote in unquoted field");
				skipline(c);
				return -1;
			}
			break;
		case ST_QUOTED:
			if (ch == EOF)
				return csv_errf(c, err, KM_EDATA, qline,
				    "unterminated quoted field");
			if (ch == '"')
				state = ST_QUOTE;
			else {
				if (ch == '\n')
					c->line++;
				if (put(c, &len, ch, err) == -1)
					return -1;
			}
			continue;
		case ST_QUOTE:
			/* After a quote in a quoted field: "" or the end. */
			if (ch == '"') {
				if (put(c, &len, ch, err) == -1)
					return -1;
				state = ST_QUOTED;
				continue;
			}
			break;
		}

		/* Unquoted text, or what follows a closing quote. */
		if (ch == ',') {
			if (put(c, &len, '\0', err) == -1)
				return -1;
			state = ST_START;
			continue;
		}
		if (ch == EOF)
			break;
		if ((r = eol(c, ch, err)) == -1)
			return -1;
		if (r == 1)
			break;
		if (state == ST_QUOTE) {
			csv_errf(c, err, KM_EDATA, c->line,
			    "text after closing quote");
			skipline(c);
			return -1;
		}
		if (put(c, &len, ch, err) == -1)
			return -1;
	}
	if (put(c, &len, '\0', err) == -1)
		return -1;
	for (i = 0; i < n; i++)
		c->field[i] = c->buf + off[i];
	c->nfield = n;
	return 1;
}
