/*
 * t-time.c -- ISO instants, the calendar (leap days, 1800 to 2300) and
 * the Warsaw business day around the clock changes.  Absolute instants
 * were computed independently with python3's calendar.timegm.
 */
#include <string.h>

#include "km.h"
#include "tap.h"

static struct km_err e;

/* The instant s, which must parse. */
static time_t
T(const char *s)
{
	time_t t = 0;

	if (km_time_parse(s, &t, &e) == -1)
		printf("# cannot parse '%s': %s\n", s, e.msg);
	return t;
}

static void
rejects(int (*parse)(const char *, time_t *, struct km_err *),
    const char *s, const char *msg)
{
	time_t t = 4242;
	int rv;

	km_errclear(&e);
	rv = parse(s, &t, &e);
	ok(rv == -1 && t == 4242 && e.eclass == KM_EDATA &&
	    strcmp(e.msg, msg) == 0, "reject '%s': %s", s, msg);
	if (rv != -1 || strcmp(e.msg, msg) != 0)
		printf("#   rv %d, msg '%s'\n", rv, e.msg);
}

static int
mlen(int y, int m)
{
	static const int days[12] = {
		31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
	};

	return m == 2 ? 28 + km_leap_year(y) : days[m - 1];
}

static void
t_iso(void)
{
	char buf[KM_TIME_BUFSZ];

	is_str(km_time_iso(0, buf), "1970-01-01T00:00:00Z", "iso epoch");
	is_str(km_time_iso(-1, buf), "1969-12-31T23:59:59Z", "iso -1");
	is_str(km_time_iso(1795817700, buf), "2026-11-27T22:15:00Z",
	    "iso 2026-11-27T22:15:00Z");
	is_str(km_time_iso(-5364662400LL, buf), "1800-01-01T00:00:00Z",
	    "iso 1800");
	is_str(km_time_iso(10445327999LL, buf), "2300-12-31T23:59:59Z",
	    "iso 2300");
	is_str(km_time_iso(951782400, buf), "2000-02-29T00:00:00Z",
	    "iso 2000-02-29");
	ok(km_time_iso(0, buf) == buf, "iso returns buf");
}

static void
t_civil(void)
{
	char buf[KM_TIME_BUFSZ], want[64];
	time_t t, prev;
	int y, m, d, bad;

	is(km_time_civil(2026, 11, 27, 22, 15, 0), 1795817700,
	    "civil 2026-11-27 22:15");
	is(km_time_civil(1800, 1, 1, 0, 0, 0), -5364662400LL, "civil 1800");
	is(km_time_civil(1899, 12, 31, 12, 0, 0), -2209032000LL,
	    "civil 1899-12-31 12:00");
	is(km_time_civil(2300, 12, 31, 23, 59, 59), 10445327999LL,
	    "civil 2300");
	is(km_time_civil(1970, 1, 1, 0, 0, 0), 0, "civil epoch");
	is(km_time_civil(2026, 12, 31, 24, 0, 0),
	    km_time_civil(2027, 1, 1, 0, 0, 0), "civil 24:00 carries");
	is(km_time_civil(2026, 13, 1, 0, 0, 0),
	    km_time_civil(2027, 1, 1, 0, 0, 0), "civil month 13 carries");
	is(km_time_civil(2026, 0, 1, 0, 0, 0),
	    km_time_civil(2025, 12, 1, 0, 0, 0), "civil month 0 carries");
	is(km_time_civil(2024, 3, 0, 0, 0, 0),
	    km_time_civil(2024, 2, 29, 0, 0, 0), "civil day 0 carries");

	/* Every day from 1800 to 2300: one day after the one before, and
	 * written back as the same date. */
	bad = 0;
	prev = km_time_civil(1799, 12, 31, 12, 0, 0);
	for (y = 1800; y <= 2300; y++)
		for (m = 1; m <= 12; m++)
			for (d = 1; d <= mlen(y, m); d++) {
				t = km_time_civil(y, m, d, 12, 0, 0);
				snprintf(want, sizeof(want),
				    "%04d-%02d-%02dT12:00:00Z", y, m, d);
				if (t - prev != 86400 ||
				    strcmp(km_time_iso(t, buf), want) != 0) {
					if (bad++ == 0)
						printf("# at %s: %s\n", want,
						    buf);
				}
				prev = t;
			}
	is(bad, 0, "days 1800 to 2300 follow each other");
	/* 183 049 days in 1800..2300 (501 years, 121 leap). */
	is((km_time_civil(2301, 1, 1, 0, 0, 0) -
	    km_time_civil(1800, 1, 1, 0, 0, 0)) / 86400, 501 * 365 + 121,
	    "days in 1800..2300");
}

static void
t_leap(void)
{
	is(km_leap_year(2024), 1, "2024 leap");
	is(km_leap_year(2023), 0, "2023 not leap");
	is(km_leap_year(1900), 0, "1900 not leap");
	is(km_leap_year(2000), 1, "2000 leap");
	is(km_leap_year(2100), 0, "2100 not leap");
	is(km_leap_year(2400), 1, "2400 leap");
	is(km_leap_year(1800), 0, "1800 not leap");
}

static void
t_parse(void)
{
	char buf[KM_TIME_BUFSZ];
	time_t t = 0;

	is(km_time_parse("2026-11-27T22:15:00Z", &t, &e), 0, "parse");
	is(t, 1795817700, "parse value");
	is(km_time_parse("1800-01-01T00:00:00Z", &t, &e), 0, "parse 1800");
	is(t, -5364662400LL, "parse 1800 value");
	is(km_time_parse("2024-02-29T23:59:59Z", &t, &e), 0,
	    "parse leap day");
	is_str(km_time_iso(t, buf), "2024-02-29T23:59:59Z", "parse round trip");

	rejects(km_time_parse, "2026-11-27 22:15:00Z",
	    "must be YYYY-MM-DDTHH:MM:SSZ");
	rejects(km_time_parse, "2026-11-27T22:15:00",
	    "must be YYYY-MM-DDTHH:MM:SSZ");
	rejects(km_time_parse, "2026-11-27T22:15:00+01:00",
	    "must be YYYY-MM-DDTHH:MM:SSZ");
	rejects(km_time_parse, "2026-11-27T22:15:00.5Z",
	    "must be YYYY-MM-DDTHH:MM:SSZ");
	rejects(km_time_parse, "2026-11-27T22:15Z",
	    "must be YYYY-MM-DDTHH:MM:SSZ");
	rejects(km_time_parse, "2026-11-27t22:15:00z",
	    "must be YYYY-MM-DDTHH:MM:SSZ");
	rejects(km_time_parse, "2026-11-27T22:15:00Z ",
	    "must be YYYY-MM-DDTHH:MM:SSZ");
	rejects(km_time_parse, "2026-11-27", "must be YYYY-MM-DDTHH:MM:SSZ");
	rejects(km_time_parse, "", "must be YYYY-MM-DDTHH:MM:SSZ");
	rejects(km_time_parse, "2026-02-29T00:00:00Z", "no such date");
	rejects(km_time_parse, "2026-04-31T00:00:00Z", "no such date");
	rejects(km_time_parse, "2026-00-10T00:00:00Z", "no such date");
	rejects(km_time_parse, "2026-11-27T24:00:00Z", "no such time");
	rejects(km_time_parse, "2026-11-27T23:60:00Z", "no such time");
	rejects(km_time_parse, "2026-11-27T23:59:60Z", "no such time");
	ok(km_time_parse("x", &t, NULL) == -1, "parse: err may be NULL");
}

static void
t_date(void)
{
	time_t t = 0;

	is(km_date_parse("2024-02-29", &t, &e), 0, "date 2024-02-29");
	is(t, km_time_civil(2024, 2, 29, 0, 0, 0), "date is 00:00 UTC");
	is(km_date_parse("2000-02-29", &t, &e), 0, "date 2000-02-29");
	is(t, 951782400, "date 2000-02-29 value");
	is(km_date_parse("2026-12-31", &t, &e), 0, "date 2026-12-31");
	is(km_date_parse("2026-01-01", &t, &e), 0, "date 2026-01-01");
	rejects(km_date_parse, "2023-02-29", "no such date");
	rejects(km_date_parse, "1900-02-29", "no such date");
	rejects(km_date_parse, "2100-02-29", "no such date");
	rejects(km_date_parse, "2026-02-30", "no such date");
	rejects(km_date_parse, "2026-06-31", "no such date");
	rejects(km_date_parse, "2026-13-01", "no such date");
	rejects(km_date_parse, "2026-00-01", "no such date");
	rejects(km_date_parse, "2026-01-00", "no such date");
	rejects(km_date_parse, "2026-01-32", "no such date");
	rejects(km_date_parse, "2026-1-01", "must be YYYY-MM-DD");
	rejects(km_date_parse, "2026/01/01", "must be YYYY-MM-DD");
	rejects(km_date_parse, "2026-01-01T00:00:00Z", "must be YYYY-MM-DD");
	rejects(km_date_parse, "26-01-01", "must be YYYY-MM-DD");
	rejects(km_date_parse, "", "must be YYYY-MM-DD");
}

/* The offset one second before and at a clock change. */
static void
change(const char *at, int before, int after)
{
	time_t t = T(at);

	is(km_time_warsaw_offset(t - 1), before, "offset just before %s", at);
	is(km_time_warsaw_offset(t), after, "offset at %s", at);
}

static void
t_offset(void)
{
	change("2026-03-29T01:00:00Z", 3600, 7200);
	change("2026-10-25T01:00:00Z", 7200, 3600);
	change("2024-03-31T01:00:00Z", 3600, 7200);
	change("2024-10-27T01:00:00Z", 7200, 3600);
	change("2025-03-30T01:00:00Z", 3600, 7200);
	change("2025-10-26T01:00:00Z", 7200, 3600);
	change("2027-03-28T01:00:00Z", 3600, 7200);
	change("2027-10-31T01:00:00Z", 7200, 3600);
	is(km_time_warsaw_offset(T("2026-01-15T12:00:00Z")), 3600,
	    "offset winter");
	is(km_time_warsaw_offset(T("2026-07-15T12:00:00Z")), 7200,
	    "offset summer");
	/* A day before each change it is not yet the change. */
	is(km_time_warsaw_offset(T("2026-03-28T01:00:00Z")), 3600,
	    "offset the Saturday before");
	is(km_time_warsaw_offset(T("2026-10-24T01:00:00Z")), 7200,
	    "offset the Saturday before October's change");
	is(km_time_warsaw_offset(T("1850-07-01T00:00:00Z")), 7200,
	    "offset 1850 (the rule applied backwards)");
}

static void
t_bday(void)
{
	char buf[KM_TIME_BUFSZ];

	is_str(km_time_bday(T("2026-03-28T23:30:00Z"), buf), "2026-03-29",
	    "bday 2026-03-28T23:30Z is the 29th (CET)");
	is_str(km_time_bday(T("2026-03-28T22:59:59Z"), buf), "2026-03-28",
	    "bday 2026-03-28T22:59:59Z is the 28th");
	is_str(km_time_bday(T("2026-03-28T23:00:00Z"), buf), "2026-03-29",
	    "bday 2026-03-28T23:00Z is the 29th");
	is_str(km_time_bday(T("2026-03-29T21:59:59Z"), buf), "2026-03-29",
	    "bday 2026-03-29T21:59:59Z is the 29th (CEST)");
	is_str(km_time_bday(T("2026-03-29T22:00:00Z"), buf), "2026-03-30",
	    "bday 2026-03-29T22:00Z is the 30th");
	is_str(km_time_bday(T("2026-10-24T21:59:59Z"), buf), "2026-10-24",
	    "bday before October's change");
	is_str(km_time_bday(T("2026-10-24T22:00:00Z"), buf), "2026-10-25",
	    "bday October's change day starts at 22:00Z");
	is_str(km_time_bday(T("2026-10-25T22:59:59Z"), buf), "2026-10-25",
	    "bday October's change day lasts 25 hours");
	is_str(km_time_bday(T("2026-10-25T23:00:00Z"), buf), "2026-10-26",
	    "bday after October's change");
	is_str(km_time_bday(T("2026-12-31T22:59:59Z"), buf), "2026-12-31",
	    "bday New Year's Eve");
	is_str(km_time_bday(T("2026-12-31T23:00:00Z"), buf), "2027-01-01",
	    "bday New Year's Day");
	is_str(km_time_bday(T("2024-02-28T23:00:00Z"), buf), "2024-02-29",
	    "bday leap day starts");
	is_str(km_time_bday(T("2024-02-29T23:00:00Z"), buf), "2024-03-01",
	    "bday leap day ends");
	is_str(km_time_bday(T("2023-02-28T23:00:00Z"), buf), "2023-03-01",
	    "bday no leap day in 2023");
	ok(km_time_bday(0, buf) == buf, "bday returns buf");
}

static void
t_local(void)
{
	char buf[KM_TIME_BUFSZ];

	is_str(km_time_local(T("2026-11-27T22:15:00Z"), buf),
	    "2026-11-27 23:15", "local winter");
	is_str(km_time_local(T("2026-07-01T10:00:00Z"), buf),
	    "2026-07-01 12:00", "local summer");
	is_str(km_time_local(T("2026-03-29T00:59:59Z"), buf),
	    "2026-03-29 01:59", "local before the spring change");
	is_str(km_time_local(T("2026-03-29T01:00:00Z"), buf),
	    "2026-03-29 03:00", "local at the spring change");
	/* In October 02:00 to 03:00 happens twice. */
	is_str(km_time_local(T("2026-10-25T00:30:00Z"), buf),
	    "2026-10-25 02:30", "local 02:30 CEST");
	is_str(km_time_local(T("2026-10-25T01:30:00Z"), buf),
	    "2026-10-25 02:30", "local 02:30 CET");
	is_str(km_time_local(T("2026-12-31T23:00:00Z"), buf),
	    "2027-01-01 00:00", "local New Year's midnight");
	is_str(km_time_local(T("1969-12-31T23:30:00Z"), buf),
	    "1970-01-01 00:30", "local before the epoch");
}

static void
t_bday_start(void)
{
	char buf[KM_TIME_BUFSZ], want[KM_TIME_BUFSZ], got[KM_TIME_BUFSZ];
	char yesterday[KM_TIME_BUFSZ] = "2019-12-31";
	time_t t, prev, len;
	int y, m, d, bad = 0, n[3] = { 0, 0, 0 };

	is_str(km_time_iso(km_time_bday_start(2026, 3, 29), buf),
	    "2026-03-28T23:00:00Z", "bday_start 2026-03-29");
	is_str(km_time_iso(km_time_bday_start(2026, 3, 30), buf),
	    "2026-03-29T22:00:00Z", "bday_start 2026-03-30");
	is_str(km_time_iso(km_time_bday_start(2026, 10, 25), buf),
	    "2026-10-24T22:00:00Z", "bday_start 2026-10-25");
	is_str(km_time_iso(km_time_bday_start(2026, 10, 26), buf),
	    "2026-10-25T23:00:00Z", "bday_start 2026-10-26");
	is_str(km_time_iso(km_time_bday_start(2027, 1, 1), buf),
	    "2026-12-31T23:00:00Z", "bday_start New Year's Day");
	is_str(km_time_iso(km_time_bday_start(2024, 2, 29), buf),
	    "2024-02-28T23:00:00Z", "bday_start leap day");

	/* Every day from 2020 to 2040: its start is its business day, at
	 * 00:00 in Warsaw, the second before belongs to the day before,
	 * and days last 23, 24 or 25 hours. */
	prev = km_time_bday_start(2019, 12, 31);
	for (y = 2020; y <= 2040; y++)
		for (m = 1; m <= 12; m++)
			for (d = 1; d <= mlen(y, m); d++) {
				t = km_time_bday_start(y, m, d);
				snprintf(want, sizeof(want), "%04d-%02d-%02d",
				    y, m, d);
				len = t - prev;
				if (strcmp(km_time_bday(t, got), want) != 0 ||
				    strcmp(km_time_bday(t - 1, got),
				    yesterday) != 0 ||
				    strcmp(km_time_local(t, buf) + 10,
				    " 00:00") != 0 ||
				    (len != 82800 && len != 86400 &&
				    len != 90000)) {
					if (bad++ == 0)
						printf("# at %s\n", want);
				} else
					n[(len - 82800) / 3600]++;
				memcpy(yesterday, want, sizeof(want));
				prev = t;
			}
	is(bad, 0, "bday_start of every day 2020 to 2040");
	is(n[0], 21, "21 days of 23 hours");
	is(n[2], 21, "21 days of 25 hours");
}

static void
t_add_years(void)
{
	char buf[KM_TIME_BUFSZ];

	is_str(km_time_iso(km_time_add_years(T("2024-02-29T12:34:56Z"), 1),
	    buf), "2025-02-28T12:34:56Z", "add 1 year to a leap day");
	is_str(km_time_iso(km_time_add_years(T("2024-02-29T12:34:56Z"), 4),
	    buf), "2028-02-29T12:34:56Z", "add 4 years to a leap day");
	is_str(km_time_iso(km_time_add_years(T("2024-02-29T12:34:56Z"), -4),
	    buf), "2020-02-29T12:34:56Z", "subtract 4 years");
	is_str(km_time_iso(km_time_add_years(T("2000-02-29T00:00:00Z"), 100),
	    buf), "2100-02-28T00:00:00Z", "add 100 years: 2100 not leap");
	is_str(km_time_iso(km_time_add_years(T("2026-11-27T22:15:00Z"), 5),
	    buf), "2031-11-27T22:15:00Z", "add 5 years");
	is_str(km_time_iso(km_time_add_years(T("2026-12-31T23:59:59Z"), 1),
	    buf), "2027-12-31T23:59:59Z", "add 1 year on New Year's Eve");
	is_str(km_time_iso(km_time_add_years(T("2024-03-01T00:00:00Z"), 1),
	    buf), "2025-03-01T00:00:00Z", "add 1 year to 1 March");
	is_str(km_time_iso(km_time_add_years(T("1899-06-30T06:00:00Z"), 200),
	    buf), "2099-06-30T06:00:00Z", "add 200 years from 1899");
	is(km_time_add_years(1795817700, 0), 1795817700, "add 0 years");
}

int
main(void)
{
	t_iso();
	t_civil();
	t_leap();
	t_parse();
	t_date();
	t_offset();
	t_bday();
	t_local();
	t_bday_start();
	t_add_years();
	return done();
}
