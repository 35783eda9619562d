/*
 * pesel.h -- valid PESELs for the unit tests that register holders
 * (t-card, t-life, t-ca): pesel("8001010000") appends the check digit.
 */
#ifndef PESEL_H
#define PESEL_H

#include <string.h>

/* A valid PESEL from its first ten digits, in one of eight static
 * buffers (so a few may be used at once). */
static const char *
pesel(const char *ten)
{
	static const int w[10] = { 1, 3, 7, 9, 1, 3, 7, 9, 1, 3 };
	static char out[8][12];
	static int n;
	char *p = out[n++ % 8];
	int i, sum = 0;

	for (i = 0; i < 10; i++)
		sum += (ten[i] - '0') * w[i];
	memcpy(p, ten, 10);
	p[10] = (char)('0' + (10 - sum % 10) % 10);
	p[11] = '\0';
	return p;
}

#endif
