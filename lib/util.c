/*
 * util.c -- small string helpers the library shares: bounded copies, the
 * digit test, and the folding of names (lower case, Polish diacritics
 * dropped) by which holders are searched, so that "Łukasz", "ŁUKASZ" and
 * "lukasz" find the same person without relying on the database's case
 * rules.
 */
#include <string.h>

#include "km-internal.h"

size_t
km_strlcpy(char *dst, const char *src, size_t sz)
{
	size_t n = strlen(src);

	if (sz > 0) {
		size_t c = n < sz - 1 ? n : sz - 1;

		memcpy(dst, src, c);
		dst[c] = '\0';
	}
	return n;
}

int
km_isdigits(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return s[n] == '\0';
}

/* Polish letters in UTF-8 (both cases) and their plain lower-case form. */
static const struct {
	const char *utf8;
	char plain;
} fold_pl[] = {
	{ "\xc4\x84", 'a' }, { "\xc4\x85", 'a' },	/* Ą ą */
	{ "\xc4\x86", 'c' }, { "\xc4\x87", 'c' },	/* Ć ć */
	{ "\xc4\x98", 'e' }, { "\xc4\x99", 'e' },	/* Ę ę */
	{ "\xc5\x81", 'l' }, { "\xc5\x82", 'l' },	/* Ł ł */
	{ "\xc5\x83", 'n' }, { "\xc5\x84", 'n' },	/* Ń ń */
	{ "\xc3\x93", 'o' }, { "\xc3\xb3", 'o' },	/* Ó ó */
	{ "\xc5\x9a", 's' }, { "\xc5\x9b", 's' },	/* Ś ś */
	{ "\xc5\xb9", 'z' }, { "\xc5\xba", 'z' },	/* Ź ź */
	{ "\xc5\xbb", 'z' }, { "\xc5\xbc", 'z' },	/* Ż ż */
};

void
km_fold(const char *in, char *out, size_t outsz)
{
	size_t o = 0, i;

	if (outsz == 0)
		return;
	while (*in != '\0' && o + 1 < outsz) {
		unsigned char c = (unsigned char)*in;

		if (c < 0x80) {
			out[o++] = (c >= 'A' && c <= 'Z') ? (char)(c + 32) :
			    (char)c;
			in++;
			continue;
		}
		for (i = 0; i < nitems(fold_pl); i++)
			if (strncmp(in, fold_pl[i].utf8, 2) == 0)
				break;
		if (i < nitems(fold_pl)) {
			out[o++] = fold_pl[i].plain;
			in += 2;
			continue;
		}
		/* Any other character is kept as it is, byte by byte. */
		out[o++] = *in++;
	}
	out[o] = '\0';
}

uint32_t
km_get_be(const unsigned char *p, int n)
{
	uint32_t v = 0;
	int i;

	for (i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

void
km_put_be(unsigned char *p, uint32_t v, int n)
{
	int i;

	for (i = n - 1; i >= 0; i--, v >>= 8)
		p[i] = (unsigned char)(v & 0xff);
}
