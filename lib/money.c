/*
 * money.c -- amounts of money.  An amount is an int64_t count of grosze
 * (1/100 zloty), never a floating-point number, so that fares, top-ups
 * and settlements add up to the grosz.  This module owns the one way an
 * amount is read from people and files and the one way it is written
 * ("12.50"), so that every program agrees on both, and addition that
 * refuses to wrap around instead of silently producing a wrong total.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "km.h"

/* The magnitude of INT64_MIN: the largest a parsed magnitude may get. */
#define MAXMAG ((uint64_t)INT64_MAX + 1)

/* *u = *u * mul + add, or -1 if that would pass MAXMAG. */
static int
muladd(uint64_t *u, unsigned mul, unsigned add)
{
	if (*u > (MAXMAG - add) / mul)
		return -1;
	*u = *u * mul + add;
	return 0;
}

/*
 * Parses an amount in zloty into grosze.  The accepted form, with nothing
 * before or after it:
 *
 *	[+|-] whole [(.|,) d[d]]
 *
 * where whole is one or more digits ("1234"), or one to three digits
 * followed by groups of a space and three digits ("1 234 567"), and the
 * fraction has one or two digits ("12.5" is 1250 grosze).  Rejected, with
 * KM_EDATA: the empty string, a lone sign, spaces before or after, "1."
 * and ".5", more than two decimals, a misplaced space, any other
 * character, and amounts beyond the range of int64_t grosze ("amount out
 * of range").  *grosze is set only on success.
 */
int
km_money_parse(const char *s, int64_t *grosze, struct km_err *err)
{
	const char *p = s;
	uint64_t u = 0;
	size_t len;
	int neg = 0, nint = 0, group = 0, grouped = 0, nfrac = 0;

	if ((len = strlen(s)) == 0)
		return km_errf(err, KM_EDATA, "empty amount");
	if (s[0] == ' ' || s[len - 1] == ' ')
		return km_errf(err, KM_EDATA, "space before or after amount");
	if (*p == '+' || *p == '-')
		neg = *p++ == '-';
	for (;; p++) {
		if (*p >= '0' && *p <= '9') {
			if (muladd(&u, 10, (unsigned)(*p - '0')) == -1)
				return km_errf(err, KM_EDATA,
				    "amount out of range");
			nint++;
			group++;
		} else if (*p == ' ') {
			if (group == 0 || group > 3 || (grouped && group != 3))
				return km_errf(err, KM_EDATA,
				    "misplaced thousands separator");
			grouped = 1;
			group = 0;
		} else
			break;
	}
	if (grouped && group != 3)
		return km_errf(err, KM_EDATA, "misplaced thousands separator");
	if (nint == 0) {
		if (*p == '.' || *p == ',')
			return km_errf(err, KM_EDATA,
			    "no digits before decimal point");
		if (*p == '\0')
			return km_errf(err, KM_EDATA, "no digits");
		return km_errf(err, KM_EDATA, "bad character");
	}
	if (*p == '.' || *p == ',') {
		for (p++; *p >= '0' && *p <= '9'; p++) {
			if (++nfrac > 2)
				return km_errf(err, KM_EDATA,
				    "more than two decimals");
			if (muladd(&u, 10, (unsigned)(*p - '0')) == -1)
				return km_errf(err, KM_EDATA,
				    "amount out of range");
		}
		if (nfrac == 0)
			return km_errf(err, KM_EDATA,
			    "no digits after decimal point");
	}
	if (*p != '\0')
		return km_errf(err, KM_EDATA, "bad character");
	for (; nfrac < 2; nfrac++)
		if (muladd(&u, 10, 0) == -1)
			return km_errf(err, KM_EDATA, "amount out of range");
	if (neg)
		*grosze = u == MAXMAG ? INT64_MIN : -(int64_t)u;
	else if (u > INT64_MAX)
		return km_errf(err, KM_EDATA, "amount out of range");
	else
		*grosze = (int64_t)u;
	return 0;
}

/*
 * Writes grosze as zloty with a point and two decimals, a minus sign for
 * negative amounts and none for zero: "12.50", "-0.05", "0.00".  Every
 * int64_t value fits in KM_MONEY_BUFSZ.  Returns buf.
 */
char *
km_money_fmt(int64_t grosze, char buf[KM_MONEY_BUFSZ])
{
	/* Unsigned arithmetic: the magnitude of INT64_MIN fits. */
	uint64_t u = grosze < 0 ? 0 - (uint64_t)grosze : (uint64_t)grosze;

	snprintf(buf, KM_MONEY_BUFSZ, "%s%" PRIu64 ".%02u",
	    grosze < 0 ? "-" : "", u / 100, (unsigned)(u % 100));
	return buf;
}

/*
 * Sets *sum to a + b and returns 0; returns -1 with KM_EDATA ("amount out
 * of range"), leaving *sum alone, if the sum does not fit in int64_t.
 */
int
km_money_add(int64_t a, int64_t b, int64_t *sum, struct km_err *err)
{
	if ((b > 0 && a > INT64_MAX - b) || (b < 0 && a < INT64_MIN - b))
		return km_errf(err, KM_EDATA, "amount out of range");
	*sum = a + b;
	return 0;
}
