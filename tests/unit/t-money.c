/*
 * t-money.c -- parsing, formatting and adding amounts in grosze, at the
 * ordinary forms and at the limits of int64_t.
 */
#include <stdint.h>
#include <string.h>

#include "km.h"
#include "tap.h"

static struct km_err e;

static void
parses(const char *s, int64_t want)
{
	int64_t g = 12345;

	if (km_money_parse(s, &g, &e) == -1) {
		ok(0, "parse '%s'", s);
		printf("#   %s\n", e.msg);
		return;
	}
	is(g, want, "parse '%s'", s);
}

static void
rejects(const char *s, const char *msg)
{
	int64_t g = 777;
	int rv;

	km_errclear(&e);
	rv = km_money_parse(s, &g, &e);
	ok(rv == -1 && g == 777 && e.eclass == KM_EDATA &&
	    strcmp(e.msg, msg) == 0, "reject '%s': %s", s, msg);
	if (rv != -1 || strcmp(e.msg, msg) != 0)
		printf("#   rv %d, msg '%s'\n", rv, e.msg);
}

static void
t_parse(void)
{
	parses("12", 1200);
	parses("12.5", 1250);
	parses("12.50", 1250);
	parses("12,50", 1250);
	parses("12,05", 1205);
	parses("-3.00", -300);
	parses("+3", 300);
	parses("0.05", 5);
	parses("-0.05", -5);
	parses("0", 0);
	parses("-0", 0);
	parses("007", 700);
	parses("1 234,56", 123456);
	parses("1 234.56", 123456);
	parses("12 345 678", 1234567800);
	parses("-999 999", -99999900);
	parses("123 456", 12345600);
	parses("92233720368547758.07", INT64_MAX);
	parses("92 233 720 368 547 758.07", INT64_MAX);
	parses("-92233720368547758.08", INT64_MIN);
	parses("-92233720368547758", INT64_MIN + 8);
	parses("+92233720368547758", INT64_MAX - 7);
	/* Leading zeros do not count toward the limit. */
	parses("000000000000000000000000092233720368547758.07", INT64_MAX);

	rejects("", "empty amount");
	rejects("-", "no digits");
	rejects("+", "no digits");
	rejects("1.", "no digits after decimal point");
	rejects("1,", "no digits after decimal point");
	rejects(".5", "no digits before decimal point");
	rejects("-,5", "no digits before decimal point");
	rejects("1.234", "more than two decimals");
	rejects("1,234.56", "more than two decimals");
	rejects("0.001", "more than two decimals");
	rejects(" 12", "space before or after amount");
	rejects("12 ", "space before or after amount");
	rejects("1 23", "misplaced thousands separator");
	rejects("1234 567", "misplaced thousands separator");
	rejects("1 2345", "misplaced thousands separator");
	rejects("1  234", "misplaced thousands separator");
	rejects("- 12", "misplaced thousands separator");
	rejects("1 234 56,00", "misplaced thousands separator");
	rejects("12.5 0", "bad character");
	rejects("12a", "bad character");
	rejects("1.2.3", "bad character");
	rejects("--3", "bad character");
	rejects("+-3", "bad character");
	rejects("zl", "bad character");
	rejects("1e3", "bad character");
	rejects("12.50 zl", "bad character");
	rejects("92233720368547758.08", "amount out of range");
	rejects("-92233720368547758.09", "amount out of range");
	rejects("92233720368547759", "amount out of range");
	rejects("100000000000000000000", "amount out of range");
	rejects("18446744073709551616", "amount out of range");
	rejects("-18446744073709551616.00", "amount out of range");
	ok(km_money_parse("x", NULL, NULL) == -1, "err may be NULL");
}

static void
t_fmt(void)
{
	char buf[KM_MONEY_BUFSZ];

	is_str(km_money_fmt(1250, buf), "12.50", "fmt 12.50");
	is_str(km_money_fmt(-5, buf), "-0.05", "fmt -0.05");
	is_str(km_money_fmt(0, buf), "0.00", "fmt 0.00");
	is_str(km_money_fmt(7, buf), "0.07", "fmt 0.07");
	is_str(km_money_fmt(-100, buf), "-1.00", "fmt -1.00");
	is_str(km_money_fmt(123456, buf), "1234.56", "fmt 1234.56");
	is_str(km_money_fmt(INT64_MAX, buf), "92233720368547758.07",
	    "fmt INT64_MAX");
	is_str(km_money_fmt(INT64_MIN, buf), "-92233720368547758.08",
	    "fmt INT64_MIN");
	ok(km_money_fmt(1, buf) == buf, "fmt returns buf");
}

/* Formatting then parsing gives the amount back. */
static void
t_roundtrip(void)
{
	static const int64_t v[] = {
		0, 1, -1, 99, -99, 100, 1250, -123456789, INT64_MAX,
		INT64_MIN, INT64_MAX - 1, INT64_MIN + 1
	};
	char buf[KM_MONEY_BUFSZ];
	int64_t g;
	size_t i;
	int bad = 0;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		g = 42;
		if (km_money_parse(km_money_fmt(v[i], buf), &g, &e) == -1 ||
		    g != v[i]) {
			printf("#   %s\n", buf);
			bad++;
		}
	}
	is(bad, 0, "fmt then parse gives the amount back");
}

static void
t_add(void)
{
	int64_t s = 99;

	is(km_money_add(1250, -5, &s, &e), 0, "add");
	is(s, 1245, "add 12.50 + -0.05");
	is(km_money_add(INT64_MAX - 1, 1, &s, &e), 0, "add up to INT64_MAX");
	is(s, INT64_MAX, "sum INT64_MAX");
	is(km_money_add(INT64_MIN + 1, -1, &s, &e), 0, "add down to INT64_MIN");
	is(s, INT64_MIN, "sum INT64_MIN");
	is(km_money_add(INT64_MAX, INT64_MIN, &s, &e), 0, "add MAX + MIN");
	is(s, -1, "sum -1");
	s = 99;
	km_errclear(&e);
	ok(km_money_add(INT64_MAX, 1, &s, &e) == -1 && s == 99 &&
	    e.eclass == KM_EDATA && strcmp(e.msg, "amount out of range") == 0,
	    "add INT64_MAX + 1 overflows");
	ok(km_money_add(INT64_MIN, -1, &s, &e) == -1 && s == 99,
	    "add INT64_MIN - 1 overflows");
	ok(km_money_add(INT64_MIN, INT64_MIN, &s, &e) == -1 && s == 99,
	    "add MIN + MIN overflows");
	ok(km_money_add(INT64_MAX, INT64_MAX, &s, NULL) == -1 && s == 99,
	    "add MAX + MAX overflows, err NULL");
}

int
main(void)
{
	t_parse();
	t_fmt();
	t_roundtrip();
	t_add();
	return done();
}
