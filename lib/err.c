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

int
km_errf(struct km_err *e, enum km_errclass c, const char *fmt, ...)
{
	va_list ap;

	if (e == NULL)
		return -1;
	e->eclass = c;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	return -1;
}

int
km_errpre(struct km_err *e, const char *fmt, ...)
{
	char old[sizeof(e->msg)];
	va_list ap;
	int n;

	if (e == NULL)
		return -1;
	memcpy(old, e->msg, sizeof(old));
	va_start(ap, fmt);
	n = vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	if (n >= 0 && (size_t)n < sizeof(e->msg) - 2) {
		e->msg[n++] = ':';
		e->msg[n++] = ' ';
		km_strlcpy(e->msg + n, old, sizeof(e->msg) - (size_t)n);
	}
	return -1;
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
