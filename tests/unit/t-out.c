/*
 * t-out.c -- the three output forms byte for byte, the JSON string
 * escaper on nasty input, and jq's verdict on what we write.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "km.h"
#include "tap.h"

static char *membuf;
static size_t memlen;

static FILE *
mem_open(void)
{
	FILE *fp;

	free(membuf);
	membuf = NULL;
	if ((fp = open_memstream(&membuf, &memlen)) == NULL) {
		perror("open_memstream");
		exit(1);
	}
	return fp;
}

/* Closes fp and returns what was written to it. */
static const char *
mem_close(FILE *fp)
{
	fclose(fp);
	return membuf;
}

static const char *
json(const char *s)
{
	FILE *fp = mem_open();

	km_json_str(fp, s);
	return mem_close(fp);
}

/*
 * An independent UTF-8 check for the fuzz test: decodes by arithmetic and
 * refuses overlong forms, surrogates and values above U+10FFFF.
 */
static int
utf8_valid(const unsigned char *s, size_t n)
{
	size_t i = 0, len, k;
	unsigned long cp, min;

	while (i < n) {
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		if ((s[i] & 0xe0) == 0xc0) {
			len = 2;
			cp = s[i] & 0x1f;
			min = 0x80;
		} else if ((s[i] & 0xf0) == 0xe0) {
			len = 3;
			cp = s[i] & 0x0f;
			min = 0x800;
		} else if ((s[i] & 0xf8) == 0xf0) {
			len = 4;
			cp = s[i] & 0x07;
			min = 0x10000;
		} else
			return 0;
		if (i + len > n)
			return 0;
		for (k = 1; k < len; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		i += len;
	}
	return 1;
}

static void
test_json_str(void)
{
	static const struct {
		const char *in, *want, *name;
	} t[] = {
		{ "", "\"\"", "empty" },
		{ "plain", "\"plain\"", "plain" },
		{ "a\"b\\c/d", "\"a\\\"b\\\\c/d\"", "quote and backslash" },
		{ "\b\f\n\r\t", "\"\\b\\f\\n\\r\\t\"", "short escapes" },
		{ "\x01\x1f\x0b", "\"\\u0001\\u001f\\u000b\"", "\\u00XX" },
		{ "a\x7f" "b", "\"a\x7f" "b\"", "DEL as is" },
		{ "\xc5\x81\xc3\xb3" "d\xc5\xba",
		    "\"\xc5\x81\xc3\xb3" "d\xc5\xba\"",
		    "Lodz with diacritics unchanged" },
		{ "\xe2\x82\xac", "\"\xe2\x82\xac\"", "euro sign (3 bytes)" },
		{ "\xf0\x9f\x98\x80", "\"\xf0\x9f\x98\x80\"",
		    "emoji (4 bytes)" },
		{ "\xef\xbf\xbf\xf4\x8f\xbf\xbf",
		    "\"\xef\xbf\xbf\xf4\x8f\xbf\xbf\"", "U+FFFF and U+10FFFF" },
		{ "\xed\x9f\xbf", "\"\xed\x9f\xbf\"", "U+D7FF" },
		{ "\x80", "\"\\ufffd\"", "stray continuation" },
		{ "a\x80\xbf" "b", "\"a\\ufffd\\ufffdb\"", "two stray bytes" },
		{ "\xc0\xaf", "\"\\ufffd\\ufffd\"", "overlong 2-byte" },
		{ "\xc1\xbf", "\"\\ufffd\\ufffd\"", "overlong 0xc1" },
		{ "\xe0\x80\xaf", "\"\\ufffd\\ufffd\\ufffd\"",
		    "overlong 3-byte" },
		{ "\xf0\x8f\xbf\xbf", "\"\\ufffd\\ufffd\\ufffd\\ufffd\"",
		    "overlong 4-byte" },
		{ "\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\"",
		    "high surrogate" },
		{ "\xed\xbf\xbf", "\"\\ufffd\\ufffd\\ufffd\"",
		    "low surrogate" },
		{ "\xf4\x90\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\"",
		    "above U+10FFFF" },
		{ "\xe2\x82", "\"\\ufffd\"", "truncated 3-byte at end" },
		{ "\xe2\x82x", "\"\\ufffdx\"", "truncated 3-byte then ASCII" },
		{ "\xf0\x9f\x98", "\"\\ufffd\"", "truncated 4-byte" },
		{ "\xf0\x9f\x98\"", "\"\\ufffd\\\"\"", "truncated then quote" },
		{ "\xc3", "\"\\ufffd\"", "lone lead byte" },
		{ "\xc3\xc3\xb3", "\"\\ufffd\xc3\xb3\"", "lead then valid" },
		{ "\xf5\x80", "\"\\ufffd\\ufffd\"", "0xf5" },
		{ "\xfe\xff", "\"\\ufffd\\ufffd\"", "0xfe 0xff" },
		{ "x\xe2\x82\n", "\"x\\ufffd\\n\"", "truncated then newline" },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		is_str(json(t[i].in), t[i].want, "json: %s", t[i].name);
}

/* The record of the examples, in the given format. */
static const char *
record(enum km_outfmt fmt)
{
	static const char *const svc[] = { "eticket", "benefits" };
	struct km_out o;
	FILE *fp = mem_open();

	km_out_init(&o, fp, fmt);
	km_out_begin(&o);
	km_out_str(&o, "number", "9001000000000001");
	km_out_str(&o, "state", "active");
	km_out_str(&o, "note", NULL);
	km_out_int(&o, "n", 3);
	km_out_bool(&o, "ok", 1);
	km_out_strv(&o, "services", svc, 2);
	km_out_list_begin(&o, "history");
	km_out_item_begin(&o);
	km_out_str(&o, "at", "2026-01-02T03:04:05Z");
	km_out_str(&o, "to", "ordered");
	km_out_item_end(&o);
	km_out_item_begin(&o);
	km_out_str(&o, "at", "2026-02-03T04:05:06Z");
	km_out_str(&o, "reason", NULL);
	km_out_str(&o, "to", "active");
	km_out_item_end(&o);
	km_out_list_end(&o);
	km_out_str(&o, "abcdefghijk", "a\tb\\c\nd\re");
	km_out_bool(&o, "abcdefghijkl", 0);
	km_out_int(&o, "neg", -42);
	km_out_end(&o);

	km_out_begin(&o);
	km_out_str(&o, "number", "9001000000000002");
	km_out_str(&o, "empty", "");
	km_out_strv(&o, "none", NULL, 0);
	km_out_list_begin(&o, "history");
	km_out_list_end(&o);
	km_out_end(&o);
	return mem_close(fp);
}

static void
test_formats(void)
{
	is_str(record(KM_OUT_JSON),
	    "{\"number\":\"9001000000000001\",\"state\":\"active\","
	    "\"note\":null,\"n\":3,\"ok\":true,"
	    "\"services\":[\"eticket\",\"benefits\"],"
	    "\"history\":[{\"at\":\"2026-01-02T03:04:05Z\",\"to\":\"ordered\"},"
	    "{\"at\":\"2026-02-03T04:05:06Z\",\"reason\":null,"
	    "\"to\":\"active\"}],"
	    "\"abcdefghijk\":\"a\\tb\\\\c\\nd\\re\",\"abcdefghijkl\":false,"
	    "\"neg\":-42}\n"
	    "{\"number\":\"9001000000000002\",\"empty\":\"\",\"none\":[],"
	    "\"history\":[]}\n",
	    "json: two records");

	is_str(record(KM_OUT_TSV),
	    "9001000000000001\tactive\t\t3\t1\teticket,benefits\t"
	    "a\\tb\\\\c\\nd\\re\t0\t-42\n"
	    "9001000000000002\t\t\n",
	    "tsv: two records, lists left out");

	is_str(record(KM_OUT_HUMAN),
	    "number      9001000000000001\n"
	    "state       active\n"
	    "n           3\n"
	    "ok          yes\n"
	    "services    eticket, benefits\n"
	    "history\n"
	    "  2026-01-02T03:04:05Z  ordered\n"
	    "  2026-02-03T04:05:06Z  active\n"
	    "abcdefghijk a\\tb\\c\\nd\\re\n"
	    "abcdefghijkl no\n"
	    "neg         -42\n"
	    "\n"
	    "number      9001000000000002\n"
	    "empty\n"
	    "none\n"
	    "history\n",
	    "human: two records");
}

/* Records with nothing to show get no blank lines of their own. */
static void
test_human_blank(void)
{
	struct km_out o;
	FILE *fp;
	int i;

	fp = mem_open();
	km_out_init(&o, fp, KM_OUT_HUMAN);
	km_out_begin(&o);
	km_out_str(&o, "x", NULL);
	km_out_end(&o);
	for (i = 0; i < 3; i++) {
		km_out_begin(&o);
		km_out_str(&o, "k", i == 1 ? NULL : "v");
		km_out_end(&o);
	}
	km_out_begin(&o);
	km_out_end(&o);
	is_str(mem_close(fp), "k           v\n\nk           v\n",
	    "human: empty records add no blank lines");

	/* km_out_init resets the record count. */
	fp = mem_open();
	km_out_init(&o, fp, KM_OUT_HUMAN);
	km_out_begin(&o);
	km_out_bool(&o, "b", 1);
	km_out_end(&o);
	km_out_init(&o, fp, KM_OUT_HUMAN);
	km_out_begin(&o);
	km_out_list_begin(&o, "l");
	km_out_item_begin(&o);
	km_out_int(&o, "a", 1);
	km_out_bool(&o, "b", 0);
	km_out_str(&o, "c", NULL);
	km_out_item_end(&o);
	km_out_item_begin(&o);		/* nothing to show: no line */
	km_out_str(&o, "c", NULL);
	km_out_item_end(&o);
	km_out_list_end(&o);
	km_out_end(&o);
	is_str(mem_close(fp), "b           yes\nl\n  1  no\n",
	    "human: init resets; items one line each, NULLs skipped");

	fp = mem_open();
	km_out_init(&o, fp, KM_OUT_HUMAN);
	km_out_begin(&o);
	km_out_str(&o, "name", "a\x1b[31mb\x7f\x01\xc5\x81");
	km_out_strv(&o, "v", (const char *const[]){ "x\ty", "z\n" }, 2);
	km_out_end(&o);
	is_str(mem_close(fp),
	    "name        a\\x1b[31mb\\x7f\\x01\xc5\x81\n"
	    "v           x\\ty, z\\n\n",
	    "human: control characters escaped, UTF-8 kept");

	fp = mem_open();
	km_out_init(&o, fp, KM_OUT_TSV);
	km_out_begin(&o);
	km_out_end(&o);
	km_out_begin(&o);
	km_out_str(&o, "a", NULL);
	km_out_str(&o, "b", NULL);
	km_out_end(&o);
	is_str(mem_close(fp), "\n\t\n", "tsv: empty record and NULLs");
	is(o.nrec, 2, "tsv: records counted");

	fp = mem_open();
	km_out_init(&o, fp, KM_OUT_JSON);
	km_out_begin(&o);
	km_out_str(&o, "k\"ey", "\xff");
	km_out_list_begin(&o, "l");
	km_out_item_begin(&o);
	km_out_item_end(&o);
	km_out_item_begin(&o);
	km_out_strv(&o, "v", (const char *const[]){ "a", NULL, "\x80" }, 3);
	km_out_item_end(&o);
	km_out_list_end(&o);
	km_out_end(&o);
	is_str(mem_close(fp),
	    "{\"k\\\"ey\":\"\\ufffd\","
	    "\"l\":[{},{\"v\":[\"a\",null,\"\\ufffd\"]}]}\n",
	    "json: escaped key, empty item, NULL in a string list");
}

/* A record with a nested object after a list, in the three forms. */
static const char *
objrec(enum km_outfmt fmt)
{
	struct km_out o;
	FILE *fp = mem_open();

	km_out_init(&o, fp, fmt);
	km_out_begin(&o);
	km_out_str(&o, "number", "1");
	km_out_list_begin(&o, "history");
	km_out_item_begin(&o);
	km_out_str(&o, "to", "ordered");
	km_out_item_end(&o);
	km_out_list_end(&o);
	km_out_obj_begin(&o, "chip");
	km_out_str(&o, "uid", "04A1B2C3");
	km_out_str(&o, "number", NULL);
	km_out_int(&o, "points", 7);
	km_out_strv(&o, "mismatch", (const char *const[]){ "a", "b" }, 2);
	km_out_str(&o, "empty", "");
	km_out_obj_end(&o);
	km_out_bool(&o, "after", 1);
	km_out_end(&o);

	/* An object first, and an empty one. */
	km_out_begin(&o);
	km_out_obj_begin(&o, "o");
	km_out_str(&o, "k", "v");
	km_out_obj_end(&o);
	km_out_obj_begin(&o, "e");
	km_out_obj_end(&o);
	km_out_end(&o);
	return mem_close(fp);
}

static void
test_obj(void)
{
	is_str(objrec(KM_OUT_JSON),
	    "{\"number\":\"1\",\"history\":[{\"to\":\"ordered\"}],"
	    "\"chip\":{\"uid\":\"04A1B2C3\",\"number\":null,\"points\":7,"
	    "\"mismatch\":[\"a\",\"b\"],\"empty\":\"\"},\"after\":true}\n"
	    "{\"o\":{\"k\":\"v\"},\"e\":{}}\n",
	    "json: nested objects");
	is_str(objrec(KM_OUT_TSV),
	    "1\t04A1B2C3\t\t7\ta,b\t\t1\n"
	    "v\n",
	    "tsv: an object's fields in line with the record's");
	is_str(objrec(KM_OUT_HUMAN),
	    "number      1\n"
	    "history\n"
	    "  ordered\n"
	    "chip\n"
	    "  uid       04A1B2C3\n"
	    "  points    7\n"
	    "  mismatch  a, b\n"
	    "  empty\n"
	    "after       yes\n"
	    "\n"
	    "o\n"
	    "  k         v\n"
	    "e\n",
	    "human: an object's fields indented under its key");
}

/* Writes nasty records to a file and lets jq judge them. */
static void
test_jq(void)
{
	static const char *const nasty[] = {
		"", "plain", "a\"b\\c", "\b\f\n\r\t\x01\x1f\x7f",
		"\xc5\x81\xc3\xb3" "d\xc5\xba", "\x80\xbf", "\xc0\xaf",
		"\xed\xa0\x80", "\xf4\x90\x80\x80", "\xe2\x82", "\xf0\x9f\x98",
		"\xfe\xff", "</script>", "\\u0000", "\xf0\x9f\x98\x80",
	};
	static const char tricky[] = "\xc3\xe2\xf0\xed\xf4\x80\xbf\"";
	char path[] = "/tmp/t-out.XXXXXX", cmd[256], s[24];
	unsigned char *line;
	struct km_out o;
	FILE *fp;
	size_t i, j, len, cap = 0;
	ssize_t nr;
	int fd, bad;

	if ((fd = mkstemp(path)) == -1 || (fp = fdopen(fd, "w+")) == NULL) {
		perror("mkstemp");
		exit(1);
	}
	km_out_init(&o, fp, KM_OUT_JSON);
	for (i = 0; i < sizeof(nasty) / sizeof(nasty[0]); i++) {
		km_out_begin(&o);
		km_out_str(&o, nasty[i], nasty[i]);
		km_out_int(&o, "i", (long long)i);
		km_out_strv(&o, "v", nasty, sizeof(nasty) / sizeof(nasty[0]));
		km_out_list_begin(&o, "l");
		km_out_item_begin(&o);
		km_out_str(&o, "s", nasty[i]);
		km_out_bool(&o, "b", (int)i & 1);
		km_out_item_end(&o);
		km_out_list_end(&o);
		km_out_end(&o);
	}
	/* Random bytes, biased towards the high half. */
	srand(4180);
	for (i = 0; i < 3000; i++) {
		len = (size_t)(rand() % 12);
		for (j = 0; j < len; j++) {
			s[j] = (char)(rand() % 2 ? 0x80 + rand() % 0x80 :
			    1 + rand() % 0x7f);
			if (rand() % 8 == 0)
				s[j] = tricky[rand() % 8];
		}
		s[len] = '\0';
		km_out_begin(&o);
		km_out_str(&o, "s", s);
		km_out_end(&o);
	}
	ok(fflush(fp) == 0 && !ferror(fp), "jq: file written");

	snprintf(cmd, sizeof(cmd), "jq -e . %s >/dev/null", path);
	is(system(cmd), 0, "jq accepts every record");
	snprintf(cmd, sizeof(cmd), "test \"$(jq -s length %s)\" = %zu", path,
	    sizeof(nasty) / sizeof(nasty[0]) + 3000);
	is(system(cmd), 0, "jq reads one object a line");
	snprintf(cmd, sizeof(cmd), "jq -s -e '.[3].l[0].s == "
	    "\"\\b\\f\\n\\r\\t\\u0001\\u001f\\u007f\" and "
	    ".[4].l[0].s == \"\xc5\x81\xc3\xb3" "d\xc5\xba\" and "
	    ".[2].l[0].s == \"a\\\"b\\\\c\"' %s >/dev/null", path);
	is(system(cmd), 0, "jq reads the strings back unchanged");

	/* Every line must be valid UTF-8 (jq would mend it silently). */
	rewind(fp);
	line = NULL;
	bad = 0;
	while ((nr = getline((char **)&line, &cap, fp)) != -1)
		if (!utf8_valid(line, (size_t)nr))
			bad++;
	free(line);
	is(bad, 0, "every line is valid UTF-8");
	fclose(fp);
	unlink(path);
}

int
main(void)
{
	test_json_str();
	test_formats();
	test_human_blank();
	test_obj();
	test_jq();
	free(membuf);
	return done();
}
