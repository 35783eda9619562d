/*
 * t-util.c -- the string helpers of lib/util.c: km_strlcpy() (bounded
 * copy, returns the source length), km_isdigits() (exactly n ASCII
 * digits) and km_fold() (the search key of a name: ASCII and Polish
 * letters lower-cased, Polish diacritics dropped, anything else kept).
 */
#include <string.h>

#include "km-internal.h"
#include "tap.h"

static void
test_strlcpy(void)
{
	char buf[16];
	size_t n;

	memset(buf, 'Z', sizeof(buf));
	n = km_strlcpy(buf, "hello", sizeof(buf));
	is(n, 5, "strlcpy: returns the source length");
	is_str(buf, "hello", "strlcpy: copied");

	memset(buf, 'Z', sizeof(buf));
	n = km_strlcpy(buf, "hello", 6);
	is(n, 5, "strlcpy exact fit: returns 5");
	is_str(buf, "hello", "strlcpy exact fit: whole");

	memset(buf, 'Z', sizeof(buf));
	n = km_strlcpy(buf, "hello", 5);
	is(n, 5, "strlcpy one short: still returns 5");
	is_str(buf, "hell", "strlcpy one short: cut and terminated");
	ok(buf[5] == 'Z', "strlcpy one short: nothing written past size");

	memset(buf, 'Z', sizeof(buf));
	n = km_strlcpy(buf, "hello", 3);
	ok(n == 5 && strcmp(buf, "he") == 0 && buf[3] == 'Z',
	    "strlcpy size 3: 'he'");

	memset(buf, 'Z', sizeof(buf));
	n = km_strlcpy(buf, "hello", 1);
	ok(n == 5 && buf[0] == '\0' && buf[1] == 'Z',
	    "strlcpy size 1: empty string");

	memset(buf, 'Z', sizeof(buf));
	n = km_strlcpy(buf, "hello", 0);
	ok(n == 5 && buf[0] == 'Z', "strlcpy size 0: nothing written");

	memset(buf, 'Z', sizeof(buf));
	n = km_strlcpy(buf, "", sizeof(buf));
	ok(n == 0 && buf[0] == '\0' && buf[1] == 'Z',
	    "strlcpy empty source");

	n = km_strlcpy(buf, "a much longer string than the buffer",
	    sizeof(buf));
	ok(n == 36 && strlen(buf) == sizeof(buf) - 1 &&
	    strcmp(buf, "a much longer s") == 0,
	    "strlcpy: truncation is detectable (n >= size)");
}

static void
test_isdigits(void)
{
	ok(km_isdigits("0123456789", 10), "isdigits: ten digits");
	ok(km_isdigits("123", 3), "isdigits: three");
	ok(!km_isdigits("123", 2), "isdigits: more digits than n");
	ok(!km_isdigits("12", 3), "isdigits: fewer digits than n");
	ok(!km_isdigits("12a", 3), "isdigits: a letter");
	ok(!km_isdigits("1 3", 3), "isdigits: a space");
	ok(!km_isdigits(" 123", 4), "isdigits: leading space");
	ok(!km_isdigits("123 ", 4), "isdigits: trailing space");
	ok(!km_isdigits("123\n", 3), "isdigits: trailing newline");
	ok(!km_isdigits("-12", 3), "isdigits: a sign");
	ok(!km_isdigits("+12", 3), "isdigits: a plus");
	ok(!km_isdigits("1.2", 3), "isdigits: a point");
	ok(km_isdigits("", 0), "isdigits: empty is zero digits");
	ok(!km_isdigits("7", 0), "isdigits: n 0 but a digit");
	ok(!km_isdigits("", 1), "isdigits: empty, n 1");
	ok(!km_isdigits("/:", 2), "isdigits: '/' and ':' border the digits");
	/* Arabic-Indic digits one and two (UTF-8) are not ASCII digits. */
	ok(!km_isdigits("\xd9\xa1\xd9\xa2", 4), "isdigits: non-ASCII digits");
	ok(!km_isdigits("\xb1\xb2", 2), "isdigits: high bytes");
}

/* Folds in into a buffer of sz bytes (at most 64) and compares. */
static void
fold_is(const char *in, size_t sz, const char *want, const char *what)
{
	char out[80];

	memset(out, 'Z', sizeof(out));
	km_fold(in, out, sz);
	is_str(out, want, "fold: %s", what);
	ok(out[sz] == 'Z', "fold: %s: nothing written past %zu bytes", what,
	    sz);
}

static void
test_fold(void)
{
	char out[8];

	fold_is("\xc5\x81\xc3\x93" "D\xc5\xb9", 64, "lodz",
	    "\xc5\x81\xc3\x93" "D\xc5\xb9 (all capitals)");
	fold_is("\xc5\xbb\xc3\xb3\xc5\x82\xc4\x87", 64, "zolc",
	    "\xc5\xbb\xc3\xb3\xc5\x82\xc4\x87");
	fold_is("Kowalski", 64, "kowalski", "Kowalski");
	fold_is("KOWALSKI", 64, "kowalski", "KOWALSKI");
	fold_is("kowalski", 64, "kowalski", "already folded");
	fold_is("\xc4\x84\xc4\x86\xc4\x98\xc5\x81\xc5\x83\xc3\x93\xc5\x9a"
	    "\xc5\xb9\xc5\xbb", 64, "acelnoszz", "the nine Polish capitals");
	fold_is("\xc4\x85\xc4\x87\xc4\x99\xc5\x82\xc5\x84\xc3\xb3\xc5\x9b"
	    "\xc5\xba\xc5\xbc", 64, "acelnoszz", "the nine Polish small letters");
	fold_is("Jan Brz\xc4\x99" "czyszczykiewicz", 64,
	    "jan brzeczyszczykiewicz", "mixed ASCII and Polish");
	fold_is("\xc5\x81ukasz \xc5\x81UKASZ lukasz", 64,
	    "lukasz lukasz lukasz", "the three forms of a name agree");
	fold_is("AZaz@[`{09", 64, "azaz@[`{09",
	    "only A-Z are lower-cased, their neighbours kept");
	fold_is("O'Brien-Smith, Jr.", 64, "o'brien-smith, jr.",
	    "punctuation kept");
	fold_is("", 64, "", "empty");

	/* Other UTF-8 is kept byte for byte, not lower-cased. */
	fold_is("M\xc3\xbcller", 64, "m\xc3\xbcller", "German u-umlaut kept");
	fold_is("\xc3\x9c" "BER", 64, "\xc3\x9c" "ber",
	    "capital U-umlaut kept as it is");
	fold_is("\xc3\x89" "cole \xc3\xa9t\xc3\xa9", 64,
	    "\xc3\x89" "cole \xc3\xa9t\xc3\xa9", "French accents kept");
	fold_is("Stra\xc3\x9f" "e", 64, "stra\xc3\x9f" "e", "sharp s kept");
	fold_is("\xe2\x82\xac 5", 64, "\xe2\x82\xac 5", "euro sign kept");
	fold_is("\xf0\x9f\x98\x80", 64, "\xf0\x9f\x98\x80", "emoji kept");
	/* Same lead bytes as Polish letters, other letters. */
	fold_is("\xc5\x91\xc4\x9e\xc5\x80\xc3\x94", 64,
	    "\xc5\x91\xc4\x9e\xc5\x80\xc3\x94",
	    "Hungarian o, Turkish G, Catalan l, O-circumflex kept");
	/* A lone lead byte at the end, or before ASCII, is kept. */
	fold_is("ab\xc5", 64, "ab\xc5", "lone lead byte at the end");
	fold_is("\xc5" "A", 64, "\xc5" "a", "lone lead byte before ASCII");
	fold_is("\xc4\xc4\x84", 64, "\xc4" "a",
	    "lead byte then a Polish letter");

	/* Output limits: at most sz - 1 bytes, always terminated. */
	fold_is("\xc5\x81\xc3\x93" "D\xc5\xb9", 5, "lodz",
	    "exact fit (4 letters, 5 bytes)");
	fold_is("\xc5\x81\xc3\x93" "D\xc5\xb9", 4, "lod", "one short");
	fold_is("\xc5\x81\xc3\x93" "D\xc5\xb9", 2, "l", "two bytes");
	fold_is("\xc5\x81\xc3\x93" "D\xc5\xb9", 1, "", "one byte: empty");
	fold_is("Kowalski", 4, "kow", "ASCII cut");
	fold_is("a\xc5\x81", 3, "al", "Polish letter in the last byte");
	fold_is("M\xc3\xbc", 4, "m\xc3\xbc",
	    "other letter fits exactly");

	memset(out, 'Z', sizeof(out));
	km_fold("abc", out, 0);
	ok(out[0] == 'Z', "fold: size 0 writes nothing");
}

int
main(void)
{
	test_strlcpy();
	test_isdigits();
	test_fold();
	return done();
}
