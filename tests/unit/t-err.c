/*
 * t-err.c -- error classes and messages (lib/err.c): km_errf() and
 * km_errpre() fill a struct km_err (or do nothing for a NULL one) and
 * return -1; messages are cut, never overrun; km_exitcode() gives the
 * exit statuses of km(7), which are never renumbered.
 */
#include <string.h>

#include "km.h"
#include "tap.h"

/* Fills e with a marker so that a change can be seen. */
static void
mark(struct km_err *e)
{
	memset(e->msg, 'Z', sizeof(e->msg) - 1);
	e->msg[sizeof(e->msg) - 1] = '\0';
	e->eclass = KM_ESYS;
}

static void
test_errf(void)
{
	struct km_err e;
	char big[1024];
	int rv;

	mark(&e);
	rv = km_errf(&e, KM_EDATA, "card '%s' is %s", "9001001000000016",
	    "active");
	is(rv, -1, "errf: returns -1");
	is(e.eclass, KM_EDATA, "errf: class set");
	is_str(e.msg, "card '9001001000000016' is active", "errf: message");

	rv = km_errf(&e, KM_ENOTFOUND, "no card %d", 7);
	is(rv, -1, "errf again: returns -1");
	is(e.eclass, KM_ENOTFOUND, "errf again: class replaced");
	is_str(e.msg, "no card 7", "errf again: message replaced");

	rv = km_errf(&e, KM_EOK, "%s", "");
	ok(rv == -1 && e.eclass == KM_EOK && e.msg[0] == '\0',
	    "errf: empty message and KM_EOK");

	is(km_errf(NULL, KM_ESYS, "out of %s", "memory"), -1,
	    "errf: NULL err returns -1");

	/* A message longer than the buffer is cut and stays terminated. */
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	big[0] = 'A';
	rv = km_errf(&e, KM_ETEMP, "%s", big);
	is(rv, -1, "errf long: returns -1");
	is(strlen(e.msg), sizeof(e.msg) - 1, "errf long: cut to the buffer");
	ok(e.msg[0] == 'A' && e.msg[sizeof(e.msg) - 2] == 'x',
	    "errf long: the beginning is kept");
	is(e.eclass, KM_ETEMP, "errf long: class set");
}

static void
test_errpre(void)
{
	struct km_err e;
	char pre[1024], want[1100];
	int rv;

	km_errf(&e, KM_EDATA, "bad check digit");
	rv = km_errpre(&e, "pesel");
	is(rv, -1, "errpre: returns -1");
	is_str(e.msg, "pesel: bad check digit", "errpre: prefixed");
	is(e.eclass, KM_EDATA, "errpre: class kept");

	rv = km_errpre(&e, "line %d", 12);
	is_str(e.msg, "line 12: pesel: bad check digit",
	    "errpre: prefixes stack, formatted");
	is(e.eclass, KM_EDATA, "errpre twice: class kept");

	km_errf(&e, KM_ENOTFOUND, "%s", "");
	km_errpre(&e, "argument %d", 3);
	is_str(e.msg, "argument 3: ", "errpre: onto an empty message");
	is(e.eclass, KM_ENOTFOUND, "errpre: class kept (ENOTFOUND)");

	/* A '%' in the old message is text, not a format. */
	km_errf(&e, KM_EDATA, "%s", "100%s done %n");
	km_errpre(&e, "x");
	is_str(e.msg, "x: 100%s done %n", "errpre: old message not a format");

	is(km_errpre(NULL, "prefix %s", "here"), -1,
	    "errpre: NULL err returns -1");

	/* A prefix that leaves room for part of the message. */
	memset(pre, 'p', 500);
	pre[500] = '\0';
	km_errf(&e, KM_EDATA, "abcdefghijklmnop");
	rv = km_errpre(&e, "%s", pre);
	snprintf(want, sizeof(want), "%s: abcdefghi", pre);
	is(rv, -1, "errpre 500: returns -1");
	is(strlen(e.msg), sizeof(e.msg) - 1, "errpre 500: fills the buffer");
	is_str(e.msg, want, "errpre 500: message cut at the end");

	/* Prefixes around the limit: always terminated, never longer. */
	memset(pre, 'q', sizeof(pre) - 1);
	pre[sizeof(pre) - 1] = '\0';
	{
		static const size_t lens[] = { 508, 509, 510, 511, 512, 600,
		    1023 };
		size_t i;

		for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
			char p[1024];

			memcpy(p, pre, lens[i]);
			p[lens[i]] = '\0';
			km_errf(&e, KM_EUSAGE, "old message");
			rv = km_errpre(&e, "%s", p);
			ok(rv == -1 && memchr(e.msg, '\0', sizeof(e.msg)) !=
			    NULL && strlen(e.msg) <= sizeof(e.msg) - 1 &&
			    strncmp(e.msg, p, lens[i] < sizeof(e.msg) - 1 ?
			    lens[i] : sizeof(e.msg) - 1) == 0 &&
			    e.eclass == KM_EUSAGE,
			    "errpre %zu-byte prefix: cut safely, prefix first",
			    lens[i]);
		}
	}
	/* Exactly room for the prefix and ": " and one byte of the old. */
	memcpy(want, pre, 508);
	want[508] = '\0';
	km_errf(&e, KM_EDATA, "XY");
	km_errpre(&e, "%s", want);
	ok(strlen(e.msg) == 511 && strcmp(e.msg + 508, ": X") == 0,
	    "errpre 508: prefix, ': ' and the first byte of the message");

	/* A prefix filling the buffer leaves just the (cut) prefix. */
	km_errf(&e, KM_EDATA, "old");
	km_errpre(&e, "%s", pre);
	ok(strlen(e.msg) == sizeof(e.msg) - 1 && strstr(e.msg, "old") ==
	    NULL && strspn(e.msg, "q") == sizeof(e.msg) - 1,
	    "errpre huge: only the cut prefix, no stray bytes");
}

static void
test_clear(void)
{
	struct km_err e;

	km_errf(&e, KM_ESYS, "something");
	km_errclear(&e);
	is(e.eclass, KM_EOK, "errclear: class KM_EOK");
	is_str(e.msg, "", "errclear: message empty");
}

static void
test_exitcode(void)
{
	/* km(7) EXIT STATUS: 0 success, 1 negative answer, 2 usage, 3 bad
	 * data or config, 4 temporary, 5 system failure. */
	is(km_exitcode(KM_EOK), 0, "exitcode: KM_EOK 0");
	is(km_exitcode(KM_ENOTFOUND), 1, "exitcode: KM_ENOTFOUND 1");
	is(km_exitcode(KM_EUSAGE), 2, "exitcode: KM_EUSAGE 2");
	is(km_exitcode(KM_EDATA), 3, "exitcode: KM_EDATA 3");
	is(km_exitcode(KM_ETEMP), 4, "exitcode: KM_ETEMP 4");
	is(km_exitcode(KM_ESYS), 5, "exitcode: KM_ESYS 5");
	/* Values past the last class (within the enum's range, so that
	 * -fsanitize=enum does not object) are system failures. */
	is(km_exitcode((enum km_errclass)6), 5,
	    "exitcode: an unknown class is a system failure");
	is(km_exitcode((enum km_errclass)7), 5,
	    "exitcode: another unknown class is a system failure");
}

int
main(void)
{
	test_errf();
	test_errpre();
	test_clear();
	test_exitcode();
	return done();
}
