/*
 * err.c -- error classes and messages.  A library function that fails
 * fills a struct km_err with a class and a one-line message (lower case,
 * what failed first, the subject in single quotes, no full stop) and
 * returns -1.  The command prints the message and exits with the status
 * km_exitcode() gives for the class: the numbers of km(7), never changed.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "km-internal.h"

void
km_verrf(struct km_err *e, enum km_errclass c, const char *fmt, va_list ap)
{
	if (e == NULL)
		return;
	e->eclass = c;
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
}

void
km_verrpre(struct km_err *e, const char *fmt, va_list ap)
{
	char old[sizeof(e->msg)];
	int n;

	if (e == NULL)
		return;
	memcpy(old, e->msg, sizeof(old));
	n = vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	if (n >= 0 && (size_t)n < sizeof(e->msg) - 2) {
		e->msg[n++] = ':';
		e->msg[n++] = ' ';
		km_strlcpy(e->msg + n, old, sizeof(e->msg) - (size_t)n);
	}
}

void
km_errclear(struct km_err *e)
{
	e->eclass = KM_EOK;
	e->msg[0] = '\0';
}

int
km_exitcode(enum km_errclass c)
{
	switch (c) {
	case KM_EOK:
		return 0;
	case KM_ENOTFOUND:
		return 1;
	case KM_EUSAGE:
		return 2;
	case KM_EDATA:
		return 3;
	case KM_ETEMP:
		return 4;
	case KM_ESYS:
		break;
	}
	return 5;
}
