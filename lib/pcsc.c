/*
 * pcsc.c -- the card transport: the one file of km that calls PC/SC
 * (pcsc-lite's SCard* functions).  It owns the context with pcscd, the
 * list of readers and their states, waiting for a card to come or go
 * (SCardGetStatusChange, with a timeout that survives pcscd's wake-ups),
 * the shared connection to a card with T=1 or T=0, transactions, and the
 * exchange of one APDU.  PC/SC's codes are translated here, where they
 * are met, into km's classes: everything a person can cure by waiting or
 * by putting a card in (pcscd not running, no reader, no card, a card
 * taken out midway, a reader another program holds) is KM_ETEMP and names
 * the reader.  Above this file nothing knows PC/SC: the APDU layer and the
 * km application client see a struct km_card_io, which km_pcsc_io() fills
 * and a unit test or an in-process virtual card can fill just as well.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <winscard.h>

#include "km.h"

struct km_pcsc {
	SCARDCONTEXT	 ctx;
};

struct km_pcsc_card {
	SCARDHANDLE	 h;
	DWORD		 proto;
	char		 reader[KM_READERSZ];
};

/* pcsc-lite's own words for rv, lower case and without the full stop. */
static void
reason(LONG rv, char *buf, size_t sz)
{
	size_t n;

	snprintf(buf, sz, "%s", pcsc_stringify_error(rv));
	n = strlen(buf);
	while (n > 0 && (buf[n - 1] == '.' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	if (buf[0] >= 'A' && buf[0] <= 'Z' && !(buf[1] >= 'A' && buf[1] <= 'Z'))
		buf[0] = (char)(buf[0] - 'A' + 'a');
}

/*
 * Translates a PC/SC failure rv of the operation what on reader (NULL
 * when there is none) into err.  Returns -1.
 */
static int
pcsc_err(struct km_err *err, LONG rv, const char *reader, const char *what)
{
	char why[128];
	const char *r = reader;

	reason(rv, why, sizeof(why));
	switch (rv) {
	case SCARD_E_NO_SERVICE:
	case SCARD_E_SERVICE_STOPPED:
	case SCARD_E_INVALID_HANDLE:	/* pcscd restarted under us */
		return km_errf(err, KM_ETEMP, "cannot reach pcscd: %s", why);
	case SCARD_F_COMM_ERROR:
		/* With no reader in question it is pcscd that went away. */
		if (reader == NULL)
			return km_errf(err, KM_ETEMP, "cannot reach pcscd: %s",
			    why);
		break;
	default:
		break;
	}
	if (reader == NULL) {
		switch (rv) {
		case SCARD_E_NO_READERS_AVAILABLE:
			return km_errf(err, KM_ETEMP, "no smart card reader");
		case SCARD_E_NO_MEMORY:
			return km_errf(err, KM_ESYS, "out of memory");
		case SCARD_E_TIMEOUT:
		case SCARD_E_UNKNOWN_READER:
		case SCARD_E_READER_UNAVAILABLE:
		case SCARD_E_NO_SMARTCARD:
		case SCARD_W_REMOVED_CARD:
			return km_errf(err, KM_ETEMP, "pcsc: %s: %s", what, why);
		default:
			return km_errf(err, KM_ESYS, "pcsc: %s: %s (0x%08lX)",
			    what, why, (unsigned long)rv);
		}
	}
	switch (rv) {
	case SCARD_E_NO_READERS_AVAILABLE:
		return km_errf(err, KM_ETEMP, "no smart card reader");
	case SCARD_E_UNKNOWN_READER:
		return km_errf(err, KM_ETEMP, "no reader '%s'", r);
	case SCARD_E_READER_UNAVAILABLE:
		return km_errf(err, KM_ETEMP, "reader '%s' is not available", r);
	case SCARD_E_NO_SMARTCARD:
		return km_errf(err, KM_ETEMP, "no card in reader '%s'", r);
	case SCARD_W_REMOVED_CARD:
		return km_errf(err, KM_ETEMP, "card removed from reader '%s'",
		    r);
	case SCARD_E_SHARING_VIOLATION:
		return km_errf(err, KM_ETEMP, "reader '%s' is busy: another "
		    "program holds the card", r);
	case SCARD_W_UNRESPONSIVE_CARD:
		return km_errf(err, KM_ETEMP, "the card in reader '%s' does "
		    "not answer", r);
	case SCARD_W_UNPOWERED_CARD:
		return km_errf(err, KM_ETEMP, "the card in reader '%s' is not "
		    "powered", r);
	case SCARD_W_RESET_CARD:
		return km_errf(err, KM_ETEMP, "the card in reader '%s' was "
		    "reset by another program", r);
	case SCARD_E_NOT_TRANSACTED:
	case SCARD_F_COMM_ERROR:
	case SCARD_E_TIMEOUT:
		return km_errf(err, KM_ETEMP, "reader '%s': %s: %s", r, what,
		    why);
	case SCARD_E_PROTO_MISMATCH:
		return km_errf(err, KM_EDATA, "the card in reader '%s' speaks "
		    "neither T=0 nor T=1", r);
	case SCARD_E_INSUFFICIENT_BUFFER:
		return km_errf(err, KM_EDATA, "reader '%s': %s: the card's "
		    "answer is too long", r, what);
	case SCARD_E_NO_MEMORY:
		return km_errf(err, KM_ESYS, "out of memory");
	default:
		return km_errf(err, KM_ESYS, "reader '%s': %s: %s (0x%08lX)",
		    r, what, why, (unsigned long)rv);
	}
}

int
km_pcsc_open(struct km_pcsc **pp, struct km_err *err)
{
	struct km_pcsc *p;
	LONG rv;

	*pp = NULL;
	if ((p = calloc(1, sizeof(*p))) == NULL)
		return km_errf(err, KM_ESYS, "out of memory");
	rv = SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &p->ctx);
	if (rv != SCARD_S_SUCCESS) {
		free(p);
		return pcsc_err(err, rv, NULL, "establish context");
	}
	*pp = p;
	return 0;
}

void
km_pcsc_close(struct km_pcsc *p)
{
	if (p == NULL)
		return;
	SCardReleaseContext(p->ctx);
	free(p);
}

const char *
km_reader_state_name(enum km_reader_state s)
{
	switch (s) {
	case KM_READER_EMPTY:
		return "empty";
	case KM_READER_PRESENT:
		return "present";
	case KM_READER_INUSE:
		return "inuse";
	case KM_READER_EXCLUSIVE:
		return "exclusive";
	case KM_READER_MUTE:
		return "mute";
	case KM_READER_UNAVAILABLE:
		return "unavailable";
	}
	return "unknown";
}

/* Fills r from a reader state SCardGetStatusChange returned. */
static void
fill_reader(struct km_reader *r, const SCARD_READERSTATE *st)
{
	DWORD ev = st->dwEventState;

	memset(r, 0, sizeof(*r));
	snprintf(r->name, sizeof(r->name), "%s", st->szReader);
	if (ev & (SCARD_STATE_UNKNOWN | SCARD_STATE_UNAVAILABLE |
	    SCARD_STATE_IGNORE))
		r->state = KM_READER_UNAVAILABLE;
	else if (!(ev & SCARD_STATE_PRESENT))
		r->state = KM_READER_EMPTY;
	else if (ev & SCARD_STATE_MUTE)
		r->state = KM_READER_MUTE;
	else if (ev & SCARD_STATE_EXCLUSIVE)
		r->state = KM_READER_EXCLUSIVE;
	else if (ev & SCARD_STATE_INUSE)
		r->state = KM_READER_INUSE;
	else
		r->state = KM_READER_PRESENT;
	if ((ev & SCARD_STATE_PRESENT) && st->cbAtr > 0 &&
	    st->cbAtr <= sizeof(r->atr) && st->cbAtr <= sizeof(st->rgbAtr)) {
		memcpy(r->atr, st->rgbAtr, st->cbAtr);
		r->atrlen = st->cbAtr;
	}
}

/* A card that can be talked to (present, not mute). */
static int
usable(const SCARD_READERSTATE *st)
{
	return (st->dwEventState & SCARD_STATE_PRESENT) &&
	    !(st->dwEventState & (SCARD_STATE_MUTE | SCARD_STATE_UNKNOWN |
	    SCARD_STATE_UNAVAILABLE));
}

/*
 * The readers' names as pcscd lists them: *names is a malloc'd multi-string
 * (each name NUL-terminated, an empty name at the end), *n counts them
 * and may be 0.
 */
static int
list_names(struct km_pcsc *p, char **names, size_t *n, struct km_err *err)
{
	DWORD len;
	LONG rv;
	char *buf = NULL, *s;
	int tries;

	*names = NULL;
	*n = 0;
	/* The list may grow between the two calls: try again then. */
	for (tries = 0; tries < 5; tries++) {
		len = 0;
		rv = SCardListReaders(p->ctx, NULL, NULL, &len);
		if (rv != SCARD_S_SUCCESS)
			break;
		free(buf);
		if ((buf = malloc((size_t)len + 2)) == NULL)
			return km_errf(err, KM_ESYS, "out of memory");
		rv = SCardListReaders(p->ctx, NULL, buf, &len);
		if (rv != SCARD_E_INSUFFICIENT_BUFFER)
			break;
	}
	if (rv == SCARD_E_NO_READERS_AVAILABLE) {
		free(buf);
		if ((buf = calloc(1, 2)) == NULL)
			return km_errf(err, KM_ESYS, "out of memory");
		*names = buf;
		return 0;
	}
	if (rv != SCARD_S_SUCCESS) {
		free(buf);
		return pcsc_err(err, rv, NULL, "list readers");
	}
	/* Terminate it ourselves: never trust the list to end well. */
	buf[len] = '\0';
	buf[len + 1] = '\0';
	for (s = buf; *s != '\0'; s += strlen(s) + 1)
		(*n)++;
	*names = buf;
	return 0;
}

/* list_names(), but no reader at all is KM_ETEMP. */
static int
list_some(struct km_pcsc *p, char **names, size_t *n, struct km_err *err)
{
	if (list_names(p, names, n, err) == -1)
		return -1;
	if (*n == 0) {
		free(*names);
		*names = NULL;
		return km_errf(err, KM_ETEMP, "no smart card reader");
	}
	return 0;
}

/*
 * Reader states for names (a multi-string of n names), all
 * SCARD_STATE_UNAWARE; *states is malloc'd.
 */
static int
make_states(const char *names, size_t n, SCARD_READERSTATE **states,
    struct km_err *err)
{
	SCARD_READERSTATE *st;
	const char *s;
	size_t i;

	*states = NULL;
	/* Not "return km_errf()": the analyser must see the -1. */
	if (n == 0 || (st = calloc(n, sizeof(*st))) == NULL) {
		km_errf(err, KM_ESYS, "out of memory");
		return -1;
	}
	for (i = 0, s = names; i < n; i++, s += strlen(s) + 1) {
		st[i].szReader = s;
		st[i].dwCurrentState = SCARD_STATE_UNAWARE;
	}
	*states = st;
	return 0;
}

/* The current states of n readers, without waiting. */
static int
poll_states(struct km_pcsc *p, SCARD_READERSTATE *st, size_t n,
    struct km_err *err)
{
	LONG rv;

	rv = SCardGetStatusChange(p->ctx, 0, st, (DWORD)n);
	if (rv != SCARD_S_SUCCESS && rv != SCARD_E_TIMEOUT)
		return pcsc_err(err, rv, n == 1 ? st[0].szReader : NULL,
		    "get status");
	return 0;
}

int
km_pcsc_readers(struct km_pcsc *p, struct km_reader **rp, size_t *np,
    struct km_err *err)
{
	SCARD_READERSTATE *st = NULL;
	struct km_reader *r = NULL;
	char *names;
	size_t n, i;
	int rc = -1;

	*rp = NULL;
	*np = 0;
	if (list_some(p, &names, &n, err) == -1)
		return -1;
	if (make_states(names, n, &st, err) == -1 ||
	    poll_states(p, st, n, err) == -1)
		goto out;
	if ((r = calloc(n, sizeof(*r))) == NULL) {
		km_errf(err, KM_ESYS, "out of memory");
		goto out;
	}
	for (i = 0; i < n; i++)
		fill_reader(&r[i], &st[i]);
	*rp = r;
	*np = n;
	rc = 0;
out:
	free(st);
	free(names);
	return rc;
}

/*
 * Checks that pcscd knows the reader name; *names and *n as for
 * list_names(), but with name alone.
 */
static int
find_name(struct km_pcsc *p, const char *name, char **names, size_t *n,
    struct km_err *err)
{
	char *all, *s, *one;
	size_t i, m;

	*names = NULL;
	*n = 0;
	if (list_names(p, &all, &m, err) == -1)
		return -1;
	for (i = 0, s = all; i < m; i++, s += strlen(s) + 1)
		if (strcmp(s, name) == 0)
			break;
	free(all);
	if (i == m)
		return km_errf(err, KM_ETEMP, "no reader '%s'", name);
	if ((one = calloc(1, strlen(name) + 2)) == NULL)
		return km_errf(err, KM_ESYS, "out of memory");
	memcpy(one, name, strlen(name));
	*names = one;
	*n = 1;
	return 0;
}

int
km_pcsc_reader(struct km_pcsc *p, const char *name, struct km_reader *r,
    struct km_err *err)
{
	SCARD_READERSTATE *st = NULL;
	char *names;
	size_t n;
	int rc = -1;

	if (find_name(p, name, &names, &n, err) == -1)
		return -1;
	if (make_states(names, n, &st, err) == 0 &&
	    poll_states(p, st, n, err) == 0) {
		if (st[0].dwEventState & SCARD_STATE_UNKNOWN)
			km_errf(err, KM_ETEMP, "no reader '%s'", name);
		else {
			fill_reader(r, &st[0]);
			rc = 0;
		}
	}
	free(st);
	free(names);
	return rc;
}

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Whether the wait of km_pcsc_wait() is over: for present, the index of a
 * reader with a usable card; for absent, 0 when every reader is empty.
 * -1 while it is not; -2 when a reader has gone (err set).
 */
static long
reached(const SCARD_READERSTATE *st, size_t n, int present,
    struct km_err *err)
{
	size_t i, empty = 0;

	for (i = 0; i < n; i++) {
		if (st[i].dwEventState & SCARD_STATE_UNKNOWN) {
			km_errf(err, KM_ETEMP, "no reader '%s'", st[i].szReader);
			return -2;
		}
		if (present && usable(&st[i]))
			return (long)i;
		if (!(st[i].dwEventState & SCARD_STATE_PRESENT))
			empty++;
	}
	return !present && empty == n ? 0 : -1;
}

int
km_pcsc_wait(struct km_pcsc *p, const char *name, int present,
    long timeout_ms, struct km_reader *r, struct km_err *err)
{
	SCARD_READERSTATE *st = NULL;
	char *names;
	size_t n, i;
	long long end = 0, left;
	long hit;
	DWORD tmo = 0;
	LONG rv;
	int rc = -1, first = 1;

	if ((name != NULL ? find_name(p, name, &names, &n, err) :
	    list_some(p, &names, &n, err)) == -1)
		return -1;
	if (make_states(names, n, &st, err) == -1)
		goto out;
	if (timeout_ms > 0)
		end = now_ms() + timeout_ms;
	/* The first call, with every state unaware, tells the state now;
	 * the later ones wait for a change from what we were told. */
	for (;;) {
		rv = SCardGetStatusChange(p->ctx, tmo, st, (DWORD)n);
		if (rv != SCARD_S_SUCCESS && rv != SCARD_E_TIMEOUT) {
			pcsc_err(err, rv, rv == SCARD_F_COMM_ERROR ? NULL :
			    name, "wait");
			break;
		}
		if (rv == SCARD_S_SUCCESS || first) {
			if ((hit = reached(st, n, present, err)) == -2)
				break;
			if (hit >= 0) {
				if (r != NULL)
					fill_reader(r, &st[hit]);
				rc = 1;
				break;
			}
			for (i = 0; i < n; i++)
				st[i].dwCurrentState = st[i].dwEventState &
				    ~(DWORD)SCARD_STATE_CHANGED;
		}
		first = 0;
		if (timeout_ms == 0) {
			rc = 0;
			break;
		}
		if (timeout_ms < 0)
			tmo = INFINITE;
		else {
			if ((left = end - now_ms()) <= 0) {
				rc = 0;
				break;
			}
			tmo = left > 0x7fffffff ? 0x7fffffff : (DWORD)left;
		}
	}
out:
	free(st);
	free(names);
	return rc;
}

int
km_pcsc_connect(struct km_pcsc *p, const char *name,
    struct km_pcsc_card **cp, struct km_err *err)
{
	struct km_pcsc_card *c;
	struct km_reader r;
	const char *want;
	LONG rv;

	*cp = NULL;
	if (name == NULL) {
		switch (km_pcsc_wait(p, NULL, 1, 0, &r, err)) {
		case -1:
			return -1;
		case 0:
			return km_errf(err, KM_ETEMP, "no card in any reader");
		}
	}
	want = name != NULL ? name : r.name;
	if (strlen(want) >= sizeof(c->reader))
		return km_errf(err, KM_ETEMP, "no reader '%s'", want);
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return km_errf(err, KM_ESYS, "out of memory");
	memcpy(c->reader, want, strlen(want) + 1);
	rv = SCardConnect(p->ctx, c->reader, SCARD_SHARE_SHARED,
	    SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1, &c->h, &c->proto);
	if (rv != SCARD_S_SUCCESS) {
		pcsc_err(err, rv, c->reader, "connect");
		free(c);
		return -1;
	}
	*cp = c;
	return 0;
}

void
km_pcsc_disconnect(struct km_pcsc_card *c, int reset)
{
	if (c == NULL)
		return;
	SCardDisconnect(c->h, reset ? SCARD_RESET_CARD : SCARD_LEAVE_CARD);
	free(c);
}

/* Whether the card of c is known to be out of its reader. */
static int
gone(struct km_pcsc_card *c)
{
	char name[MAX_READERNAME];
	unsigned char atr[MAX_ATR_SIZE];
	DWORD namelen = sizeof(name), state = 0, proto, len = sizeof(atr);
	LONG rv;

	rv = SCardStatus(c->h, name, &namelen, &state, &proto, atr, &len);
	return rv == SCARD_W_REMOVED_CARD || rv == SCARD_E_NO_SMARTCARD ||
	    (rv == SCARD_S_SUCCESS && (state & SCARD_ABSENT));
}

int
km_pcsc_transmit(struct km_pcsc_card *c, const unsigned char *cmd,
    size_t cmdlen, unsigned char *rsp, size_t rspsz, size_t *rsplen,
    struct km_err *err)
{
	const SCARD_IO_REQUEST *pci;
	char why[128];
	DWORD len;
	LONG rv;

	*rsplen = 0;
	if (cmdlen > KM_APDU_MAXCMD)
		return km_errf(err, KM_EUSAGE, "command APDU of %zu bytes",
		    cmdlen);
	pci = c->proto == SCARD_PROTOCOL_T0 ? SCARD_PCI_T0 : SCARD_PCI_T1;
	len = rspsz > KM_APDU_MAXRSP ? KM_APDU_MAXRSP : (DWORD)rspsz;
	rv = SCardTransmit(c->h, pci, cmd, (DWORD)cmdlen, NULL, rsp, &len);
	if (rv == SCARD_E_NOT_TRANSACTED || rv == SCARD_F_COMM_ERROR) {
		/* Most often the card went away midway: say so if pcscd
		 * knows it already. */
		if (gone(c))
			rv = SCARD_W_REMOVED_CARD;
		else {
			reason(rv, why, sizeof(why));
			return km_errf(err, KM_ETEMP, "the card in reader '%s' "
			    "stopped answering (taken out?): %s", c->reader,
			    why);
		}
	}
	if (rv != SCARD_S_SUCCESS)
		return pcsc_err(err, rv, c->reader, "transmit");
	*rsplen = len;
	return 0;
}

int
km_pcsc_begin(struct km_pcsc_card *c, struct km_err *err)
{
	LONG rv;

	if ((rv = SCardBeginTransaction(c->h)) != SCARD_S_SUCCESS)
		return pcsc_err(err, rv, c->reader, "begin transaction");
	return 0;
}

int
km_pcsc_end(struct km_pcsc_card *c, int reset, struct km_err *err)
{
	LONG rv;

	rv = SCardEndTransaction(c->h, reset ? SCARD_RESET_CARD :
	    SCARD_LEAVE_CARD);
	if (rv != SCARD_S_SUCCESS)
		return pcsc_err(err, rv, c->reader, "end transaction");
	return 0;
}

int
km_pcsc_atr(struct km_pcsc_card *c, unsigned char atr[KM_ATRSZ],
    size_t *atrlen, struct km_err *err)
{
	char name[MAX_READERNAME];
	unsigned char buf[MAX_ATR_SIZE];
	DWORD namelen = sizeof(name), state, proto, len = sizeof(buf);
	LONG rv;

	*atrlen = 0;
	rv = SCardStatus(c->h, name, &namelen, &state, &proto, buf, &len);
	if (rv != SCARD_S_SUCCESS)
		return pcsc_err(err, rv, c->reader, "status");
	if (len > KM_ATRSZ || len > sizeof(buf))
		return km_errf(err, KM_EDATA, "reader '%s': ATR of %lu bytes",
		    c->reader, (unsigned long)len);
	memcpy(atr, buf, len);
	*atrlen = len;
	return 0;
}

const char *
km_pcsc_card_reader(const struct km_pcsc_card *c)
{
	return c->reader;
}

int
km_pcsc_protocol(const struct km_pcsc_card *c)
{
	return c->proto == SCARD_PROTOCOL_T0 ? 0 : 1;
}

static int
io_transmit(void *ctx, const unsigned char *cmd, size_t cmdlen,
    unsigned char *rsp, size_t rspsz, size_t *rsplen, struct km_err *err)
{
	return km_pcsc_transmit(ctx, cmd, cmdlen, rsp, rspsz, rsplen, err);
}

void
km_pcsc_io(struct km_pcsc_card *c, struct km_card_io *io)
{
	io->transmit = io_transmit;
	io->ctx = c;
	io->name = c->reader;
}
