/*
 * id.c -- the Polish identifiers a holder or a company gives us (PESEL,
 * NIP, REGON, the ID card number), bank account numbers (NRB, or IBAN
 * with PL), the Luhn digit of our own card numbers, and masking for
 * display.  Each check is the published algorithm and nothing more: the
 * form, the check digit and, for PESEL, the date of birth.  A check digit
 * is what catches a mistyped number at the counter, before it reaches the
 * store.  Messages name the fault and never quote the number, because a
 * PESEL or an account number must not end up in a log through an error.
 */
#include <string.h>

#include "km-internal.h"

static int
isdig(int c)
{
	return c >= '0' && c <= '9';
}

static int
leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int
mdays(int y, int m)
{
	static const int days[12] = {
		31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
	};

	return m == 2 && leap(y) ? 29 : days[m - 1];
}

/*
 * Copies the digits of s to out (exactly want of them, NUL-terminated),
 * skipping the characters in skip anywhere and, if prefix is set, a
 * "PL" (either case) before the first digit.  Anything else is a bad
 * character.
 */
static int
getdigits(const char *s, const char *skip, int prefix, char *out, size_t want,
    struct km_err *err)
{
	const char *p = s;
	size_t n = 0;

	while (*p != '\0' && strchr(skip, *p) != NULL)
		p++;
	if (prefix && (p[0] == 'P' || p[0] == 'p') &&
	    (p[1] == 'L' || p[1] == 'l'))
		p += 2;
	for (; *p != '\0'; p++) {
		if (strchr(skip, *p) != NULL)
			continue;
		if (!isdig((unsigned char)*p))
			return km_errf(err, KM_EDATA, "bad character");
		if (n == want)
			return km_errf(err, KM_EDATA, "must be %zu digits",
			    want);
		out[n++] = *p;
	}
	if (n != want)
		return km_errf(err, KM_EDATA, "must be %zu digits", want);
	out[n] = '\0';
	return 0;
}

/* Sum of the digits of s weighted by w[0..n-1]. */
static int
weighted(const char *s, const int *w, size_t n)
{
	size_t i;
	int sum = 0;

	for (i = 0; i < n; i++)
		sum += (s[i] - '0') * w[i];
	return sum;
}

/*
 * PESEL: YYMMDDZZZXQ.  The month carries the century (+80 for the 1800s,
 * +0, +20, +40, +60 for 1900 to 2299), X is odd for men, Q the check
 * digit.  Returns 0 and fills *p (if not NULL) for a valid PESEL; -1 with
 * KM_EDATA otherwise.
 */
int
km_pesel_check(const char *s, struct km_pesel *p, struct km_err *err)
{
	static const int w[10] = { 1, 3, 7, 9, 1, 3, 7, 9, 1, 3 };
	static const int century[5] = { 1900, 2000, 2100, 2200, 1800 };
	int yy, mm, dd, y, m;

	if (!km_isdigits(s, 11))
		return km_errf(err, KM_EDATA, "must be 11 digits");
	if ((10 - weighted(s, w, 10) % 10) % 10 != s[10] - '0')
		return km_errf(err, KM_EDATA, "bad check digit");
	yy = (s[0] - '0') * 10 + (s[1] - '0');
	mm = (s[2] - '0') * 10 + (s[3] - '0');
	dd = (s[4] - '0') * 10 + (s[5] - '0');
	y = century[mm / 20] + yy;
	m = mm % 20;
	if (m < 1 || m > 12 || dd < 1 || dd > mdays(y, m))
		return km_errf(err, KM_EDATA, "no such date");
	if (p != NULL) {
		p->year = y;
		p->month = m;
		p->day = dd;
		p->sex = (s[9] - '0') % 2 == 0 ? 'F' : 'M';
	}
	return 0;
}

/*
 * NIP: 10 digits, written with or without "PL", spaces and dashes.
 * Returns 0 and writes the bare digits to out (if not NULL) when the
 * check digit is right; a sum that leaves 10 is never a valid NIP.
 */
int
km_nip_check(const char *s, char out[11], struct km_err *err)
{
	static const int w[9] = { 6, 5, 7, 2, 3, 4, 5, 6, 7 };
	char d[11];
	int c;

	if (getdigits(s, " -", 1, d, 10, err) == -1)
		return -1;
	c = weighted(d, w, 9) % 11;
	if (c == 10 || c != d[9] - '0')
		return km_errf(err, KM_EDATA, "bad check digit");
	if (out != NULL)
		memcpy(out, d, sizeof(d));
	return 0;
}

static int
regon9_ok(const char *s)
{
	static const int w[8] = { 8, 9, 2, 3, 4, 5, 6, 7 };

	return weighted(s, w, 8) % 11 % 10 == s[8] - '0';
}

/*
 * REGON: exactly 9 or 14 digits, nothing else.  A 14-digit REGON (a local
 * unit) must also start with a valid 9-digit one (its parent).
 */
int
km_regon_check(const char *s, struct km_err *err)
{
	static const int w[13] = { 2, 4, 8, 5, 0, 9, 7, 3, 6, 1, 2, 4, 8 };

	if (km_isdigits(s, 9)) {
		if (!regon9_ok(s))
			return km_errf(err, KM_EDATA, "bad check digit");
		return 0;
	}
	if (!km_isdigits(s, 14))
		return km_errf(err, KM_EDATA, "must be 9 or 14 digits");
	if (!regon9_ok(s) || weighted(s, w, 13) % 11 % 10 != s[13] - '0')
		return km_errf(err, KM_EDATA, "bad check digit");
	return 0;
}

/*
 * ID card (dowód osobisty): three letters (either case) and six digits.
 * Letters count A=10 to Z=35; with weights 7,3,1,9,7,3,1,7,3 the sum of a
 * valid number is a multiple of 10 (the fourth character, weight 9, is
 * the check digit).
 */
int
km_idcard_check(const char *s, struct km_err *err)
{
	static const int w[9] = { 7, 3, 1, 9, 7, 3, 1, 7, 3 };
	int i, c, v, sum = 0;

	for (i = 0; i < 9; i++) {
		c = (unsigned char)s[i];
		if (i < 3 && c >= 'a' && c <= 'z')
			c -= 'a' - 'A';
		if (i < 3 && c >= 'A' && c <= 'Z')
			v = c - 'A' + 10;
		else if (i >= 3 && isdig(c))
			v = c - '0';
		else
			break;		/* also stops at the NUL */
		sum += v * w[i];
	}
	if (i < 9 || s[9] != '\0')
		return km_errf(err, KM_EDATA,
		    "must be 3 letters and 6 digits");
	if (sum % 10 != 0)
		return km_errf(err, KM_EDATA, "bad check digit");
	return 0;
}

/* The remainder mod 97 of the decimal number written by s, digit by
 * digit, so that 30 digits need no big integers. */
static int
mod97(int r, const char *s)
{
	for (; *s != '\0'; s++)
		r = (r * 10 + (*s - '0')) % 97;
	return r;
}

/*
 * NRB: 26 digits, the first two the check digits of the IBAN rule
 * (ISO 7064 MOD 97-10, with "PL" counted as 2521).  Spaces are allowed
 * anywhere, and so is a leading "PL" (the IBAN form).  Returns 0 and
 * writes the 26 digits to out (if not NULL) when the check holds.
 */
int
km_nrb_check(const char *s, char out[27], struct km_err *err)
{
	char d[27];
	int r;

	if (getdigits(s, " ", 1, d, 26, err) == -1)
		return -1;
	r = mod97(0, d + 2);
	r = mod97(r, "2521");
	r = (r * 100 + (d[0] - '0') * 10 + (d[1] - '0')) % 97;
	if (r != 1)
		return km_errf(err, KM_EDATA, "bad check digit");
	if (out != NULL)
		memcpy(out, d, sizeof(d));
	return 0;
}

/*
 * Puts the two check digits in front of a 24-digit BBAN (the 8-digit sort
 * code and the 16-digit account; spaces allowed) and writes the 26-digit
 * NRB to out.
 */
int
km_nrb_make(const char *bban24, char out[27], struct km_err *err)
{
	char d[25] = "";
	int cc;

	if (getdigits(bban24, " ", 0, d, 24, err) == -1)
		return -1;
	cc = 98 - mod97(mod97(0, d), "252100");
	out[0] = (char)('0' + cc / 10);
	out[1] = (char)('0' + cc % 10);
	memcpy(out + 2, d, sizeof(d));
	return 0;
}

/*
 * The Luhn sum of the digits of s; the rightmost digit is doubled when
 * dbl is set.  -1 if s holds anything but digits.
 */
static int
luhn_sum(const char *s, int dbl)
{
	size_t i = strlen(s);
	int sum = 0, v;

	while (i-- > 0) {
		if (!isdig((unsigned char)s[i]))
			return -1;
		v = s[i] - '0';
		if (dbl && (v *= 2) > 9)
			v -= 9;
		sum += v;
		dbl = !dbl;
	}
	return sum;
}

/* 1 if digits is a non-empty string of digits whose Luhn sum is a
 * multiple of 10, else 0. */
int
km_luhn_valid(const char *digits)
{
	int sum;

	if (digits[0] == '\0' || (sum = luhn_sum(digits, 0)) == -1)
		return 0;
	return sum % 10 == 0;
}

/* The digit ('0' to '9') that makes payload followed by it pass the Luhn
 * check; '\0' if payload holds anything but digits. */
char
km_luhn_digit(const char *payload)
{
	int sum;

	if ((sum = luhn_sum(payload, 1)) == -1)
		return '\0';
	return (char)('0' + (10 - sum % 10) % 10);
}

/*
 * Writes s to buf with every byte but the last keep replaced by '*'
 * ("******2874"); all of s is kept when it is no longer than keep.  The
 * result is truncated to bufsz - 1 bytes, like snprintf(3), and always
 * terminated when bufsz > 0.  Returns buf.
 */
char *
km_mask(const char *s, size_t keep, char *buf, size_t bufsz)
{
	size_t n = strlen(s), hide, i;

	if (bufsz == 0)
		return buf;
	hide = n > keep ? n - keep : 0;
	for (i = 0; i < n && i < bufsz - 1; i++)
		buf[i] = i < hide ? '*' : s[i];
	buf[i] = '\0';
	return buf;
}
