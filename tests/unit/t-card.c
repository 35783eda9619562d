/*
 * t-card.c -- applications, holders and cards (lib/card.c).  First the
 * application: every field of km_app_set(), good and bad, and
 * km_app_check() for each card type.  Then, in a store under /tmp,
 * km_card_issue() (numbers, holders found again, refusals),
 * km_card_bind(), km_card_find() by every kind of key, km_card_list()
 * and km_card_due().
 *
 * Where the library is known to be wrong, the test asserts what it
 * should do and reports "# skip BUG: ..." while it does not (BUG below).
 */
#include <sys/stat.h>

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "km-internal.h"
#include "tap.h"
#include "pesel.h"

#define T0 1772445600		/* 2026-03-02T10:00:00Z */

/* An assertion a known library bug breaks: passes once it is fixed,
 * and until then is a TAP skip saying why. */
#define BUG(cond, why, ...) do { \
	if (cond) \
		ok(1, __VA_ARGS__); \
	else \
		printf("ok %d # skip BUG: %s\n", ++tap_n, why); \
} while (0)

static char dir[] = "/tmp/t-card.XXXXXX";
static struct km_cfg *cfg;
static struct km_db *db;
static time_t now = T0;

static int run(const char *fmt, ...) KM_PRINTF(1, 2);

static int
run(const char *fmt, ...)
{
	char cmd[2 * PATH_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return system(cmd);
}

/* Writes and loads dir/name with the store and key lines and extra. */
static struct km_cfg *
config(const char *name, const char *extra)
{
	struct km_cfg *c = NULL;
	struct km_err e;
	char path[PATH_MAX];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((fp = fopen(path, "w")) == NULL)
		return NULL;
	fprintf(fp, "store:\n  path: %s/km.db\n  busy_timeout: 50\n"
	    "roles:\n  clerk: [tester]\n  admin: [tester]\n"
	    "keys:\n  hotlist_signer: %s/hotlist.pem\n"
	    "blacklist:\n  max_add: 1000\n%s", dir, dir, extra);
	if (fclose(fp) == EOF)
		return NULL;
	if (km_cfg_load(&c, path, &e) == -1) {
		printf("# %s\n", e.msg);
		return NULL;
	}
	return c;
}

static long long q_int(const char *fmt, ...) KM_PRINTF(1, 2);

static long long
q_int(const char *fmt, ...)
{
	sqlite3_stmt *st;
	char q[1024];
	long long v = -999;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(q, sizeof(q), fmt, ap);
	va_end(ap);
	if (sqlite3_prepare_v2(km_db_handle(db), q, -1, &st, NULL) !=
	    SQLITE_OK) {
		printf("# %s: %s\n", q, sqlite3_errmsg(km_db_handle(db)));
		return v;
	}
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

static const char *q_str(const char *fmt, ...) KM_PRINTF(1, 2);

static const char *
q_str(const char *fmt, ...)
{
	static char buf[4][512];
	static int i;
	sqlite3_stmt *st;
	char q[1024], *b = buf[i++ % 4];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(q, sizeof(q), fmt, ap);
	va_end(ap);
	km_strlcpy(b, "(none)", sizeof(buf[0]));
	if (sqlite3_prepare_v2(km_db_handle(db), q, -1, &st, NULL) !=
	    SQLITE_OK) {
		printf("# %s: %s\n", q, sqlite3_errmsg(km_db_handle(db)));
		return b;
	}
	if (sqlite3_step(st) == SQLITE_ROW)
		km_strlcpy(b, sqlite3_column_type(st, 0) == SQLITE_NULL ?
		    "(null)" : (const char *)sqlite3_column_text(st, 0),
		    sizeof(buf[0]));
	sqlite3_finalize(st);
	return b;
}

/* Luhn, written out here: from the right, every second digit doubled. */
static int
luhn(const char *s)
{
	size_t n = strlen(s), i;
	int sum = 0, v;

	for (i = 0; i < n; i++) {
		v = s[n - 1 - i] - '0';
		if (i % 2 == 1) {
			v *= 2;
			if (v > 9)
				v -= 9;
		}
		sum += v;
	}
	return n > 0 && sum % 10 == 0;
}

/* ---- km_app_set ---- */

/* key=val must be accepted, marking its field (one bit) given. */
static void
good(struct km_app *a, const char *key, const char *val, const char *what)
{
	struct km_app f;
	struct km_err e;
	unsigned before = a->set;
	int rv;

	memset(&e, 0, sizeof(e));
	rv = km_app_set(a, key, val, &e);
	if (!ok(rv == 0, "set %s: %s accepted", key, what))
		printf("#   %s\n", e.msg);
	km_app_init(&f);
	km_app_set(&f, key, val, &e);
	ok(f.set != 0 && (f.set & (f.set - 1)) == 0 &&
	    a->set == (before | f.set), "set %s: %s marks its field given",
	    key, what);
}

/* key=val must be refused with KM_EDATA and message want, leaving the
 * application as it was. */
static void
bad(struct km_app *a, const char *key, const char *val, const char *want,
    const char *what)
{
	struct km_app before = *a;
	struct km_err e;
	int rv;

	memset(&e, 0, sizeof(e));
	rv = km_app_set(a, key, val, &e);
	is(rv, -1, "set %s: %s refused", key, what);
	is(e.eclass, KM_EDATA, "set %s: %s KM_EDATA", key, what);
	if (want != NULL)
		is_str(e.msg, want, "set %s: %s message", key, what);
	is(a->set, before.set, "set %s: %s not marked given", key, what);
}

static void
test_set_ids(void)
{
	struct km_app a;
	struct km_err e;

	km_app_init(&a);
	ok(a.set == 0 && a.type == 0 && a.services == 0 && a.pesel[0] == '\0',
	    "app_init: all empty");

	good(&a, "type", "resident", "resident");
	is(a.type, KM_CARD_RESIDENT, "type resident");
	bad(&a, "type", "temporary", "type: neither resident nor entrepreneur",
	    "temporary");
	bad(&a, "type", "Resident", NULL, "capitalised");
	is(a.type, KM_CARD_RESIDENT, "type: kept after refusals");
	{
		struct km_app b;

		km_app_init(&b);
		km_app_set(&b, "type", "entrepreneur", &e);
		is(b.type, KM_CARD_ENTREPRENEUR, "type entrepreneur");
	}

	good(&a, "pesel", "44051401359", "valid");
	is_str(a.pesel, "44051401359", "pesel stored");
	bad(&a, "pesel", "44051401358", "pesel: bad check digit",
	    "bad check digit");
	bad(&a, "pesel", "4405140135", "pesel: must be 11 digits", "10 digits");
	bad(&a, "pesel", "440514013590", "pesel: must be 11 digits",
	    "12 digits");
	bad(&a, "pesel", "4405140135a", "pesel: must be 11 digits", "a letter");
	bad(&a, "pesel", pesel("4413140135"), "pesel: no such date",
	    "month 13");
	bad(&a, "pesel", pesel("8002301234"), "pesel: no such date",
	    "30 February");
	is_str(a.pesel, "44051401359", "pesel: kept after refusals");
	{
		struct km_app b;

		km_app_init(&b);
		good(&b, "pesel", pesel("0222011234"), "born in 2002");
	}

	good(&a, "nip", "PL 856-734-62-15", "'PL 856-734-62-15'");
	is_str(a.nip, "8567346215", "nip: normalised to ten digits");
	{
		struct km_app b;

		km_app_init(&b);
		good(&b, "nip", "8567346215", "bare");
		good(&b, "nip", "pl856 734 62 15", "lower-case pl, spaces");
		is_str(b.nip, "8567346215", "nip: spaces dropped");
	}
	bad(&a, "nip", "8567346216", "nip: bad check digit", "bad check digit");
	bad(&a, "nip", "856734621", "nip: must be 10 digits", "9 digits");
	bad(&a, "nip", "85673462150", "nip: must be 10 digits", "11 digits");
	bad(&a, "nip", "856.734.62.15", "nip: bad character", "dots");
	bad(&a, "nip", "PL", "nip: must be 10 digits", "only PL");
	is_str(a.nip, "8567346215", "nip: kept after refusals");

	good(&a, "regon", "123456785", "9 digits");
	is_str(a.regon, "123456785", "regon stored");
	good(&a, "regon", "12345678512347", "14 digits");
	is_str(a.regon, "12345678512347", "regon 14 stored");
	bad(&a, "regon", "123456784", "regon: bad check digit",
	    "9, bad check digit");
	bad(&a, "regon", "12345678512348", "regon: bad check digit",
	    "14, bad check digit");
	bad(&a, "regon", "1234567851", "regon: must be 9 or 14 digits",
	    "10 digits");
	bad(&a, "regon", "12345678-5", "regon: must be 9 or 14 digits",
	    "a dash");
	is_str(a.regon, "12345678512347", "regon: kept after refusals");

	good(&a, "services", "eticket payments", "two services");
	is(a.services, KM_SVC_ETICKET | KM_SVC_PAYMENTS, "services: bits");
	bad(&a, "services", "eticket parking",
	    "services: unknown service 'parking'", "unknown service");
	is(a.services, KM_SVC_ETICKET | KM_SVC_PAYMENTS,
	    "services: kept after a refusal");
}

/* A text field: its length limit, control characters, UTF-8. */
static void
text_field(const char *key, size_t max)
{
	struct km_app a;
	char buf[300], want[128];

	km_app_init(&a);
	good(&a, key, "\xc5\x81ukasz \xc5\xbb\xc3\xb3\xc5\x82\xc4\x87",
	    "Polish letters");
	memset(buf, 'x', max);
	buf[max] = '\0';
	good(&a, key, buf, "at the limit");
	buf[max] = 'x';
	buf[max + 1] = '\0';
	snprintf(want, sizeof(want), "%s: longer than %zu bytes", key, max);
	bad(&a, key, buf, want, "one byte over");
	snprintf(want, sizeof(want), "%s: control character", key);
	bad(&a, key, "Jan\tX", want, "a tab");
	bad(&a, key, "Jan\nX", want, "a newline");
	bad(&a, key, "\x1b[31mred", want, "an escape");
	bad(&a, key, "del\x7f", want, "DEL");
	snprintf(want, sizeof(want), "%s: not valid UTF-8", key);
	bad(&a, key, "\xc3\x28", want, "a bad continuation byte");
	bad(&a, key, "abc\xc5", want, "cut before its continuation");
	bad(&a, key, "\xc0\x80", want, "overlong NUL");
	bad(&a, key, "\xc1\xbf", want, "overlong 2-byte");
	bad(&a, key, "\x80" "abc", want, "a lone continuation byte");
	bad(&a, key, "\xf5\x80\x80\x80", want, "lead byte F5");
	bad(&a, key, "\xff", want, "byte FF");
	good(&a, key, "\xe2\x82\xac \xf0\x9f\x98\x80", "euro sign and emoji");
}

static void
test_set_text(void)
{
	struct km_app a;
	struct km_err e;
	unsigned set;
	int rv;

	text_field("first_name", KM_NAMESZ - 1);
	text_field("surname", KM_NAMESZ - 1);
	text_field("city", KM_NAMESZ - 1);
	text_field("street", KM_TEXTSZ - 1);
	text_field("company", KM_TEXTSZ - 1);

	/* Sequences that are not UTF-8 by RFC 3629: overlong 3- and 4-byte
	 * forms, UTF-16 surrogates, beyond U+10FFFF. */
	km_app_init(&a);
	rv = km_app_set(&a, "surname", "\xe0\x80\xaf", &e);
	BUG(rv == -1, "text_ok() accepts an overlong 3-byte sequence (E0 80 AF)",
	    "set surname: overlong 3-byte '/' refused");
	rv = km_app_set(&a, "surname", "\xed\xa0\x80", &e);
	BUG(rv == -1, "text_ok() accepts a UTF-16 surrogate (ED A0 80)",
	    "set surname: surrogate U+D800 refused");
	rv = km_app_set(&a, "surname", "\xf0\x80\x80\xaf", &e);
	BUG(rv == -1, "text_ok() accepts an overlong 4-byte sequence",
	    "set surname: overlong 4-byte refused");
	rv = km_app_set(&a, "surname", "\xf4\x90\x80\x80", &e);
	BUG(rv == -1, "text_ok() accepts code points beyond U+10FFFF",
	    "set surname: U+110000 refused");
	/* C1 controls (U+0080 to U+009F) are control characters too. */
	rv = km_app_set(&a, "surname", "Jan\xc2\x85X", &e);
	BUG(rv == -1, "text_ok() accepts C1 control characters (U+0085)",
	    "set surname: C1 control NEL refused");

	/* Empty values leave a field unset, even a checked one. */
	km_app_init(&a);
	set = a.set;
	ok(km_app_set(&a, "email", "", &e) == 0 && a.set == set &&
	    a.email[0] == '\0', "empty email: accepted, left unset");
	ok(km_app_set(&a, "pesel", "", &e) == 0 && a.set == set,
	    "empty pesel: left unset");
	ok(km_app_set(&a, "type", "", &e) == 0 && a.set == set && a.type == 0,
	    "empty type: left unset");
	ok(km_app_set(&a, "surname", "", &e) == 0 && a.set == set,
	    "empty surname: left unset");
	km_app_set(&a, "city", "Warszawa", &e);
	set = a.set;
	ok(km_app_set(&a, "city", "", &e) == 0 && a.set == set &&
	    strcmp(a.city, "Warszawa") == 0, "empty city after a city: kept");

	/* Unknown fields, even with empty values. */
	bad(&a, "colour", "blue", "unknown field 'colour'", "unknown field");
	bad(&a, "colour", "", "unknown field 'colour'", "unknown, empty value");
	bad(&a, "Surname", "Nowak", "unknown field 'Surname'",
	    "names are lower case");
	bad(&a, "", "x", "unknown field ''", "empty name");
	bad(&a, "sur", "Nowak", "unknown field 'sur'", "no prefixes");
}

static void
test_set_contact(void)
{
	static const char *postbad[] = { "90001", "9-0001", "90-00a",
	    "90-0011", "ab-cde", " 90-001", "90-001 ", "90 001", "90_001",
	    "90--01", "-90-01" };
	static const char *mailbad[] = { "jan", "@example.pl",
	    "jan@example", "jan@.example.pl", "jan@example.pl.",
	    "jan@@example.pl", "a@b@example.pl", "jan kowalski@example.pl",
	    "jan,kowalski@example.pl", "<jan@example.pl>",
	    "\"jan\"@example.pl", "jan;x@example.pl" };
	static const char *phonebad[] = { "60010020", "+12345678",
	    "+1234567890123456", "600-100-2OO", "48+600100200",
	    "(22) 123 45 67", "+", "   ", "--", "600.100.200", "++48600100200",
	    "600 100 200 x" };
	struct km_app a;
	struct km_err e;
	char buf[200];
	size_t i;
	int rv;

	km_app_init(&a);
	good(&a, "postcode", "90-001", "NN-NNN");
	is_str(a.postcode, "90-001", "postcode stored");
	good(&a, "postcode", "00-950", "leading zeros");
	for (i = 0; i < sizeof(postbad) / sizeof(postbad[0]); i++)
		bad(&a, "postcode", postbad[i],
		    "postcode: not of the form NN-NNN", postbad[i]);
	is_str(a.postcode, "00-950", "postcode: kept after refusals");

	good(&a, "email", "jan.kowalski@example.pl", "an address");
	is_str(a.email, "jan.kowalski@example.pl", "email stored");
	good(&a, "email", "a@b.pl", "short");
	good(&a, "email", "jan+km@mail.example.com.pl", "plus and subdomains");
	for (i = 0; i < sizeof(mailbad) / sizeof(mailbad[0]); i++)
		bad(&a, "email", mailbad[i], "email: not an address",
		    mailbad[i]);
	memset(buf, 'a', sizeof(buf));
	memcpy(buf + 118, "@example.pl", 12);	/* 129 bytes and a NUL */
	bad(&a, "email", buf, "email: longer than 128 bytes", "129 bytes");
	bad(&a, "email", "jan@exa\tmple.pl", "email: control character",
	    "a tab");
	memcpy(buf + 117, "@example.pl", 12);	/* 128 bytes: fits */
	good(&a, "email", buf, "128 bytes");
	is(strlen(a.email), 128, "email: 128 bytes stored whole");
	/* Control characters are refused in every other text field. */
	{
		struct km_app b;

		km_app_init(&b);
		rv = km_app_set(&b, "email", "jan\n@example.pl", &e);
		BUG(rv == -1, "email_ok() lets a newline through",
		    "set email: a newline refused");
		rv = km_app_set(&b, "email", "jan@example.pl\r\n", &e);
		BUG(rv == -1, "email_ok() lets CR LF through at the end",
		    "set email: trailing CR LF refused");
		rv = km_app_set(&b, "email", "jan\x01@example.pl", &e);
		BUG(rv == -1, "email_ok() lets control characters through",
		    "set email: a control character refused");
	}

	good(&a, "phone", "+48 600-100-200", "'+48 600-100-200'");
	is_str(a.phone, "+48600100200", "phone: spaces and dashes dropped");
	good(&a, "phone", "600100200", "9 digits");
	is_str(a.phone, "600100200", "phone: 9 digits stored");
	good(&a, "phone", "+123456789012345", "'+' and 15 digits");
	is_str(a.phone, "+123456789012345", "phone: 15 digits stored");
	good(&a, "phone", "123456789012345", "15 digits");
	good(&a, "phone", "+123456789", "'+' and 9 digits");
	for (i = 0; i < sizeof(phonebad) / sizeof(phonebad[0]); i++)
		bad(&a, "phone", phonebad[i],
		    "phone: 9 to 15 digits, with an optional '+'", phonebad[i]);
	{
		struct km_app b;

		km_app_init(&b);
		rv = km_app_set(&b, "phone", "1234567890123456", &e);
		BUG(rv == -1, "phone_norm() allows 16 digits without a '+'",
		    "set phone: 16 digits refused");
		/* A refused value must not damage the one already set. */
		km_app_set(&b, "phone", "600100200", &e);
		rv = km_app_set(&b, "phone", "12345678x", &e);
		ok(rv == -1, "set phone: a bad value after a good one refused");
		BUG(strcmp(b.phone, "600100200") == 0, "phone_norm() writes "
		    "into the application before checking: a refused value "
		    "overwrites the phone already set",
		    "set phone: the earlier phone kept after a refusal");
	}
}

/* A whole resident application. */
static void
resident(struct km_app *a, const char *pes, const char *first,
    const char *surname)
{
	struct km_err e;

	km_app_init(a);
	km_app_set(a, "type", "resident", &e);
	km_app_set(a, "pesel", pes, &e);
	km_app_set(a, "first_name", first, &e);
	km_app_set(a, "surname", surname, &e);
	km_app_set(a, "street", "ul. Piotrkowska 1", &e);
	km_app_set(a, "postcode", "90-001", &e);
	km_app_set(a, "city", "\xc5\x81\xc3\xb3" "d\xc5\xba", &e);
}

static void
entrepreneur(struct km_app *a, const char *pes, const char *first,
    const char *surname)
{
	struct km_err e;

	resident(a, pes, first, surname);
	km_app_set(a, "type", "entrepreneur", &e);
	km_app_set(a, "nip", "PL 856-734-62-15", &e);
	km_app_set(a, "regon", "123456785", &e);
	km_app_set(a, "company", "Taks\xc3\xb3wki \xc5\x81\xc3\xb3" "dzkie "
	    "Sp. z o.o.", &e);
}

/* Checks app, which must be refused with message want. */
static void
check_bad(struct km_app *a, const struct km_cfg *c, const char *want,
    const char *what)
{
	struct km_err e;
	int rv;

	memset(&e, 0, sizeof(e));
	rv = km_app_check(a, c, &e);
	ok(rv == -1 && e.eclass == KM_EDATA, "check: %s refused", what);
	is_str(e.msg, want, "check: %s message", what);
}

static void
test_check(void)
{
	static const char *resfields[] = { "pesel", "first_name", "surname",
	    "street", "postcode", "city" };
	static const char *bizfields[] = { "nip", "regon", "company" };
	struct km_app a, full;
	struct km_cfg *narrow;
	struct km_err e;
	char want[128];
	size_t i, j;

	km_app_init(&a);
	check_bad(&a, cfg, "type: missing (resident or entrepreneur)",
	    "an empty application");
	km_app_set(&a, "pesel", "44051401359", &e);
	km_app_set(&a, "surname", "Kowalski", &e);
	check_bad(&a, cfg, "type: missing (resident or entrepreneur)",
	    "fields but no type");

	resident(&full, "44051401359", "Jan", "Kowalski");
	a = full;
	is(km_app_check(&a, cfg, &e), 0, "check: a whole resident application");
	is(a.services, KM_SVC_ID | KM_SVC_ETICKET | KM_SVC_PAYMENTS |
	    KM_SVC_BENEFITS, "check: no services asked gives all the "
	    "resident card has");

	/* Each required field missing in turn: build all but that one. */
	for (i = 0; i < sizeof(resfields) / sizeof(resfields[0]); i++) {
		static const char *vals[] = { "44051401359", "Jan", "Kowalski",
		    "ul. Piotrkowska 1", "90-001", "Lodz" };

		km_app_init(&a);
		km_app_set(&a, "type", "resident", &e);
		for (j = 0; j < sizeof(resfields) / sizeof(resfields[0]); j++)
			if (j != i)
				km_app_set(&a, resfields[j], vals[j], &e);
		snprintf(want, sizeof(want), "%s: missing", resfields[i]);
		check_bad(&a, cfg, want, want);
	}
	/* The order of the checks: the first missing field is named. */
	km_app_init(&a);
	km_app_set(&a, "type", "resident", &e);
	check_bad(&a, cfg, "pesel: missing", "only a type");

	/* Business fields on a resident. */
	for (i = 0; i < sizeof(bizfields) / sizeof(bizfields[0]); i++) {
		static const char *vals[] = { "8567346215", "123456785",
		    "Firma" };

		a = full;
		km_app_set(&a, bizfields[i], vals[i], &e);
		snprintf(want, sizeof(want), "%s: only for an entrepreneur",
		    bizfields[i]);
		check_bad(&a, cfg, want, want);
	}

	/* An entrepreneur needs the business fields too. */
	entrepreneur(&full, "44051401359", "Jan", "Kowalski");
	a = full;
	is(km_app_check(&a, cfg, &e), 0, "check: a whole entrepreneur "
	    "application");
	is(a.services, KM_SVC_ID | KM_SVC_ESIGN | KM_SVC_PAYMENTS,
	    "check: the entrepreneur card's services by default");
	for (i = 0; i < sizeof(bizfields) / sizeof(bizfields[0]); i++) {
		static const char *vals[] = { "8567346215", "123456785",
		    "Firma" };

		resident(&a, "44051401359", "Jan", "Kowalski");
		km_app_set(&a, "type", "entrepreneur", &e);
		for (j = 0; j < sizeof(bizfields) / sizeof(bizfields[0]); j++)
			if (j != i)
				km_app_set(&a, bizfields[j], vals[j], &e);
		snprintf(want, sizeof(want), "%s: missing", bizfields[i]);
		check_bad(&a, cfg, want, want);
	}

	/* Services asked for: a subset is kept, others refused. */
	resident(&a, "44051401359", "Jan", "Kowalski");
	km_app_set(&a, "services", "eticket", &e);
	ok(km_app_check(&a, cfg, &e) == 0 && a.services == KM_SVC_ETICKET,
	    "check: services asked for are kept");
	km_app_set(&a, "services", "eticket esignature", &e);
	check_bad(&a, cfg, "services: 'esignature' is not offered on the "
	    "Resident Card", "esignature on a resident card");
	a = full;
	km_app_set(&a, "services", "benefits", &e);
	check_bad(&a, cfg, "services: 'benefits' is not offered on the "
	    "Entrepreneur Card", "benefits on an entrepreneur card");
	a = full;
	km_app_set(&a, "services", "eticket", &e);
	check_bad(&a, cfg, "services: 'eticket' is not offered on the "
	    "Entrepreneur Card", "eticket on an entrepreneur card");

	/* The offer comes from the config. */
	if ((narrow = config("narrow.yaml", "cards:\n  resident:\n"
	    "    services: [eticket]\n")) == NULL) {
		ok(0, "narrow config loads");
		return;
	}
	resident(&a, "44051401359", "Jan", "Kowalski");
	ok(km_app_check(&a, narrow, &e) == 0 && a.services == KM_SVC_ETICKET,
	    "check: default services from the config");
	resident(&a, "44051401359", "Jan", "Kowalski");
	km_app_set(&a, "services", "payments", &e);
	check_bad(&a, narrow, "services: 'payments' is not offered on the "
	    "Resident Card", "a service the config does not offer");
	km_cfg_free(narrow);

	/* Contact details are optional. */
	resident(&a, "44051401359", "Jan", "Kowalski");
	ok(km_app_check(&a, cfg, &e) == 0 && a.email[0] == '\0',
	    "check: email and phone optional");
}

/* ---- the store ---- */

/* Issues app in a transaction at the next minute; on failure rolls back
 * and leaves the error in *e. */
static int
issue(struct km_app *a, struct km_card *c, struct km_err *e)
{
	struct km_err e2;

	now += 60;
	km_db_set_now(db, now);
	memset(e, 0, sizeof(*e));
	if (km_app_check(a, cfg, e) == -1 || km_db_begin(db, e) == -1)
		return -1;
	if (km_card_issue(db, cfg, a, c, e) == -1) {
		km_db_rollback(db);
		return -1;
	}
	if (km_db_commit(db, &e2) == -1) {
		*e = e2;
		return -1;
	}
	return 0;
}

static int
move(struct km_card *c, int ev, const char *reason)
{
	struct km_err e;

	now += 60;
	km_db_set_now(db, now);
	if (km_db_begin(db, &e) == -1)
		return -1;
	if (km_life_apply(db, cfg, c, ev, reason, NULL, &e) == -1) {
		printf("# move: %s\n", e.msg);
		km_db_rollback(db);
		return -1;
	}
	return km_db_commit(db, &e);
}

static void
tick(void)
{
	now += 60;
	km_db_set_now(db, now);
}

static struct km_card r1, r2, e1, r3, r1b;
static char p1[12], p2[12], p3[12];

static void
test_issue(void)
{
	struct km_app a;
	struct km_holder h;
	struct km_card c;
	struct km_err e;
	char want[256], at[KM_TIME_BUFSZ];
	long long cards, audits;

	km_strlcpy(p1, pesel("8001011234"), sizeof(p1));
	km_strlcpy(p2, pesel("8505052345"), sizeof(p2));
	km_strlcpy(p3, pesel("9012123456"), sizeof(p3));

	resident(&a, p1, "Jan", "Kowalski");
	km_app_set(&a, "email", "jan@example.pl", &e);
	km_app_set(&a, "phone", "+48 600-100-200", &e);
	if (!ok(issue(&a, &r1, &e) == 0, "issue: first resident card")) {
		printf("#   %s\n", e.msg);
		return;
	}
	is(strlen(r1.number), KM_CARDNO_LEN, "number: 16 characters");
	ok(km_isdigits(r1.number, KM_CARDNO_LEN), "number: all digits");
	ok(strncmp(r1.number, "123456", 6) == 0, "number: the config's IIN");
	is(r1.number[6], '1', "number: type digit 1 for a resident card");
	ok(strncmp(r1.number + 7, "00000001", 8) == 0,
	    "number: serial 00000001 (%s)", r1.number);
	ok(km_luhn_valid(r1.number), "number: km_luhn_valid");
	ok(luhn(r1.number), "number: Luhn as written out here");
	is(km_cardno_check(r1.number, &e), 0, "number: km_cardno_check");
	is(r1.type, KM_CARD_RESIDENT, "card: resident");
	is(r1.state, KM_ST_ORDERED, "card: ordered");
	is(r1.services, KM_SVC_ID | KM_SVC_ETICKET | KM_SVC_PAYMENTS |
	    KM_SVC_BENEFITS, "card: the type's services");
	is(r1.ordered_at, now, "card: ordered now");
	is(r1.expires_at, km_time_add_years(now, 5), "card: valid 5 years");
	ok(r1.chip_uid[0] == '\0' && r1.replaces[0] == '\0' && !r1.listed,
	    "card: no chip, replaces nothing, not listed");
	km_time_iso(r1.expires_at, at);
	is_str(q_str("SELECT expires_at FROM card WHERE id = %lld", r1.id), at,
	    "card: expiry stored");
	ok(km_card_get(db, r1.id, &c, &e) == 0 &&
	    memcmp(&c, &r1, sizeof(c)) == 0, "card: read back the same");
	if (km_holder_get(db, r1.holder_id, &h, &e) == 0) {
		ok(h.kind == KM_CARD_RESIDENT && strcmp(h.pesel, p1) == 0 &&
		    strcmp(h.first_name, "Jan") == 0 &&
		    strcmp(h.surname, "Kowalski") == 0 &&
		    strcmp(h.street, "ul. Piotrkowska 1") == 0 &&
		    strcmp(h.postcode, "90-001") == 0 &&
		    strcmp(h.city, "\xc5\x81\xc3\xb3" "d\xc5\xba") == 0 &&
		    strcmp(h.email, "jan@example.pl") == 0 &&
		    strcmp(h.phone, "+48600100200") == 0 && h.nip[0] == '\0' &&
		    h.company[0] == '\0', "holder: registered as applied");
	} else
		ok(0, "holder: %s", e.msg);
	is_str(q_str("SELECT name_key || '|' || name_key2 FROM holder WHERE"
	    " id = %lld", r1.holder_id), "kowalski jan|jan kowalski",
	    "holder: folded name keys");
	is_str(q_str("SELECT action || ' ' || subject || ' ' || detail FROM"
	    " audit WHERE seq = 1"), q_str("SELECT 'holder.register holder=%lld"
	    " resident'", r1.holder_id), "audit: the holder registered");
	is_str(q_str("SELECT action || ' ' || subject FROM audit WHERE"
	    " seq = 2"), q_str("SELECT 'card.order %s'", r1.number),
	    "audit: the card ordered");
	ok(strstr(q_str("SELECT detail FROM audit WHERE seq = 2"), p1) ==
	    NULL && strstr(q_str("SELECT detail || subject FROM audit WHERE"
	    " seq = 1"), p1) == NULL, "audit: no PESEL in the audit rows");
	is_str(q_str("SELECT ev || ' ' || to_state || ' ' || note FROM"
	    " card_event WHERE card_id = %lld", r1.id),
	    "order ordered application", "event: the order");

	resident(&a, p2, "Anna", "Nowak");
	ok(issue(&a, &r2, &e) == 0 && strncmp(r2.number, "1234561", 7) == 0 &&
	    strncmp(r2.number + 7, "00000002", 8) == 0 &&
	    km_luhn_valid(r2.number) && r2.holder_id != r1.holder_id,
	    "issue: second resident, serial 00000002, a new holder");

	/* An entrepreneur card for the same person: another holder, its
	 * own counter. */
	entrepreneur(&a, p1, "Jan", "Kowalski");
	if (!ok(issue(&a, &e1, &e) == 0, "issue: entrepreneur card for a "
	    "resident's PESEL"))
		printf("#   %s\n", e.msg);
	ok(strncmp(e1.number, "1234562", 7) == 0 &&
	    strncmp(e1.number + 7, "00000001", 8) == 0 &&
	    km_luhn_valid(e1.number), "entrepreneur: type digit 2, serial 1");
	ok(e1.holder_id != r1.holder_id && e1.type == KM_CARD_ENTREPRENEUR &&
	    e1.services == (KM_SVC_ID | KM_SVC_ESIGN | KM_SVC_PAYMENTS),
	    "entrepreneur: its own holder, type and services");
	if (km_holder_get(db, e1.holder_id, &h, &e) == 0)
		ok(h.kind == KM_CARD_ENTREPRENEUR &&
		    strcmp(h.nip, "8567346215") == 0 &&
		    strcmp(h.regon, "123456785") == 0 &&
		    strncmp(h.company, "Taks", 4) == 0,
		    "entrepreneur holder: business fields");

	resident(&a, p3, "\xc5\xbb" "aneta", "\xc5\x81\xc3\xb3" "d\xc5\xba");
	ok(issue(&a, &r3, &e) == 0 && strncmp(r3.number + 7, "00000003", 8) ==
	    0, "issue: third resident, serial 00000003");
	is(q_int("SELECT value FROM counter WHERE name = 'card.1'"), 3,
	    "counter: resident cards");
	is(q_int("SELECT value FROM counter WHERE name = 'card.2'"), 1,
	    "counter: entrepreneur cards");

	/* A second card of the type while one is in use. */
	cards = q_int("SELECT COUNT(*) FROM card");
	audits = q_int("SELECT COUNT(*) FROM audit");
	resident(&a, p1, "Jan", "Kowalski");
	snprintf(want, sizeof(want), "holder %lld already has Resident Card "
	    "ordered '%s'", r1.holder_id, r1.number);
	ok(issue(&a, &c, &e) == -1 && e.eclass == KM_EDATA,
	    "issue: a second live card refused");
	is_str(e.msg, want, "issue: second card message");
	ok(q_int("SELECT COUNT(*) FROM card") == cards &&
	    q_int("SELECT COUNT(*) FROM audit") == audits &&
	    q_int("SELECT value FROM counter WHERE name = 'card.1'") == 3,
	    "issue refused: no card, no audit row, no number used");

	/* The same PESEL under another name. */
	resident(&a, p1, "Janusz", "Kowalski");
	snprintf(want, sizeof(want), "pesel: registered to holder %lld under "
	    "another name", r1.holder_id);
	ok(issue(&a, &c, &e) == -1 && e.eclass == KM_EDATA &&
	    strcmp(e.msg, want) == 0, "issue: same PESEL, other first name");
	resident(&a, p1, "Jan", "Kowalska");
	ok(issue(&a, &c, &e) == -1 && strcmp(e.msg, want) == 0,
	    "issue: same PESEL, other surname");
	resident(&a, p1, "jan", "kowalski");
	ok(issue(&a, &c, &e) == -1 && strcmp(e.msg, want) == 0,
	    "issue: same PESEL, name in another case");

	/* Blocked: still in use; replace it. */
	move(&r1, KM_EV_PERSONALISE, NULL);
	move(&r1, KM_EV_BLOCK, "lost");
	resident(&a, p1, "Jan", "Kowalski");
	snprintf(want, sizeof(want), "holder %lld already has Resident Card "
	    "blocked '%s': replace it", r1.holder_id, r1.number);
	ok(issue(&a, &c, &e) == -1 && e.eclass == KM_EDATA &&
	    strcmp(e.msg, want) == 0, "issue: blocked card says replace it");

	/* Revoked: a new card for the same holder, contact updated. */
	move(&r1, KM_EV_REVOKE, "holder request");
	audits = q_int("SELECT COUNT(*) FROM audit");
	resident(&a, p1, "Jan", "Kowalski");
	km_app_set(&a, "street", "ul. Zielona 5", &e);
	km_app_set(&a, "postcode", "91-002", &e);
	if (!ok(issue(&a, &r1b, &e) == 0, "issue after revoke: done"))
		printf("#   %s\n", e.msg);
	is(r1b.holder_id, r1.holder_id, "issue after revoke: the same holder");
	ok(strncmp(r1b.number + 7, "00000004", 8) == 0,
	    "issue after revoke: next serial");
	if (km_holder_get(db, r1.holder_id, &h, &e) == 0)
		ok(strcmp(h.street, "ul. Zielona 5") == 0 &&
		    strcmp(h.postcode, "91-002") == 0 &&
		    strcmp(h.email, "jan@example.pl") == 0 &&
		    strcmp(h.phone, "+48600100200") == 0,
		    "holder: new address, email and phone kept");
	is(q_int("SELECT COUNT(*) FROM audit"), audits + 2,
	    "issue after revoke: contact and order audited");
	is_str(q_str("SELECT action || '|' || subject || '|' || detail FROM"
	    " audit WHERE seq = %lld", audits + 1),
	    q_str("SELECT 'holder.contact|holder=%lld|contact details from a"
	    " new application'", r1.holder_id), "audit: holder.contact");
	is(q_int("SELECT COUNT(*) FROM holder WHERE pesel = '%s'", p1), 2,
	    "holders: one resident and one entrepreneur for the PESEL");

	/* The same contact again: no contact row. */
	move(&r1b, KM_EV_EXPIRE, NULL);
	audits = q_int("SELECT COUNT(*) FROM audit");
	resident(&a, p1, "Jan", "Kowalski");
	km_app_set(&a, "street", "ul. Zielona 5", &e);
	km_app_set(&a, "postcode", "91-002", &e);
	km_app_set(&a, "email", "jan@example.pl", &e);
	ok(issue(&a, &c, &e) == 0, "issue after expiry: done");
	is(q_int("SELECT COUNT(*) FROM audit"), audits + 1,
	    "issue, contact unchanged: only the order audited");
	is(q_int("SELECT COUNT(*) FROM audit WHERE action = 'holder.contact'"),
	    1, "one holder.contact row in all");
	r1b = c;
}

/* km_card_find(key) must give exactly the n ids that follow. */
static void
find_is(const char *key, size_t n, ...)
{
	struct km_err e;
	long long *ids = NULL, want[16];
	size_t got = 99, i;
	va_list ap;
	int rv, same = 1;

	va_start(ap, n);
	for (i = 0; i < n; i++)
		want[i] = va_arg(ap, long long);
	va_end(ap);
	memset(&e, 0, sizeof(e));
	rv = km_card_find(db, key, &ids, &got, &e);
	if (rv == -1)
		printf("#   %s\n", e.msg);
	if (got != n)
		same = 0;
	for (i = 0; same && i < n; i++)
		if (ids[i] != want[i])
			same = 0;
	if (!ok(rv == 0 && same, "find '%s': %zu card(s)", key, n)) {
		printf("#   got %zu:", got);
		for (i = 0; rv == 0 && i < got; i++)
			printf(" %lld", ids[i]);
		printf("\n");
	}
	free(ids);
}

static void
find_bad(const char *key, const char *want)
{
	struct km_err e;
	long long *ids = (long long *)1;
	size_t n = 99;
	int rv;

	memset(&e, 0, sizeof(e));
	rv = km_card_find(db, key, &ids, &n, &e);
	ok(rv == -1 && e.eclass == KM_EDATA && ids == NULL && n == 0,
	    "find '%s': refused", key);
	is_str(e.msg, want, "find '%s': message", key);
	if (rv == 0)
		free(ids);
}

static void
test_bind(void)
{
	static const char *uidbad[] = { "123", "0011223344", "GG112233",
	    "00112233445566778899AA", "", "0x11223344", "11-22-33-44",
	    "001122334455", "0011223", "::::", "112233445" };
	struct km_card c;
	struct km_err e;
	char want[256];
	long long audits;
	size_t i;
	int rv;

	km_db_begin(db, &e);
	rv = km_card_bind(db, &r2, "04:A1:b2:C3:d4:E5:f6", &e);
	ok(rv == 0 && km_db_commit(db, &e) == 0, "bind: a 7-byte UID");
	is_str(r2.chip_uid, "04A1B2C3D4E5F6", "bind: normalised upper case");
	is_str(q_str("SELECT chip_uid FROM card WHERE id = %lld", r2.id),
	    "04A1B2C3D4E5F6", "bind: stored");
	is_str(q_str("SELECT action || ' ' || detail FROM audit ORDER BY seq"
	    " DESC LIMIT 1"), "card.bind 04A1B2C3D4E5F6", "bind: audited");

	audits = q_int("SELECT COUNT(*) FROM audit");
	km_db_begin(db, &e);
	rv = km_card_bind(db, &r2, "04 a1 b2 c3 d4 e5 f6", &e);
	km_db_commit(db, &e);
	ok(rv == 0 && q_int("SELECT COUNT(*) FROM audit") == audits,
	    "bind: the same chip again is a no-op");

	km_db_begin(db, &e);
	memset(&e, 0, sizeof(e));
	c = r3;
	rv = km_card_bind(db, &r3, "04a1b2c3d4e5f6", &e);
	snprintf(want, sizeof(want), "chip '04A1B2C3D4E5F6' is already bound "
	    "to card '%s'", r2.number);
	ok(rv == -1 && e.eclass == KM_EDATA, "bind: a chip of another card "
	    "refused");
	is_str(e.msg, want, "bind: names the other card");
	ok(memcmp(&c, &r3, sizeof(c)) == 0 && strcmp(q_str("SELECT"
	    " COALESCE(chip_uid, '(null)') FROM card WHERE id = %lld", r3.id),
	    "(null)") == 0, "bind refused: card unchanged");
	rv = km_card_bind(db, &r2, "11223344", &e);
	snprintf(want, sizeof(want), "card '%s' is already bound to chip "
	    "'04A1B2C3D4E5F6'", r2.number);
	ok(rv == -1 && e.eclass == KM_EDATA && strcmp(e.msg, want) == 0,
	    "bind: a bound card refuses another chip");
	for (i = 0; i < sizeof(uidbad) / sizeof(uidbad[0]); i++) {
		memset(&e, 0, sizeof(e));
		rv = km_card_bind(db, &r3, uidbad[i], &e);
		ok(rv == -1 && e.eclass == KM_EDATA &&
		    strcmp(e.msg, "chip uid: not 4, 7 or 10 bytes in hex") == 0,
		    "bind: '%s' refused", uidbad[i]);
	}
	is(q_int("SELECT COUNT(*) FROM card WHERE id = %lld AND chip_uid IS"
	    " NULL", r3.id), 1, "bind: bad UIDs bound nothing");
	ok(km_card_bind(db, &r3, "de:ad:be:ef", &e) == 0 &&
	    strcmp(r3.chip_uid, "DEADBEEF") == 0, "bind: a 4-byte UID");
	ok(km_card_bind(db, &e1, "00112233445566778899", &e) == 0 &&
	    strcmp(e1.chip_uid, "00112233445566778899") == 0,
	    "bind: a 10-byte UID");
	km_db_commit(db, &e);
}

static void
test_find(void)
{
	struct km_card c;
	struct km_err e;
	char key[64];

	/* holders: r1, the expired card before r1b, and r1b Kowalski
	 * (resident), e1 Kowalski
	 * (entrepreneur, "Taksówki Łódzkie"), r2 Nowak, r3 Łódź */
	find_is(r2.number, 1, r2.id);
	snprintf(key, sizeof(key), "card:%s", r3.number);
	find_is(key, 1, r3.id);
	find_is("1234561999999995", 0);
	find_is("04a1b2c3d4e5f6", 1, r2.id);
	find_is("04A1B2C3D4E5F6", 1, r2.id);
	find_is("uid:04 a1 b2 c3 d4 e5 f6", 1, r2.id);
	find_is("uid:04:A1:B2:C3:D4:E5:F6", 1, r2.id);
	find_is("DEADBEEF", 1, r3.id);
	find_is("00112233445566778899", 1, e1.id);
	find_is("cafebabe", 0);
	find_bad("uid:zz", "chip uid: not 4, 7 or 10 bytes in hex");

	find_is(p1, 4, r1.id, r1b.id - 1, r1b.id, e1.id);
	snprintf(key, sizeof(key), "pesel:%s", p2);
	find_is(key, 1, r2.id);
	find_is(pesel("7001011234"), 0);

	find_is("8567346215", 1, e1.id);
	find_is("PL 856-734-62-15", 1, e1.id);
	find_is("PL8567346215", 1, e1.id);
	find_is("856-734-62-15", 1, e1.id);
	find_is("nip:pl 8567346215", 1, e1.id);
	find_bad("nip:123", "nip: must be 10 digits");

	find_is("kow", 4, r1.id, r1b.id - 1, r1b.id, e1.id);
	find_is("KOWALSKI", 4, r1.id, r1b.id - 1, r1b.id, e1.id);
	find_is("Kowalski Jan", 4, r1.id, r1b.id - 1, r1b.id, e1.id);
	find_is("jan", 4, r1.id, r1b.id - 1, r1b.id, e1.id);
	find_is("jan kow", 4, r1.id, r1b.id - 1, r1b.id, e1.id);
	find_is("name:kow", 4, r1.id, r1b.id - 1, r1b.id, e1.id);
	find_is("kowalski x", 0);
	find_is("owal", 0);
	find_is("anna", 1, r2.id);
	find_is("Nowak Anna", 1, r2.id);
	find_is("lodz", 1, r3.id);
	find_is("\xc5\x81\xc3\x93" "D\xc5\xb9", 1, r3.id);
	find_is("\xc5\x81\xc3\xb3" "d\xc5\xba \xc5\xbb", 1, r3.id);
	find_is("zaneta", 1, r3.id);
	find_is("taks", 1, e1.id);
	find_is("TAKSOWKI lodz", 1, e1.id);
	find_is("name:8567346215", 0);
	find_is("pesel:kowalski", 0);
	find_is("foo:bar", 0);

	/* LIKE's own characters are literal in a name key. */
	find_is("%", 0);
	find_is("_", 0);
	find_is("kowalsk_", 0);
	find_is("k%", 0);
	find_is("%kow", 0);
	find_is("\\", 0);
	find_is("kow\\", 0);
	find_is("name:%", 0);

	find_bad("", "empty search key");
	find_bad("name:", "empty search key");
	find_bad("card:", "empty search key");

	/* km_card_by_number: form checked, unknown is not found. */
	ok(km_card_by_number(db, r2.number, &c, &e) == 0 && c.id == r2.id &&
	    strcmp(c.chip_uid, "04A1B2C3D4E5F6") == 0, "by_number: found");
	memset(&e, 0, sizeof(e));
	ok(km_card_by_number(db, "1234561999999995", &c, &e) == -1 &&
	    e.eclass == KM_ENOTFOUND &&
	    strcmp(e.msg, "no card '1234561999999995'") == 0,
	    "by_number: unknown is KM_ENOTFOUND");
	ok(km_card_by_number(db, "1234561999999996", &c, &e) == -1 &&
	    e.eclass == KM_EDATA, "by_number: bad check digit is KM_EDATA");
	ok(km_card_by_number(db, "123", &c, &e) == -1 && e.eclass == KM_EDATA,
	    "by_number: short is KM_EDATA");
	ok(km_card_get(db, 9999, &c, &e) == -1 && e.eclass == KM_ENOTFOUND &&
	    strcmp(e.msg, "no card with id 9999") == 0,
	    "get: unknown id is KM_ENOTFOUND");
}

/* km_card_list(state) must give exactly the n ids that follow. */
static void
list_is(const char *state, size_t n, ...)
{
	struct km_err e;
	long long *ids = NULL, want[16];
	size_t got = 99, i;
	va_list ap;
	int rv, same = 1;

	va_start(ap, n);
	for (i = 0; i < n; i++)
		want[i] = va_arg(ap, long long);
	va_end(ap);
	rv = km_card_list(db, state, &ids, &got, &e);
	if (got != n)
		same = 0;
	for (i = 0; same && i < n; i++)
		if (ids[i] != want[i])
			same = 0;
	ok(rv == 0 && same, "list '%s': %zu card(s)", state, n);
	free(ids);
}

static void
due_is(time_t t, const char *what, size_t n, ...)
{
	struct km_err e;
	long long *ids = NULL, want[16];
	size_t got = 99, i;
	va_list ap;
	int rv, same = 1;

	va_start(ap, n);
	for (i = 0; i < n; i++)
		want[i] = va_arg(ap, long long);
	va_end(ap);
	rv = km_card_due(db, t, &ids, &got, &e);
	if (got != n)
		same = 0;
	for (i = 0; same && i < n; i++)
		if (ids[i] != want[i])
			same = 0;
	if (!ok(rv == 0 && same, "due %s: %zu card(s)", what, n)) {
		printf("#   got %zu:", got);
		for (i = 0; rv == 0 && i < got; i++)
			printf(" %lld", ids[i]);
		printf("\n");
	}
	free(ids);
}

static void
test_list_due(void)
{
	struct km_err e;
	long long *ids = (long long *)1;
	size_t n = 9;

	/* r1 revoked, r1b (the later card) ordered, the one before it
	 * expired, r2 and r3 ordered, e1 ordered. */
	list_is("revoked", 1, r1.id);
	list_is("expired", 1, r1b.id - 1);
	list_is("ordered", 4, r2.id, e1.id, r3.id, r1b.id);
	list_is("active", 0);
	move(&r2, KM_EV_PERSONALISE, NULL);
	move(&r2, KM_EV_BLOCK, "lost");
	move(&r3, KM_EV_PERSONALISE, NULL);
	move(&r3, KM_EV_BLOCK, "stolen");
	move(&e1, KM_EV_PERSONALISE, NULL);
	move(&e1, KM_EV_ACTIVATE, NULL);
	list_is("blocked", 2, r2.id, r3.id);
	list_is("lost", 1, r2.id);
	list_is("stolen", 1, r3.id);
	list_is("fraud", 0);
	list_is("active", 1, e1.id);
	/* A reason on a card that is not blocked does not count. */
	move(&e1, KM_EV_SUSPEND, "lost");
	list_is("lost", 1, r2.id);
	list_is("suspended", 1, e1.id);
	move(&e1, KM_EV_RESUME, NULL);
	list_is("personalised", 0);
	ok(km_card_list(db, "bogus", &ids, &n, &e) == -1 &&
	    e.eclass == KM_EDATA && strcmp(e.msg, "unknown state 'bogus'") ==
	    0 && ids == NULL && n == 0, "list: an unknown state refused");
	ok(km_card_list(db, "none", &ids, &n, &e) == -1,
	    "list: 'none' is no state to list");
	ok(km_card_list(db, "", &ids, &n, &e) == -1, "list: '' refused");
	ok(km_card_list(db, "Active", &ids, &n, &e) == -1,
	    "list: states are lower case");

	/* Due: cards in use (not blocked) whose validity ended by t, the
	 * oldest first.  e1 (active) then r1b (ordered). */
	due_is(now, "now", 0);
	due_is(e1.expires_at - 1, "a second before the first expiry", 0);
	due_is(e1.expires_at, "at the first expiry", 1, e1.id);
	due_is(r1b.expires_at - 1, "a second before the second", 1, e1.id);
	due_is(r1b.expires_at, "at the second expiry", 2, e1.id, r1b.id);
	due_is(km_time_add_years(now, 50), "far ahead", 2, e1.id, r1b.id);
	move(&e1, KM_EV_SUSPEND, "mislaid");
	due_is(r1b.expires_at, "a suspended card is still due", 2, e1.id,
	    r1b.id);
	move(&r1b, KM_EV_EXPIRE, NULL);
	due_is(km_time_add_years(now, 50), "an expired card is not due", 1,
	    e1.id);

	/* A temporary card ordered after a new one expires first. */
	{
		struct km_card neu, tmp;
		int rv;

		tick();
		km_db_begin(db, &e);
		rv = km_life_replace(db, cfg, &e1, "damaged", 1, &neu, &tmp,
		    &e);
		ok(rv == 0 && km_db_commit(db, &e) == 0 && tmp.id > neu.id &&
		    tmp.expires_at < neu.expires_at,
		    "replace: a new card and a temporary one");
		due_is(tmp.expires_at - 1, "before the temporary card's end",
		    0);
		due_is(tmp.expires_at, "at the temporary card's end", 1,
		    tmp.id);
		due_is(km_time_add_years(now, 50), "oldest expiry first, not "
		    "by id", 2, tmp.id, neu.id);
	}
}

static void
test_exhaust(void)
{
	struct km_app a;
	struct km_card c;
	struct km_holder h;
	struct km_err e;
	char want[128];
	long long cards;

	/* The last serial is given out; after it the type has no numbers. */
	if (sqlite3_exec(km_db_handle(db), "UPDATE counter SET value ="
	    " 99999998 WHERE name = 'card.1'", NULL, NULL, NULL) != SQLITE_OK) {
		ok(0, "exhaust: counter set");
		return;
	}
	resident(&a, pesel("7707071234"), "Ewa", "Nowicka");
	ok(issue(&a, &c, &e) == 0 && strncmp(c.number, "123456199999999",
	    15) == 0 && km_luhn_valid(c.number),
	    "the last serial, 99999999, is issued");
	cards = q_int("SELECT COUNT(*) FROM card");
	resident(&a, pesel("7707071235"), "Iga", "Nowicka");
	snprintf(want, sizeof(want), "no card numbers left for the Resident "
	    "Card in IIN 123456");
	ok(issue(&a, &c, &e) == -1 && e.eclass == KM_EDATA &&
	    strcmp(e.msg, want) == 0, "after it: no numbers left");
	ok(q_int("SELECT COUNT(*) FROM card") == cards &&
	    q_int("SELECT value FROM counter WHERE name = 'card.1'") ==
	    99999999, "after it: nothing ordered, counter unchanged");

	memset(&e, 0, sizeof(e));
	ok(km_holder_get(db, 999, &h, &e) == -1 && e.eclass == KM_ENOTFOUND &&
	    strcmp(e.msg, "no holder 999") == 0,
	    "holder_get: unknown is KM_ENOTFOUND");
}

static void
test_names(void)
{
	is_str(km_card_type_name(KM_CARD_RESIDENT), "resident",
	    "type name: resident");
	is_str(km_card_type_name(KM_CARD_ENTREPRENEUR), "entrepreneur",
	    "type name: entrepreneur");
	is_str(km_card_type_name(KM_CARD_TEMPORARY), "temporary",
	    "type name: temporary");
	is_str(km_card_type_name(3), "unknown", "type name: 3 unknown");
	is_str(km_card_type_title(KM_CARD_RESIDENT), "Resident Card",
	    "type title: resident");
	is_str(km_card_type_title(KM_CARD_ENTREPRENEUR), "Entrepreneur Card",
	    "type title: entrepreneur");
	is_str(km_card_type_title(KM_CARD_TEMPORARY), "Temporary Card",
	    "type title: temporary");
	is_str(km_card_type_title(0), "unknown card", "type title: 0");
}

int
main(void)
{
	struct km_err e;
	char key[PATH_MAX];
	int from, to;

	umask(022);
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(key, sizeof(key), "%s/hotlist.pem", dir);
	if (run("openssl genpkey -algorithm EC -pkeyopt "
	    "ec_paramgen_curve:P-256 -out %s 2>/dev/null", key) != 0 ||
	    chmod(key, 0600) == -1 ||
	    (cfg = config("km.yaml", "cards:\n  iin: \"123456\"\n"
	    "  validity_years: 5\n")) == NULL) {
		printf("Bail out! cannot make the config\n");
		run("rm -rf %s", dir);
		return 1;
	}
	test_names();
	test_set_ids();
	test_set_text();
	test_set_contact();
	test_check();

	if (km_db_open(&db, cfg, KM_DB_CREATE, &e) == -1 ||
	    km_db_migrate(db, &from, &to, &e) == -1) {
		printf("Bail out! %s\n", e.msg);
		km_cfg_free(cfg);
		run("rm -rf %s", dir);
		return 1;
	}
	km_db_set_actor(db, "tester");
	km_db_set_now(db, now);
	test_issue();
	test_bind();
	test_find();
	test_list_due();
	test_exhaust();
	km_db_close(db);
	km_cfg_free(cfg);
	run("rm -rf %s", dir);
	return done();
}
