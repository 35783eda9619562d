/*
 * time.c -- instants and days.  The store keeps every instant as a
 * time_t in UTC and writes it as "2026-11-27T22:15:00Z"; people and the
 * business day (settlement, validity, the day a fare counts for) live in
 * Europe/Warsaw.  The conversion is done here with the EU summer-time
 * rule written out, not with TZ, localtime(3) or timegm(3): the result
 * must not depend on the machine's zone files or environment, and the
 * tests must be able to state it.  The calendar is the proleptic
 * Gregorian one of H. Hinnant's days-from-civil algorithms, exact for any
 * year a 64-bit time_t holds; the library relies on years 1800 to 2300.
 */
#include <stdio.h>

#include "km.h"

/* Dates before 1901 and after 2038 need a 64-bit time_t. */
typedef char km_time_t_is_64_bits[sizeof(time_t) >= 8 ? 1 : -1];

#define DAYSECS 86400

struct civil {
	long long y;
	int	 mon, d;		/* 1-12, 1-31 */
	int	 h, min, s;
};

/* Days since 1970-01-01 of the date y-mon-d; mon is 1 to 12, d may run
 * past the month (or be 0) and carries over. */
static long long
days_from_civil(long long y, int mon, int d)
{
	long long era, yoe, doy, doe;

	y -= mon <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (mon > 2 ? mon - 3 : mon + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* The date of day z (days since 1970-01-01) into c's y, mon, d. */
static void
civil_from_days(long long z, struct civil *c)
{
	long long era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	c->d = (int)(doy - (153 * mp + 2) / 5 + 1);
	c->mon = (int)(mp < 10 ? mp + 3 : mp - 9);
	c->y = yoe + era * 400 + (c->mon <= 2);
}

/* Splits t into whole days since the epoch and seconds into the day
 * (0 to 86399), rounding down also before 1970. */
static void
split(time_t t, long long *days, long *secs)
{
	long long tt = (long long)t;

	*days = tt / DAYSECS;
	*secs = (long)(tt % DAYSECS);
	if (*secs < 0) {
		*secs += DAYSECS;
		(*days)--;
	}
}

static void
tocivil(long long days, long secs, struct civil *c)
{
	civil_from_days(days, c);
	c->h = (int)(secs / 3600);
	c->min = (int)(secs / 60 % 60);
	c->s = (int)(secs % 60);
}

static int
leap(long long y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* 1 if y is a leap year of the Gregorian calendar, else 0. */
int
km_leap_year(int y)
{
	return leap(y);
}

static int
mdays(long long y, int mon)
{
	static const int days[12] = {
		31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
	};

	return mon == 2 && leap(y) ? 29 : days[mon - 1];
}

/* The day (since the epoch) of the last Sunday of month mon of year y. */
static long long
last_sunday(long long y, int mon)
{
	long long last = days_from_civil(y, mon, mdays(y, mon));
	long long wday = (last + 4) % 7;	/* 1970-01-01 was a Thursday */

	if (wday < 0)
		wday += 7;
	return last - wday;
}

/* Warsaw's offset from UTC, in seconds, at second secs of UTC day days. */
static int
offset(long long days, long secs)
{
	struct civil c;
	long long on, off;

	civil_from_days(days, &c);
	on = last_sunday(c.y, 3);
	off = last_sunday(c.y, 10);
	/* Summer time from 01:00 UTC on day on to 01:00 UTC on day off. */
	if ((days > on || (days == on && secs >= 3600)) &&
	    (days < off || (days == off && secs < 3600)))
		return 7200;
	return 3600;
}

/* days and secs moved from UTC to Warsaw time. */
static void
towarsaw(long long *days, long *secs)
{
	*secs += offset(*days, *secs);
	if (*secs >= DAYSECS) {
		*secs -= DAYSECS;
		(*days)++;
	}
}

/* Writes t as "2026-11-27T22:15:00Z" (UTC); returns buf. */
char *
km_time_iso(time_t t, char buf[KM_TIME_BUFSZ])
{
	struct civil c;
	long long days;
	long secs;

	split(t, &days, &secs);
	tocivil(days, secs, &c);
	snprintf(buf, KM_TIME_BUFSZ, "%04lld-%02d-%02dT%02d:%02d:%02dZ",
	    c.y, c.mon, c.d, c.h, c.min, c.s);
	return buf;
}

static int
isdig(int c)
{
	return c >= '0' && c <= '9';
}

/* The value of the n digits at s. */
static int
num(const char *s, int n)
{
	int v = 0;

	while (n-- > 0)
		v = v * 10 + (*s++ - '0');
	return v;
}

/*
 * 1 if s matches pat, where '9' in pat stands for any digit and every
 * other character for itself, and s ends where pat does.
 */
static int
match(const char *s, const char *pat)
{
	for (; *pat != '\0'; s++, pat++) {
		if (*pat == '9' ? !isdig((unsigned char)*s) : *s != *pat)
			return 0;
	}
	return *s == '\0';
}

/* Reads and checks the date at the start of s (already matched). */
static int
readdate(const char *s, int *y, int *mon, int *d, struct km_err *err)
{
	*y = num(s, 4);
	*mon = num(s + 5, 2);
	*d = num(s + 8, 2);
	if (*mon < 1 || *mon > 12 || *d < 1 || *d > mdays(*y, *mon))
		return km_errf(err, KM_EDATA, "no such date");
	return 0;
}

/*
 * Parses exactly "YYYY-MM-DDTHH:MM:SSZ", the form km_time_iso() writes:
 * upper-case T and Z, no fractions, no other offsets.  The date must
 * exist and the time be 00:00:00 to 23:59:59.  Sets *t and returns 0, or
 * returns -1 with KM_EDATA.
 */
int
km_time_parse(const char *s, time_t *t, struct km_err *err)
{
	int y, mon, d, h, min, sec;

	if (!match(s, "9999-99-99T99:99:99Z"))
		return km_errf(err, KM_EDATA,
		    "must be YYYY-MM-DDTHH:MM:SSZ");
	if (readdate(s, &y, &mon, &d, err) == -1)
		return -1;
	h = num(s + 11, 2);
	min = num(s + 14, 2);
	sec = num(s + 17, 2);
	if (h > 23 || min > 59 || sec > 59)
		return km_errf(err, KM_EDATA, "no such time");
	*t = km_time_civil(y, mon, d, h, min, sec);
	return 0;
}

/*
 * Parses exactly "YYYY-MM-DD", a date that exists (29 February only in
 * leap years).  Sets *t to 00:00 UTC of that date and returns 0, or
 * returns -1 with KM_EDATA.
 */
int
km_date_parse(const char *s, time_t *t, struct km_err *err)
{
	int y, mon, d;

	if (!match(s, "9999-99-99"))
		return km_errf(err, KM_EDATA, "must be YYYY-MM-DD");
	if (readdate(s, &y, &mon, &d, err) == -1)
		return -1;
	*t = km_time_civil(y, mon, d, 0, 0, 0);
	return 0;
}

/*
 * Warsaw's offset from UTC at t: 7200 (CEST) from 01:00 UTC on the last
 * Sunday of March until 01:00 UTC on the last Sunday of October, else
 * 3600 (CET).  The rule is applied to every year, including those before
 * Poland adopted it in 1996.
 */
int
km_time_warsaw_offset(time_t t)
{
	long long days;
	long secs;

	split(t, &days, &secs);
	return offset(days, secs);
}

/* The business day of t: its date in Warsaw, "YYYY-MM-DD".  Returns
 * buf. */
char *
km_time_bday(time_t t, char buf[KM_TIME_BUFSZ])
{
	struct civil c;
	long long days;
	long secs;

	split(t, &days, &secs);
	towarsaw(&days, &secs);
	civil_from_days(days, &c);
	snprintf(buf, KM_TIME_BUFSZ, "%04lld-%02d-%02d", c.y, c.mon, c.d);
	return buf;
}

/* t in Warsaw time, "YYYY-MM-DD HH:MM", for people: the hour repeated in
 * October is shown twice alike.  Returns buf. */
char *
km_time_local(time_t t, char buf[KM_TIME_BUFSZ])
{
	struct civil c;
	long long days;
	long secs;

	split(t, &days, &secs);
	towarsaw(&days, &secs);
	tocivil(days, secs, &c);
	snprintf(buf, KM_TIME_BUFSZ, "%04lld-%02d-%02d %02d:%02d", c.y,
	    c.mon, c.d, c.h, c.min);
	return buf;
}

/*
 * The instant of the civil date-time y-mon-d h:min:s read as UTC, like
 * timegm(3).  Fields outside their ranges carry over (month 13 is January
 * of the next year, 24:00 is midnight of the next day, day 0 the last of
 * the month before); nothing is checked.
 */
time_t
km_time_civil(int y, int mon, int d, int h, int min, int s)
{
	long long yy = y, m0 = (long long)mon - 1;

	/* Brings the month into 0..11, rounding down. */
	yy += m0 >= 0 ? m0 / 12 : (m0 - 11) / 12;
	m0 -= (m0 >= 0 ? m0 / 12 : (m0 - 11) / 12) * 12;
	return (time_t)(days_from_civil(yy, (int)m0 + 1, d) * DAYSECS +
	    h * 3600LL + min * 60LL + s);
}

/*
 * The UTC instant of the Warsaw midnight that starts business day
 * y-mon-d.  Midnight always exists in Warsaw, and only once: the clocks
 * change at 02:00 and 03:00 local time.
 */
time_t
km_time_bday_start(int y, int mon, int d)
{
	time_t u = km_time_civil(y, mon, d, 0, 0, 0) - 3600;

	/* u is midnight if it is winter time then; the change happens at
	 * 01:00 UTC, so u and the summer midnight an hour earlier always
	 * have the same offset. */
	return km_time_warsaw_offset(u) == 7200 ? u - 3600 : u;
}

/*
 * t plus n calendar years (n may be negative): the same UTC date and time
 * of day n years on, and 28 February for 29 February when the year
 * reached is not a leap year.  The calendar is UTC's, so across summer
 * and winter time the Warsaw hour (and, within an hour or two of
 * midnight, the business day) may differ; a caller that wants whole
 * business days should add years to the day of km_time_bday() and take
 * km_time_bday_start() of the result.
 */
time_t
km_time_add_years(time_t t, int n)
{
	struct civil c;
	long long days;
	long secs;

	split(t, &days, &secs);
	civil_from_days(days, &c);
	c.y += n;
	if (c.mon == 2 && c.d == 29 && !leap(c.y))
		c.d = 28;
	return (time_t)(days_from_civil(c.y, c.mon, c.d) * DAYSECS + secs);
}
