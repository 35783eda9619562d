/*
 * t-csv.c -- the CSV reader: RFC 4180 quoting, line ends, BOM, empty
 * lines and fields, line numbers of records that span lines, and every
 * error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "km.h"
#include "tap.h"

/*
 * Reads all of the n bytes at in and renders the records as
 * "recline:field|field|...\n" (each field in brackets), then "=0" at the
 * end or "=ERR msg" on an error.
 */
static const char *
parse(const char *in, size_t n)
{
	static char out[8192];
	struct km_csv c;
	struct km_err e;
	FILE *fp;
	size_t i, o = 0;
	int rc;

	if ((fp = fmemopen((void *)in, n, "r")) == NULL) {
		perror("fmemopen");
		exit(1);
	}
	km_csv_init(&c, fp);
	out[0] = '\0';
	while ((rc = km_csv_next(&c, &e)) == 1) {
		o += (size_t)snprintf(out + o, sizeof(out) - o, "%zu:",
		    c.recline);
		for (i = 0; i < c.nfield && o < sizeof(out); i++)
			o += (size_t)snprintf(out + o, sizeof(out) - o,
			    "%s[%s]", i ? "|" : "", c.field[i]);
		if (o < sizeof(out))
			o += (size_t)snprintf(out + o, sizeof(out) - o, "\n");
		if (o >= sizeof(out))
			break;
	}
	if (o < sizeof(out)) {
		if (rc == 0)
			snprintf(out + o, sizeof(out) - o, "=0");
		else
			snprintf(out + o, sizeof(out) - o, "=ERR %s%s", e.msg,
			    e.eclass == KM_EDATA ? "" : " (not KM_EDATA)");
	}
	km_csv_free(&c);
	fclose(fp);
	return out;
}

#define T(in, want, ...) is_str(parse(in, sizeof(in) - 1), want, __VA_ARGS__)

static void
test_good(void)
{
	T("", "=0", "empty input");
	T("a,b,c\n1,2,3\n", "1:[a]|[b]|[c]\n2:[1]|[2]|[3]\n=0", "simple");
	T("a,b", "1:[a]|[b]\n=0", "no final newline");
	T("a\r\nb,c\r\n", "1:[a]\n2:[b]|[c]\n=0", "CRLF");
	T("a\r\nb,c", "1:[a]\n2:[b]|[c]\n=0", "CRLF, no final line end");
	T("\"a,b\",\"say \"\"hi\"\"\",\"x\ny\"\nz\n",
	    "1:[a,b]|[say \"hi\"]|[x\ny]\n3:[z]\n=0",
	    "quoted commas, quotes, newline");
	T("\"a\r\nb\",c\r\nd\r\n", "1:[a\r\nb]|[c]\n3:[d]\n=0",
	    "CRLF inside quotes kept");
	T("\"\"\n\"\"\"\"\n", "1:[]\n2:[\"]\n=0",
	    "empty and quote-only quoted");
	T("\"a\",\"\",b\n", "1:[a]|[]|[b]\n=0", "quoted then unquoted");
	T(",,\n", "1:[]|[]|[]\n=0", "three empty fields");
	T("a,,b\n", "1:[a]|[]|[b]\n=0", "empty field between");
	T("a,b,\n", "1:[a]|[b]|[]\n=0", "trailing empty field");
	T("a,b,", "1:[a]|[b]|[]\n=0", "trailing empty field at EOF");
	T("a,\"\"", "1:[a]|[]\n=0", "quoted empty at EOF");
	T("\n\r\na\n\n\nb\n\n", "3:[a]\n6:[b]\n=0", "empty lines skipped");
	T(" a , b \n\t\n", "1:[ a ]|[ b ]\n2:[\t]\n=0", "whitespace kept");
	T("a\rb\n", "1:[a\rb]\n=0", "lone CR is data");
	T("a,\"x\ny\nz\"\nb,\"\n\"\nc\n",
	    "1:[a]|[x\ny\nz]\n4:[b]|[\n]\n6:[c]\n=0",
	    "records spanning lines keep their first line");
	T("\xef\xbb\xbfname,x\n1,2\n", "1:[name]|[x]\n2:[1]|[2]\n=0",
	    "BOM skipped");
	T("\xef\xbb\xbf\"q\"\n", "1:[q]\n=0", "BOM then quoted field");
	T("\xef\xbb\xbf", "=0", "BOM only");
	T("\xef\xbb\xbf\n\na\n", "3:[a]\n=0", "BOM then empty lines");
	T("a\n\xef\xbb\xbf" "b\n", "1:[a]\n2:[\xef\xbb\xbf" "b]\n=0",
	    "BOM later is data");
	T("\n\xef\xbb\xbf" "b\n", "2:[\xef\xbb\xbf" "b]\n=0",
	    "BOM after an empty line is data");
	T("\xef\xbbX,y\n", "1:[\xef\xbbX]|[y]\n=0", "partial BOM is data");
	T("\xef,y\n", "1:[\xef]|[y]\n=0", "lone 0xef is data");
	T("\xef\xbb\n", "1:[\xef\xbb]\n=0", "partial BOM then newline");
	T("\xc5\x81\xc3\xb3" "d\xc5\xba,x\n",
	    "1:[\xc5\x81\xc3\xb3" "d\xc5\xba]|[x]\n=0", "UTF-8 kept");
}

static void
test_errors(void)
{
	T("ok\na\"b\n", "1:[ok]\n=ERR line 2: quote in unquoted field",
	    "quote inside unquoted field");
	T("a,b\"\n", "=ERR line 1: quote in unquoted field",
	    "quote at end of unquoted field");
	T("\"abc\"x\n", "=ERR line 1: text after closing quote",
	    "text after closing quote");
	T("\"abc\" ,x\n", "=ERR line 1: text after closing quote",
	    "space after closing quote");
	T("\"a\nb\"c\n", "=ERR line 2: text after closing quote",
	    "text after closing quote on a later line");
	T("a\n\"x,\ny\n", "1:[a]\n=ERR line 2: unterminated quoted field",
	    "unterminated quoted field");
	T("a,b,\"", "=ERR line 1: unterminated quoted field",
	    "lone quote at EOF");
	T("x\n\n\"a\"\"\n", "1:[x]\n=ERR line 3: unterminated quoted field",
	    "escaped quote, then EOF");
	T("a\n b\0c\n", "1:[a]\n=ERR line 2: NUL byte", "NUL byte");
	T("\"a\n\0\"\n", "=ERR line 2: NUL byte", "NUL byte in quotes");
	T("\0", "=ERR line 1: NUL byte", "NUL at start");
}

static void
test_fields(void)
{
	char in[300];
	size_t i, o;

	for (o = 0, i = 0; i < KM_CSV_MAXFIELDS; i++)
		o += (size_t)snprintf(in + o, sizeof(in) - o, "%s%zu",
		    i ? "," : "", i % 10);
	in[o++] = '\n';
	in[o] = '\0';
	ok(strncmp(parse(in, o), "1:[0]|[1]", 9) == 0 &&
	    strstr(parse(in, o), "|[3]\n=0") != NULL,
	    "exactly KM_CSV_MAXFIELDS fields");
	memmove(in + 2, in, o + 1);
	memcpy(in, "x\n", 2);
	memcpy(in + o + 1, ",x\n", 4);
	is_str(parse(in, o + 4), "1:[x]\n=ERR line 2: too many fields",
	    "one field too many");
	memcpy(in + o + 1, ",\n", 3);
	is_str(parse(in, o + 3), "1:[x]\n=ERR line 2: too many fields",
	    "one empty field too many");
}

/* Big records: the buffer grows, the fields stay right, 1 MiB is the end. */
static void
test_big(void)
{
	struct km_csv c;
	struct km_err e;
	FILE *fp;
	size_t i, big = 1024 * 1024;
	int good;

	if ((fp = tmpfile()) == NULL) {
		perror("tmpfile");
		exit(1);
	}
	/* Record 1: 40 quoted fields of 1000 bytes each. */
	for (i = 0; i < 40; i++)
		fprintf(fp, "%s\"%c%998d\"", i ? "," : "", 'a' + (int)(i % 26),
		    (int)i);
	fputs("\r\n", fp);
	/* Record 2: one field, exactly 1 MiB with its NUL. */
	for (i = 0; i < big - 1; i++)
		putc('y', fp);
	putc('\n', fp);
	/* Record 3, on line 3: one byte too many. */
	for (i = 0; i < big; i++)
		putc('z', fp);
	putc('\n', fp);
	rewind(fp);

	km_csv_init(&c, fp);
	is(km_csv_next(&c, &e), 1, "big: 40 long fields");
	good = c.nfield == 40;
	for (i = 0; good && i < 40; i++)
		good = strlen(c.field[i]) == 999 &&
		    c.field[i][0] == 'a' + (int)(i % 26) &&
		    atoi(c.field[i] + 1) == (int)i;
	ok(good, "big: fields intact after the buffer grew");
	is(km_csv_next(&c, &e), 1, "big: a record of exactly 1 MiB");
	ok(c.nfield == 1 && strlen(c.field[0]) == big - 1 &&
	    c.field[0][big - 2] == 'y', "big: its field is whole");
	is(km_csv_next(&c, &e), -1, "big: over 1 MiB refused");
	is_str(e.msg, "line 3: record too long", "big: message");
	is(e.eclass, KM_EDATA, "big: KM_EDATA");
	km_csv_free(&c);
	ok(c.buf == NULL && c.bufsz == 0, "free releases the buffer");
	fclose(fp);
}

/* Field pointers, line counters and reuse over several records. */
static void
test_state(void)
{
	static const char in[] = "a,\"b\nc\"\r\n\r\nd\n";
	struct km_csv c;
	struct km_err e;
	FILE *fp = fmemopen((void *)in, sizeof(in) - 1, "r");

	km_csv_init(&c, fp);
	is(c.line, 1, "init: line 1");
	is(km_csv_next(&c, &e), 1, "state: record 1");
	is(c.nfield, 2, "state: two fields");
	is_str(c.field[1], "b\nc", "state: field 2");
	is(c.recline, 1, "state: recline 1");
	is(c.line, 3, "state: next line is 3");
	is(km_csv_next(&c, &e), 1, "state: record 2");
	is(c.recline, 4, "state: recline 4 after the empty line");
	is_str(c.field[0], "d", "state: field");
	is(km_csv_next(&c, &e), 0, "state: end");
	is(c.nfield, 0, "state: no fields at the end");
	is(km_csv_next(&c, &e), 0, "state: end again");
	km_csv_free(&c);
	km_csv_free(&c);
	ok(c.buf == NULL, "state: free twice is harmless");
	fclose(fp);
}

int
main(void)
{
	test_good();
	test_errors();
	test_fields();
	test_big();
	test_state();
	return done();
}
