/*
 * t-id.c -- PESEL, NIP, REGON, ID card, NRB, Luhn and masking against
 * the reference vectors and against vectors whose check digits were
 * computed independently (python3) for the century and leap-day rules.
 */
#include <string.h>

#include "km.h"
#include "tap.h"

static struct km_err e;

/* 1 if the check failed with KM_EDATA and the message msg. */
static int
fails(int rv, const char *msg)
{
	int good = rv == -1 && e.eclass == KM_EDATA && strcmp(e.msg, msg) == 0;

	if (!good)
		printf("#   rv %d, class %d, msg '%s', want '%s'\n", rv,
		    (int)e.eclass, e.msg, msg);
	km_errclear(&e);
	return good;
}

static void
pesel_ok(const char *s, int y, int m, int d, char sex)
{
	struct km_pesel p;

	memset(&p, 0, sizeof(p));
	is(km_pesel_check(s, &p, &e), 0, "pesel %s valid", s);
	is(p.year, y, "pesel %s year", s);
	is(p.month, m, "pesel %s month", s);
	is(p.day, d, "pesel %s day", s);
	is(p.sex, sex, "pesel %s sex", s);
}

static void
t_pesel(void)
{
	struct km_pesel p;

	pesel_ok("44051401359", 1944, 5, 14, 'M');
	pesel_ok("02211307589", 2002, 1, 13, 'F');
	/* 1800s (month + 80), the last day of the range's first century. */
	pesel_ok("90831512342", 1890, 3, 15, 'F');
	pesel_ok("99923111117", 1899, 12, 31, 'M');
	/* Leap days: 2004 and 2000 are leap years. */
	pesel_ok("04222901237", 2004, 2, 29, 'M');
	pesel_ok("00222907891", 2000, 2, 29, 'M');
	/* 2200s (month + 60). */
	pesel_ok("21610105556", 2221, 1, 1, 'M');

	ok(fails(km_pesel_check("44051401358", NULL, &e), "bad check digit"),
	    "pesel bad check digit");
	ok(fails(km_pesel_check("02381307589", NULL, &e), "no such date"),
	    "pesel month 38 is no date");
	/* Right check digits, impossible dates: 2100, 1900, 2200 are not
	 * leap years; month 93 is no century. */
	ok(fails(km_pesel_check("00422904566", NULL, &e), "no such date"),
	    "pesel 29 Feb 2100");
	ok(fails(km_pesel_check("00022901110", NULL, &e), "no such date"),
	    "pesel 29 Feb 1900");
	ok(fails(km_pesel_check("00622900001", NULL, &e), "no such date"),
	    "pesel 29 Feb 2200");
	ok(fails(km_pesel_check("99930111111", NULL, &e), "no such date"),
	    "pesel month 93");
	ok(fails(km_pesel_check("4405140135", NULL, &e), "must be 11 digits"),
	    "pesel too short");
	ok(fails(km_pesel_check("440514013590", NULL, &e),
	    "must be 11 digits"), "pesel too long");
	ok(fails(km_pesel_check("4405140135a", NULL, &e),
	    "must be 11 digits"), "pesel letter");
	ok(fails(km_pesel_check("", NULL, &e), "must be 11 digits"),
	    "pesel empty");
	p.year = 7;
	ok(km_pesel_check("44051401358", &p, &e) == -1 && p.year == 7,
	    "pesel: *p untouched on failure");
	km_errclear(&e);
	ok(km_pesel_check("44051401358", NULL, NULL) == -1,
	    "pesel: err may be NULL");
}

static void
t_nip(void)
{
	char out[11];

	memset(out, 'x', sizeof(out) - 1);
	out[sizeof(out) - 1] = '\0';
	is(km_nip_check("8567346215", out, &e), 0, "nip valid");
	is_str(out, "8567346215", "nip digits");
	is(km_nip_check("5261040828", out, &e), 0, "nip 5261040828 valid");
	ok(fails(km_nip_check("8567346216", out, &e), "bad check digit"),
	    "nip bad check digit");
	memset(out, 'x', sizeof(out) - 1);
	out[sizeof(out) - 1] = '\0';
	is(km_nip_check("PL 856-734-62-15", out, &e), 0, "nip PL form");
	is_str(out, "8567346215", "nip PL form normalised");
	is(km_nip_check("856-73-46-215", out, &e), 0, "nip dashes");
	is(km_nip_check("pl8567346215", NULL, &e), 0, "nip pl, out NULL");
	/* The sum leaves 10: no check digit can be right. */
	ok(fails(km_nip_check("1000000160", out, &e), "bad check digit"),
	    "nip sum mod 11 == 10");
	ok(fails(km_nip_check("856734621", out, &e), "must be 10 digits"),
	    "nip 9 digits");
	ok(fails(km_nip_check("85673462150", out, &e), "must be 10 digits"),
	    "nip 11 digits");
	ok(fails(km_nip_check("856734621x", out, &e), "bad character"),
	    "nip letter");
	ok(fails(km_nip_check("85PL67346215", out, &e), "bad character"),
	    "nip PL only in front");
	ok(fails(km_nip_check("", out, &e), "must be 10 digits"),
	    "nip empty");
}

static void
t_regon(void)
{
	is(km_regon_check("192598184", &e), 0, "regon 192598184");
	is(km_regon_check("123456785", &e), 0, "regon 123456785");
	is(km_regon_check("12345678512347", &e), 0, "regon 14 valid");
	ok(fails(km_regon_check("123456786", &e), "bad check digit"),
	    "regon 9 bad check digit");
	/* Its own check digit is right, its first nine digits are not. */
	ok(fails(km_regon_check("12345678612342", &e), "bad check digit"),
	    "regon 14 with a bad REGON 9 inside");
	ok(fails(km_regon_check("12345678512340", &e), "bad check digit"),
	    "regon 14 bad check digit");
	ok(fails(km_regon_check("1234567851", &e), "must be 9 or 14 digits"),
	    "regon 10 digits");
	ok(fails(km_regon_check("12345678a", &e), "must be 9 or 14 digits"),
	    "regon letter");
}

static void
t_idcard(void)
{
	is(km_idcard_check("ABA300000", &e), 0, "idcard ABA300000");
	is(km_idcard_check("AYW036733", &e), 0, "idcard AYW036733");
	is(km_idcard_check("APH505567", &e), 0, "idcard APH505567");
	is(km_idcard_check("ayw036733", &e), 0, "idcard lower case");
	ok(fails(km_idcard_check("AYW036731", &e), "bad check digit"),
	    "idcard bad check digit");
	ok(fails(km_idcard_check("AYW03673", &e),
	    "must be 3 letters and 6 digits"), "idcard short");
	ok(fails(km_idcard_check("AYW0367330", &e),
	    "must be 3 letters and 6 digits"), "idcard long");
	ok(fails(km_idcard_check("AY1036733", &e),
	    "must be 3 letters and 6 digits"), "idcard digit for letter");
	ok(fails(km_idcard_check("AYWA36733", &e),
	    "must be 3 letters and 6 digits"), "idcard letter for digit");
}

static void
t_nrb(void)
{
	char out[27];

	memset(out, 'x', sizeof(out) - 1);
	out[sizeof(out) - 1] = '\0';
	is(km_nrb_check("61109010140000071219812874", out, &e), 0,
	    "nrb valid");
	is_str(out, "61109010140000071219812874", "nrb digits");
	memset(out, 'x', sizeof(out) - 1);
	out[sizeof(out) - 1] = '\0';
	is(km_nrb_check("PL61 1090 1014 0000 0712 1981 2874", out, &e), 0,
	    "nrb IBAN form");
	is_str(out, "61109010140000071219812874", "nrb IBAN digits");
	is(km_nrb_check("61 1090 1014 0000 0712 1981 2874", NULL, &e), 0,
	    "nrb spaces, out NULL");
	/* Its check digits should be 28. */
	ok(fails(km_nrb_check("40102029645040909381925554", out, &e),
	    "bad check digit"), "nrb 40... bad check digit");
	is(km_nrb_check("28102029645040909381925554", out, &e), 0,
	    "nrb 28... valid");
	ok(fails(km_nrb_check("61109010140000071219812875", out, &e),
	    "bad check digit"), "nrb last digit changed");
	ok(fails(km_nrb_check("16109010140000071219812874", out, &e),
	    "bad check digit"), "nrb check digits swapped");
	ok(fails(km_nrb_check("6110901014000007121981287", out, &e),
	    "must be 26 digits"), "nrb 25 digits");
	ok(fails(km_nrb_check("611090101400000712198128740", out, &e),
	    "must be 26 digits"), "nrb 27 digits");
	ok(fails(km_nrb_check("DE61109010140000071219812874", out, &e),
	    "bad character"), "nrb other country");
	ok(fails(km_nrb_check("61-1090-1014-0000-0712-1981-2874", out, &e),
	    "bad character"), "nrb dashes");

	memset(out, 'x', sizeof(out) - 1);
	out[sizeof(out) - 1] = '\0';
	is(km_nrb_make("109010140000071219812874", out, &e), 0, "nrb make");
	is_str(out, "61109010140000071219812874", "nrb make digits");
	is(km_nrb_make("1020 2964 5040 9093 8192 5554", out, &e), 0,
	    "nrb make spaces");
	is_str(out, "28102029645040909381925554", "nrb make 28");
	is(km_nrb_check(out, NULL, &e), 0, "nrb made is valid");
	ok(fails(km_nrb_make("10901014000007121981287", out, &e),
	    "must be 24 digits"), "nrb make 23 digits");
	ok(fails(km_nrb_make("PL109010140000071219812874", out, &e),
	    "bad character"), "nrb make no PL");
}

static void
t_luhn(void)
{
	is(km_luhn_valid("79927398713"), 1, "luhn 79927398713");
	is(km_luhn_valid("79927398710"), 0, "luhn 79927398710");
	is(km_luhn_valid("4532015112830366"), 1, "luhn 16 digits");
	is(km_luhn_valid("4532015112830367"), 0, "luhn 16 digits, last +1");
	is(km_luhn_valid("4532015112803366"), 0, "luhn 16 digits, swapped");
	is(km_luhn_valid(""), 0, "luhn empty");
	is(km_luhn_valid("7992739871x"), 0, "luhn letter");
	is(km_luhn_valid("7992 7398 713"), 0, "luhn space");
	is(km_luhn_digit("7992739871"), '3', "luhn digit 3");
	is(km_luhn_digit("453201511283036"), '6', "luhn digit 16th");
	is(km_luhn_digit("400000000000000"), '2', "luhn digit 2");
	is(km_luhn_digit("12a"), '\0', "luhn digit of non-digits");
}

static void
t_mask(void)
{
	char buf[32], small[5];

	is_str(km_mask("61109010140000071219812874", 4, buf, sizeof(buf)),
	    "**********************2874", "mask nrb");
	is_str(km_mask("44051401359", 0, buf, sizeof(buf)), "***********",
	    "mask all");
	is_str(km_mask("abc", 4, buf, sizeof(buf)), "abc", "mask short");
	is_str(km_mask("abcd", 4, buf, sizeof(buf)), "abcd", "mask exact");
	is_str(km_mask("", 4, buf, sizeof(buf)), "", "mask empty");
	is_str(km_mask("abcdefgh", 2, small, sizeof(small)), "****",
	    "mask truncated");
	ok(km_mask("abc", 1, buf, 0) == buf, "mask bufsz 0 returns buf");
}

int
main(void)
{
	t_pesel();
	t_nip();
	t_regon();
	t_idcard();
	t_nrb();
	t_luhn();
	t_mask();
	return done();
}
