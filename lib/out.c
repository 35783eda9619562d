/*
 * out.c -- how every command writes its records: aligned "key  value"
 * lines for people, TSV (-t) and one JSON object a line (-j) for
 * programs.  The commands describe a record field by field and never
 * format it themselves, so the three forms stay consistent across all of
 * km and the machine forms stay stable (km(7)).  The JSON writer escapes
 * any byte string into valid JSON, replacing invalid UTF-8 with U+FFFD,
 * because names and notes come from applications and files we do not
 * control and a consumer such as jq must never choke on our output.
 * Nothing here checks for write errors: the stream's error flag is sticky
 * and the command checks it once at the end.
 */
#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "km.h"

#define HUMAN_KEYW	11	/* keys are padded to this, then one space */

/*
 * State in struct km_out: nfield counts the fields of the record written
 * so far (in human form, the lines shown); inlist is set between
 * km_out_list_begin() and km_out_list_end(), nitem counts that list's
 * items, and initem is 0 outside an item and 1 + the fields written in it
 * inside one; inobj is likewise 0 outside an object and 1 + its fields
 * inside one (which count in nfield too); nrec counts the records ended
 * (in human form, those that showed anything), so that a blank line goes
 * between records.
 */

/*
 * Returns the length of the well-formed UTF-8 sequence at s (1 to 4), or
 * 0 if s does not start one; then *bad is the length of the maximal
 * subpart to replace by one U+FFFD (Unicode 15, section 3.9, table 3-7).
 */
static size_t
utf8_len(const unsigned char *s, size_t *bad)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t n, i;

	*bad = 1;
	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		if (s[0] == 0xe0)
			lo = 0xa0;		/* overlong */
		else if (s[0] == 0xed)
			hi = 0x9f;		/* surrogates */
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		if (s[0] == 0xf0)
			lo = 0x90;		/* overlong */
		else if (s[0] == 0xf4)
			hi = 0x8f;		/* above U+10FFFF */
	} else
		return 0;	/* continuation byte, 0xc0, 0xc1, 0xf5-0xff */
	for (i = 1; i < n; i++) {
		/* The NUL terminator fails this test, so we stop there. */
		if (s[i] < lo || s[i] > hi) {
			*bad = i;
			return 0;
		}
		lo = 0x80;
		hi = 0xbf;
	}
	return n;
}

/*
 * Writes s to fp as a JSON string, quotes included.  Quote, backslash and
 * control characters are escaped; valid UTF-8 passes through unchanged;
 * each maximal invalid subpart becomes \ufffd.  s must not be NULL.
 */
void
km_json_str(FILE *fp, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n, bad;

	putc('"', fp);
	while (*p != '\0') {
		switch (*p) {
		case '"':
			fputs("\\\"", fp);
			break;
		case '\\':
			fputs("\\\\", fp);
			break;
		case '\b':
			fputs("\\b", fp);
			break;
		case '\f':
			fputs("\\f", fp);
			break;
		case '\n':
			fputs("\\n", fp);
			break;
		case '\r':
			fputs("\\r", fp);
			break;
		case '\t':
			fputs("\\t", fp);
			break;
		default:
			if (*p < 0x20) {
				fprintf(fp, "\\u%04x", *p);
				break;
			}
			if ((n = utf8_len(p, &bad)) == 0) {
				fputs("\\ufffd", fp);
				p += bad;
				continue;
			}
			fwrite(p, 1, n, fp);
			p += n;
			continue;
		}
		p++;
	}
	putc('"', fp);
}

/* Writes s as a TSV value: tab, newline, CR and backslash escaped. */
static void
tsv_str(FILE *fp, const char *s)
{
	for (; *s != '\0'; s++) {
		switch (*s) {
		case '\t':
			fputs("\\t", fp);
			break;
		case '\n':
			fputs("\\n", fp);
			break;
		case '\r':
			fputs("\\r", fp);
			break;
		case '\\':
			fputs("\\\\", fp);
			break;
		default:
			putc(*s, fp);
			break;
		}
	}
}

/* In human form, the blank line between records, before the first line. */
static void
human_line(struct km_out *o)
{
	if (o->nfield == 0 && o->nrec > 0)
		putc('\n', o->fp);
	o->nfield++;
}

/*
 * Writes s for people: as it is, except control characters, which would
 * break the layout or drive the terminal (names and notes come from
 * outside), written as \t \n \r or \xNN.
 */
static void
human_str(FILE *fp, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	for (; *p != '\0'; p++) {
		if (*p == '\t')
			fputs("\\t", fp);
		else if (*p == '\n')
			fputs("\\n", fp);
		else if (*p == '\r')
			fputs("\\r", fp);
		else if (*p < 0x20 || *p == 0x7f)
			fprintf(fp, "\\x%02x", *p);
		else
			putc(*p, fp);
	}
}

/*
 * Starts a field: the separator before it and its key (JSON, human).
 * empty says the value will be empty, so that no padding follows the key
 * in human form.  Returns 0 if the field is to be written, -1 if this
 * format leaves it out (TSV inside a list).
 */
static int
field_begin(struct km_out *o, const char *key, int empty)
{
	int first, indent = o->inobj ? 2 : 0;

	assert(!o->inlist || o->initem);
	if (o->fmt == KM_OUT_TSV && o->inlist)
		return -1;
	/* An object's fields are flat in TSV, nested in JSON. */
	if (o->initem)
		first = o->initem == 1;
	else if (o->inobj && o->fmt == KM_OUT_JSON)
		first = o->inobj == 1;
	else
		first = o->nfield == 0;
	switch (o->fmt) {
	case KM_OUT_JSON:
		if (!first)
			putc(',', o->fp);
		km_json_str(o->fp, key);
		putc(':', o->fp);
		break;
	case KM_OUT_TSV:
		if (!first)
			putc('\t', o->fp);
		break;
	case KM_OUT_HUMAN:
		if (o->initem) {
			fputs("  ", o->fp);	/* indent, or separator */
			break;
		}
		human_line(o);
		fprintf(o->fp, "%*s", indent, "");
		if (empty)
			fputs(key, o->fp);
		else
			fprintf(o->fp, "%-*s ", HUMAN_KEYW - indent, key);
		return 0;
	}
	if (o->initem)
		o->initem++;
	else {
		if (o->inobj)
			o->inobj++;
		o->nfield++;
	}
	return 0;
}

/* Ends a field: in human form, the end of its line outside items. */
static void
field_end(struct km_out *o)
{
	if (o->fmt == KM_OUT_HUMAN && !o->initem)
		putc('\n', o->fp);
}

/* Resets o to write records in format fmt to fp. */
void
km_out_init(struct km_out *o, FILE *fp, enum km_outfmt fmt)
{
	memset(o, 0, sizeof(*o));
	o->fp = fp;
	o->fmt = fmt;
}

/* Starts a record; km_out_end() must end it. */
void
km_out_begin(struct km_out *o)
{
	assert(!o->inlist && !o->inobj);
	o->nfield = 0;
	if (o->fmt == KM_OUT_JSON)
		putc('{', o->fp);
}

/* Ends the record that km_out_begin() started. */
void
km_out_end(struct km_out *o)
{
	assert(!o->inlist && !o->inobj);
	switch (o->fmt) {
	case KM_OUT_JSON:
		fputs("}\n", o->fp);
		o->nrec++;
		break;
	case KM_OUT_TSV:
		putc('\n', o->fp);
		o->nrec++;
		break;
	case KM_OUT_HUMAN:
		if (o->nfield > 0)
			o->nrec++;
		break;
	}
	o->nfield = 0;
}

/* A string field; val NULL is JSON null, empty in TSV, and not shown to
 * people. */
void
km_out_str(struct km_out *o, const char *key, const char *val)
{
	if (val == NULL && o->fmt == KM_OUT_HUMAN)
		return;
	if (field_begin(o, key, val == NULL || *val == '\0') == -1)
		return;
	switch (o->fmt) {
	case KM_OUT_JSON:
		if (val == NULL)
			fputs("null", o->fp);
		else
			km_json_str(o->fp, val);
		break;
	case KM_OUT_TSV:
		if (val != NULL)
			tsv_str(o->fp, val);
		break;
	case KM_OUT_HUMAN:
		human_str(o->fp, val);
		break;
	}
	field_end(o);
}

/* An integer field. */
void
km_out_int(struct km_out *o, const char *key, long long v)
{
	if (field_begin(o, key, 0) == -1)
		return;
	fprintf(o->fp, "%lld", v);
	field_end(o);
}

/* A boolean field: true/false in JSON, 1/0 in TSV, yes/no for people. */
void
km_out_bool(struct km_out *o, const char *key, int v)
{
	static const char *const word[3][2] = {
		[KM_OUT_HUMAN] = { "no", "yes" },
		[KM_OUT_TSV] = { "0", "1" },
		[KM_OUT_JSON] = { "false", "true" },
	};

	if (field_begin(o, key, 0) == -1)
		return;
	fputs(word[o->fmt][v != 0], o->fp);
	field_end(o);
}

/*
 * A list of n strings (v may be NULL when n is 0): a JSON array, joined
 * with ',' in TSV and with ", " for people.  NULL elements are JSON null
 * and left out elsewhere.
 */
void
km_out_strv(struct km_out *o, const char *key, const char *const *v,
    size_t n)
{
	size_t i;
	int empty = 1, sep = 0;

	for (i = 0; i < n; i++)
		if (v[i] != NULL && *v[i] != '\0')
			empty = 0;
	if (field_begin(o, key, empty) == -1)
		return;
	if (o->fmt == KM_OUT_JSON)
		putc('[', o->fp);
	for (i = 0; i < n; i++) {
		if (v[i] == NULL && o->fmt != KM_OUT_JSON)
			continue;
		if (sep)
			fputs(o->fmt == KM_OUT_HUMAN ? ", " : ",", o->fp);
		sep = 1;
		switch (o->fmt) {
		case KM_OUT_JSON:
			if (v[i] == NULL)
				fputs("null", o->fp);
			else
				km_json_str(o->fp, v[i]);
			break;
		case KM_OUT_TSV:
			tsv_str(o->fp, v[i]);
			break;
		case KM_OUT_HUMAN:
			human_str(o->fp, v[i]);
			break;
		}
	}
	if (o->fmt == KM_OUT_JSON)
		putc(']', o->fp);
	field_end(o);
}

/*
 * Starts a list of sub-records named key, each between km_out_item_begin()
 * and km_out_item_end(), whose fields are written with the functions
 * above.  Lists do not nest.  TSV leaves the list out entirely; people
 * see the key on a line of its own and each item on an indented line.
 */
void
km_out_list_begin(struct km_out *o, const char *key)
{
	assert(!o->inlist && !o->inobj);
	o->nitem = 0;
	o->initem = 0;
	if (o->fmt == KM_OUT_TSV) {
		o->inlist = 1;
		return;
	}
	field_begin(o, key, 1);
	o->inlist = 1;
	if (o->fmt == KM_OUT_JSON)
		putc('[', o->fp);
	else
		putc('\n', o->fp);
}

/* Starts an item of the list. */
void
km_out_item_begin(struct km_out *o)
{
	assert(o->inlist && !o->initem);
	o->initem = 1;
	if (o->fmt == KM_OUT_JSON)
		fputs(o->nitem > 0 ? ",{" : "{", o->fp);
}

/* Ends an item of the list. */
void
km_out_item_end(struct km_out *o)
{
	assert(o->inlist && o->initem);
	if (o->fmt == KM_OUT_JSON)
		putc('}', o->fp);
	else if (o->fmt == KM_OUT_HUMAN && o->initem > 1)
		putc('\n', o->fp);
	o->initem = 0;
	o->nitem++;
}

/* Ends the list. */
void
km_out_list_end(struct km_out *o)
{
	assert(o->inlist && !o->initem);
	if (o->fmt == KM_OUT_JSON)
		putc(']', o->fp);
	o->inlist = 0;
}

/*
 * Starts an object named key, whose fields are written with the functions
 * above until km_out_obj_end(): a nested JSON object; in TSV, more fields
 * of the record's line; for people, the key on a line of its own and each
 * field on a line indented by two spaces.  Objects do not nest and hold
 * no lists.
 */
void
km_out_obj_begin(struct km_out *o, const char *key)
{
	assert(!o->inlist && !o->inobj);
	if (o->fmt != KM_OUT_TSV) {
		field_begin(o, key, 1);
		if (o->fmt == KM_OUT_JSON)
			putc('{', o->fp);
		else
			putc('\n', o->fp);
	}
	o->inobj = 1;
}

/* Ends the object. */
void
km_out_obj_end(struct km_out *o)
{
	assert(o->inobj && !o->inlist);
	if (o->fmt == KM_OUT_JSON)
		putc('}', o->fp);
	o->inobj = 0;
}
