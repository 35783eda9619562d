/*
 * vcard-km.c -- the km application on the virtual card: every command of
 * kmcard-apdu(7) with its data and status words, and the secure session
 * that makes a transaction's writes happen all at once or not at all.
 *
 * A session works on a shadow copy of the application's state: OPEN
 * copies the committed state, every write goes to the copy, and only a
 * CLOSE whose MAC verifies makes the copy the committed state, saving the
 * card file (vcard.c) before the answer leaves the card.  Anything else
 * that ends a session (removal, power off, reset, SELECT, a new OPEN,
 * CLOSE without data, a wrong MAC, a failure inside the card) just drops
 * the copy.  The running CMAC covers every command of the session and its
 * response exactly as they crossed the interface, refused and malformed
 * ones included.
 *
 * Every byte of a command comes from the host and is checked before it is
 * used.  When a command has several faults, the first in this order is
 * reported: 6700 for an APDU that is not a short one; 6E00, 6D00; 6A86
 * (and 6A82, 6A83 for files and records); 6700 for Lc and Le; 6982 for
 * the session and its level; 6985 for the application's state; then 6A88,
 * 6A80, 6A84 and the purse's 94xx.
 */
#include <stdint.h>
#include <string.h>
#include <sys/random.h>

#include "km-internal.h"
#include "vcard.h"

#define L1	(1u << 1)
#define L2	(1u << 2)
#define L3	(1u << 3)
#define LANY	(L1 | L2 | L3)

/* The label of the session key's derivation (no NUL). */
static const char session_label[9] = "KMSESSION";

static const unsigned char km_aid[] = {
	0xF0, 0x4B, 0x4D, 0x43, 0x41, 0x52, 0x44
};

/* The files, by SFI: records, their size, the levels that write them. */
struct kfile {
	int		 sfi;
	int		 nrec;
	size_t		 reclen;
	unsigned	 wlevels;	/* UPDATE RECORD (and APPEND) */
};
static const struct kfile files[] = {
	{ 0x07, 1, KMV_RECSZ, L1 },			/* environment */
	{ 0x08, KMV_NEVENTS, KMV_RECSZ, L1 | L2 | L3 },	/* events */
	{ 0x09, KMV_NCONTRACTS, KMV_RECSZ, L1 | L2 },	/* contracts */
	{ 0x19, 1, KMV_CTRSZ, L1 }			/* counters */
};
#define SFI_EVENTS	0x08
#define SFI_COUNTERS	0x19

void
kmv_blank(struct kmv_state *st)
{
	memset(st, 0, sizeof(*st));
	st->haskey = 1;		/* key 1, the transport key: zeros */
	st->ratified = 1;	/* nothing waits for ratification */
}

static void
ses_end(struct km_vcard *vc)
{
	km_cmac_free(vc->kms.mac);
	km_wipe(&vc->kms, sizeof(vc->kms));
	vc->kms.mac = NULL;
	vc->kms.open = 0;
}

/* The state commands read and write: the shadow copy inside a session. */
static struct kmv_state *
cur(struct km_vcard *vc)
{
	return vc->kms.open ? &vc->kms.shadow : &vc->km;
}

/* 0 if a session is open at one of levels, else 6982. */
static unsigned
need_level(const struct km_vcard *vc, unsigned levels)
{
	if (!vc->kms.open || !(levels & (1u << vc->kms.level)))
		return 0x6982;
	return 0;
}

/* 0 if a session may still write n bytes, else 6A84. */
static unsigned
room(const struct km_vcard *vc, size_t n)
{
	return vc->kms.written + n > KMV_SESSION_MAX ? 0x6A84 : 0;
}

static const struct kfile *
file(int sfi)
{
	size_t i;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		if (files[i].sfi == sfi)
			return &files[i];
	return NULL;
}

/* Record rec (from 1) of file f in st. */
static unsigned char *
record(struct kmv_state *st, const struct kfile *f, int rec)
{
	switch (f->sfi) {
	case 0x07:
		return st->env;
	case 0x08:
		return st->event[rec - 1];
	case 0x09:
		return st->contract[rec - 1];
	default:
		return st->counters;
	}
}

static int
put(struct vc_resp *r, const void *p, size_t n)
{
	if (n > r->cap - r->len)
		return -1;
	memcpy(r->buf + r->len, p, n);
	r->len += n;
	return 0;
}

static int
app_state(const struct kmv_state *st)
{
	static const unsigned char transport[KM_AES_KEYSZ];

	if (st->invalidated)
		return 2;
	if (memcmp(st->key[0], transport, KM_AES_KEYSZ) == 0)
		return 0;
	return 1;
}

/* SELECT: the FCI, 6F L 84 07 AID A5 L 9F 10 L UID 9F 11 01 state. */
static unsigned
km_select(struct km_vcard *vc, const struct vc_apdu *a, struct vc_resp *r)
{
	unsigned char fci[64];
	size_t a5 = 3 + vc->uidlen + 4, n = 0;

	fci[n++] = 0x6F;
	fci[n++] = (unsigned char)(2 + sizeof(km_aid) + 2 + a5);
	fci[n++] = 0x84;
	fci[n++] = sizeof(km_aid);
	memcpy(fci + n, km_aid, sizeof(km_aid));
	n += sizeof(km_aid);
	fci[n++] = 0xA5;
	fci[n++] = (unsigned char)a5;
	fci[n++] = 0x9F;
	fci[n++] = 0x10;
	fci[n++] = (unsigned char)vc->uidlen;
	memcpy(fci + n, vc->uid, vc->uidlen);
	n += vc->uidlen;
	fci[n++] = 0x9F;
	fci[n++] = 0x11;
	fci[n++] = 0x01;
	fci[n++] = (unsigned char)app_state(&vc->km);
	if (!vc_le_fits(a, n) || put(r, fci, n) == -1)
		return 0x6700;
	return vc->km.invalidated ? 0x6283 : 0x9000;
}

static void
km_end(struct km_vcard *vc)
{
	ses_end(vc);
}

/* ---------------------------------------------------------- records */

/* READ RECORD: 00 B2 rec SFI<<3|4 Le */
static unsigned
cmd_read(struct km_vcard *vc, const struct vc_apdu *a, struct vc_resp *r,
    struct km_err *err)
{
	const struct kfile *f;

	if ((a->p2 & 7) != 4)
		return 0x6A86;
	if ((f = file(a->p2 >> 3)) == NULL)
		return 0x6A82;
	if (a->p1 < 1 || a->p1 > f->nrec)
		return 0x6A83;
	if (a->lc != 0 || !vc_le_fits(a, f->reclen))
		return 0x6700;
	put(r, record(cur(vc), f, a->p1), f->reclen);
	return 0x9000;
}

/* UPDATE RECORD: 00 DC rec SFI<<3|4 Lc data */
static unsigned
cmd_update(struct km_vcard *vc, const struct vc_apdu *a, struct vc_resp *r,
    struct km_err *err)
{
	const struct kfile *f;
	unsigned char *rec;
	unsigned sw;

	if ((a->p2 & 7) != 4)
		return 0x6A86;
	if ((f = file(a->p2 >> 3)) == NULL)
		return 0x6A82;
	if (a->p1 < 1 || a->p1 > f->nrec)
		return 0x6A83;
	if (a->lc < 1 || a->lc > f->reclen)
		return 0x6700;
	if ((sw = need_level(vc, f->wlevels)) != 0)
		return sw;
	if (cur(vc)->invalidated)
		return 0x6985;
	if ((sw = room(vc, a->lc)) != 0)
		return sw;
	rec = record(cur(vc), f, a->p1);
	memset(rec, 0, f->reclen);
	memcpy(rec, a->data, a->lc);
	vc->kms.written += a->lc;
	return 0x9000;
}

/* APPEND RECORD: 00 E2 00 SFI<<3 Lc data; events only. */
static unsigned
cmd_append(struct km_vcard *vc, const struct vc_apdu *a, struct vc_resp *r,
    struct km_err *err)
{
	struct kmv_state *st;
	const struct kfile *f;
	unsigned sw;

	if (a->p1 != 0 || (a->p2 & 7) != 0)
		return 0x6A86;
	if ((f = file(a->p2 >> 3)) == NULL)
		return 0x6A82;
	if (f->sfi != SFI_EVENTS)
		return 0x6A86;
	if (a->lc < 1 || a->lc > f->reclen)
		return 0x6700;
	if ((sw = need_level(vc, f->wlevels)) != 0)
		return sw;
	st = cur(vc);
	if (st->invalidated)
		return 0x6985;
	if ((sw = room(vc, a->lc)) != 0)
		return sw;
	memmove(st->event[1], st->event[0],
	    (KMV_NEVENTS - 1) * sizeof(st->event[0]));
	memset(st->event[0], 0, sizeof(st->event[0]));
	memcpy(st->event[0], a->data, a->lc);
	vc->kms.written += a->lc;
	return 0x9000;
}

/* INCREASE and DECREASE: 00 32|30 counter SFI<<3 03 value [Le] */
static unsigned
counter(struct km_vcard *vc, const struct vc_apdu *a, struct vc_resp *r,
    int up)
{
	const struct kfile *f;
	unsigned char *p;
	uint32_t v, by;
	unsigned sw;

	if ((a->p2 & 7) != 0)
		return 0x6A86;
	if ((f = file(a->p2 >> 3)) == NULL)
		return 0x6A82;
	if (f->sfi != SFI_COUNTERS || a->p1 < 1 || a->p1 > KMV_NCOUNTERS)
		return 0x6A86;
	if (a->lc != 3 || !vc_le_fits(a, 3))
		return 0x6700;
	if ((sw = need_level(vc, up ? L1 | L2 : L1 | L2 | L3)) != 0)
		return sw;
	if (cur(vc)->invalidated)
		return 0x6985;
	p = cur(vc)->counters + 3 * (a->p1 - 1);
	v = km_get_be(p, 3);
	by = km_get_be(a->data, 3);
	if (up ? v + by > 0xFFFFFF : by > v)
		return 0x6A80;
	if ((sw = room(vc, 3)) != 0)
		return sw;
	v = up ? v + by : v - by;
	km_put_be(p, v, 3);
	vc->kms.written += 3;
	put(r, p, 3);
	return 0x9000;
}

static unsigned
cmd_increase(struct km_vcard *vc, const struct vc_apdu *a, struct vc_resp *r,
    struct km_err *err)
{
	return counter(vc, a, r, 1);
}

static unsigned
cmd_decrease(struct km_vcard *vc, const struct vc_apdu *a, struct vc_resp *r,
    struct km_err *err)
{
	return counter(vc, a, r, 0);
}

/* ---------------------------------------------------------- purses */

/* PURSE GET: 80 5C 00 purse Le */
static unsigned
cmd_purse_get(struct km_vcard *vc, const struct vc_apdu *a,
    struct vc_resp *r, struct km_err *err)
{
	const struct kmv_purse *pu;
	unsigned char b[10];

	if (a->p1 != 0 || a->p2 < 1 || a->p2 > KMV_NPURSES)
		return 0x6A86;
	if (a->lc != 0 || !vc_le_fits(a, sizeof(b)))
		return 0x6700;
	pu = &cur(vc)->purse[a->p2 - 1];
	km_put_be(b, (uint32_t)pu->balance, 4);
	km_put_be(b + 4, pu->counter, 2);
	km_put_be(b + 6, (uint32_t)pu->limit, 4);
	put(r, b, sizeof(b));
	return 0x9000;
}

/* PURSE CREDIT and DEBIT: 80 54|56 00 purse 04 amount Le */
static unsigned
purse_op(struct km_vcard *vc, const struct vc_apdu *a, struct vc_resp *r,
    int op, struct km_err *err)
{
	struct kmv_state *st;
	struct kmv_purse *pu;
	unsigned char b[6 + KM_MACSZ];
	int64_t nb;
	uint32_t amount;
	unsigned sw;

	if (a->p1 != 0 || a->p2 < 1 || a->p2 > KMV_NPURSES)
		return 0x6A86;
	if (a->lc != 4 || !vc_le_fits(a, sizeof(b)))
		return 0x6700;
	if ((sw = need_level(vc, op == 'C' ? L1 | L2 : L1 | L3)) != 0)
		return sw;
	st = cur(vc);
	if (st->invalidated || vc->kms.purseop)
		return 0x6985;
	if (!(st->haskey & (1u << 3)))
		return 0x6A88;
	amount = km_get_be(a->data, 4);
	if (amount < 1 || amount > KMV_AMOUNT_MAX)
		return 0x6A80;
	if ((sw = room(vc, 4)) != 0)
		return sw;
	pu = &st->purse[a->p2 - 1];
	if (pu->counter == 65535)
		return 0x9403;
	nb = op == 'C' ? (int64_t)pu->balance + amount :
	    (int64_t)pu->balance - amount;
	if (op == 'C' && nb > pu->limit)
		return 0x9402;
	if (op == 'D' && nb < 0)
		return 0x9401;
	if (km_purse_mac(st->key[3], vc->uid, vc->uidlen, a->p2, op,
	    pu->counter + 1u, (int32_t)amount, (int32_t)nb, b + 6, err) == -1)
		return 0x6F00;
	pu->balance = (int32_t)nb;
	pu->counter++;
	vc->kms.purseop = 1;
	vc->kms.written += 4;
	km_put_be(b, (uint32_t)pu->balance, 4);
	km_put_be(b + 4, pu->counter, 2);
	put(r, b, sizeof(b));
	return 0x9000;
}

static unsigned
cmd_credit(struct km_vcard *vc, const struct vc_apdu *a, struct vc_resp *r,
    struct km_err *err)
{
	return purse_op(vc, a, r, 'C', err);
}

static unsigned
cmd_debit(struct km_vcard *vc, const struct vc_apdu *a, struct vc_resp *r,
    struct km_err *err)
{
	return purse_op(vc, a, r, 'D', err);
}

/* PURSE LIMIT: 80 58 00 purse 04 limit */
static unsigned
cmd_limit(struct km_vcard *vc, const struct vc_apdu *a, struct vc_resp *r,
    struct km_err *err)
{
	uint32_t limit;
	unsigned sw;

	if (a->p1 != 0 || a->p2 < 1 || a->p2 > KMV_NPURSES)
		return 0x6A86;
	if (a->lc != 4)
		return 0x6700;
	if ((sw = need_level(vc, L1)) != 0)
		return sw;
	if (cur(vc)->invalidated)
		return 0x6985;
	limit = km_get_be(a->data, 4);
	if (limit > INT32_MAX)
		return 0x6A80;
	if ((sw = room(vc, 4)) != 0)
		return sw;
	cur(vc)->purse[a->p2 - 1].limit = (int32_t)limit;
	vc->kms.written += 4;
	return 0x9000;
}

/* ---------------------------------------------------------- keys, state */

/* PUT KEY: 80 D8 00 number 10 AES(Kw, key) */
static unsigned
cmd_put_key(struct km_vcard *vc, const struct vc_apdu *a, struct vc_resp *r,
    struct km_err *err)
{
	struct kmv_state *st;
	unsigned sw;

	if (a->p1 != 0 || a->p2 < 1 || a->p2 > KMV_NKEYS)
		return 0x6A86;
	if (a->lc != KM_AES_KEYSZ)
		return 0x6700;
	if ((sw = need_level(vc, L1)) != 0)
		return sw;
	st = cur(vc);
	if (st->invalidated)
		return 0x6985;
	if ((sw = room(vc, KM_AES_KEYSZ)) != 0)
		return sw;
	/* The key arrives encrypted under the session's wrapping key. */
	if (km_aes_block(vc->kms.kw, a->data, st->key[a->p2 - 1], 1,
	    err) == -1)
		return 0x6F00;
	st->haskey |= 1u << (a->p2 - 1);
	vc->kms.written += KM_AES_KEYSZ;
	return 0x9000;
}

/* INVALIDATE: 80 04 00 00; REHABILITATE: 80 44 00 00 */
static unsigned
cmd_invalidate(struct km_vcard *vc, const struct vc_apdu *a,
    struct vc_resp *r, struct km_err *err)
{
	unsigned sw;

	if (a->p1 != 0 || a->p2 != 0)
		return 0x6A86;
	if (a->lc != 0)
		return 0x6700;
	if ((sw = need_level(vc, LANY)) != 0)
		return sw;
	if (cur(vc)->invalidated)
		return 0x6985;
	cur(vc)->invalidated = 1;
	return 0x9000;
}

static unsigned
cmd_rehabilitate(struct km_vcard *vc, const struct vc_apdu *a,
    struct vc_resp *r, struct km_err *err)
{
	unsigned sw;

	if (a->p1 != 0 || a->p2 != 0)
		return 0x6A86;
	if (a->lc != 0)
		return 0x6700;
	if ((sw = need_level(vc, L1 | L2)) != 0)
		return sw;
	cur(vc)->invalidated = 0;
	return 0x9000;
}

/* RATIFY: 80 8F 00 00; outside a session, saved at once. */
static unsigned
cmd_ratify(struct km_vcard *vc, const struct vc_apdu *a, struct vc_resp *r,
    struct km_err *err)
{
	struct kmv_state st;

	if (a->p1 != 0 || a->p2 != 0)
		return 0x6A86;
	if (a->lc != 0)
		return 0x6700;
	if (vc->kms.open)
		return 0x6985;
	if (vc->km.ratified)
		return 0x9000;
	st = vc->km;
	st.ratified = 1;
	if (vc_commit_km(vc, &st, err) == -1) {
		km_wipe(&st, sizeof(st));
		return 0x6581;
	}
	km_wipe(&st, sizeof(st));
	return 0x9000;
}

/* ---------------------------------------------------------- sessions */

/* OPEN SECURE SESSION: 80 8A level 00 08 Ct Le; ends any session first. */
static unsigned
cmd_open(struct km_vcard *vc, const struct vc_apdu *a, struct vc_resp *r,
    struct km_err *err)
{
	struct kmv_session *s = &vc->kms;
	unsigned char m[9 + 16], ks[16], b[13];
	int level = a->p1;

	ses_end(vc);
	if (a->malformed)
		return 0x6700;
	if (level < 1 || level > 3 || a->p2 != 0)
		return 0x6A86;
	if (a->lc != 8 || !vc_le_fits(a, sizeof(b)))
		return 0x6700;
	if (!(vc->km.haskey & (1u << (level - 1))))
		return 0x6A88;
	if (getrandom(b, 8, 0) != 8) {
		km_errf(err, KM_ESYS, "no random bytes for a challenge");
		return 0x6F00;
	}
	b[8] = (unsigned char)((vc->km.ratified ? 0x01 : 0) |
	    (vc->km.invalidated ? 0x02 : 0));
	km_put_be(b + 9, vc->km.sessions, 4);
	memcpy(m, session_label, sizeof(session_label));
	memcpy(m + 9, a->data, 8);
	memcpy(m + 17, b, 8);
	if (km_aes_cmac(vc->km.key[level - 1], m, sizeof(m), ks, err) == -1 ||
	    km_keywrap_key(ks, s->kw, err) == -1 ||
	    km_cmac_new(&s->mac, ks, err) == -1 ||
	    km_cmac_update(s->mac, a->data, 8) == -1 ||
	    km_cmac_update(s->mac, b, sizeof(b)) == -1) {
		km_wipe(ks, sizeof(ks));
		ses_end(vc);
		if (err != NULL && err->eclass == KM_EOK)
			km_errf(err, KM_ESYS, "AES-CMAC failed");
		return 0x6F00;
	}
	km_wipe(ks, sizeof(ks));
	s->open = 1;
	s->level = level;
	s->shadow = vc->km;
	s->written = 0;
	s->purseop = 0;
	put(r, b, sizeof(b));
	return 0x9000;
}

static int
same(const unsigned char *x, const unsigned char *y, size_t n)
{
	unsigned d = 0;
	size_t i;

	for (i = 0; i < n; i++)
		d |= x[i] ^ y[i];
	return d == 0;
}

/*
 * CLOSE SECURE SESSION: 80 8E P1 00 08 Mt Le, or 80 8E P1 00 alone to
 * abandon.  Commits on a good Mt, saving the card first; ends the session
 * in every case.
 */
static unsigned
cmd_close(struct km_vcard *vc, const struct vc_apdu *a, struct vc_resp *r,
    struct km_err *err)
{
	struct kmv_session *s = &vc->kms;
	unsigned char mt[16], mc[16];
	unsigned sw = 0x9000;

	if (a->malformed)
		sw = 0x6700;
	else if ((a->p1 != 0x00 && a->p1 != 0x80) || a->p2 != 0)
		sw = 0x6A86;
	else if ((a->lc != 0 && a->lc != 8) || !vc_le_fits(a, 8))
		sw = 0x6700;
	else if (!s->open)
		sw = 0x6985;
	else if (a->lc == 0)
		sw = 0x9000;	/* abandoned, as asked */
	else if (km_cmac_peek(s->mac, "T", 1, mt) == -1 ||
	    km_cmac_peek(s->mac, "C", 1, mc) == -1) {
		km_errf(err, KM_ESYS, "AES-CMAC failed");
		sw = 0x6F00;
	} else if (!same(mt, a->data, KM_MACSZ))
		sw = 0x6988;
	else {
		if (s->shadow.sessions < UINT32_MAX)
			s->shadow.sessions++;
		s->shadow.ratified = (a->p1 & 0x80) != 0;
		if (vc_commit_km(vc, &s->shadow, err) == -1)
			sw = 0x6581;
		else
			put(r, mc, KM_MACSZ);
	}
	km_wipe(mt, sizeof(mt));
	km_wipe(mc, sizeof(mc));
	ses_end(vc);
	return sw;
}

/* ---------------------------------------------------------- dispatch */

typedef unsigned cmdfn(struct km_vcard *, const struct vc_apdu *,
    struct vc_resp *, struct km_err *);

static const struct {
	unsigned char	 cla, ins;
	cmdfn		*fn;		/* NULL: the card's (SELECT) */
} cmds[] = {
	{ 0x00, 0xA4, NULL },
	{ 0x00, 0xB2, cmd_read },
	{ 0x00, 0xDC, cmd_update },
	{ 0x00, 0xE2, cmd_append },
	{ 0x00, 0x32, cmd_increase },
	{ 0x00, 0x30, cmd_decrease },
	{ 0x80, 0x5C, cmd_purse_get },
	{ 0x80, 0x54, cmd_credit },
	{ 0x80, 0x56, cmd_debit },
	{ 0x80, 0x58, cmd_limit },
	{ 0x80, 0xD8, cmd_put_key },
	{ 0x80, 0x04, cmd_invalidate },
	{ 0x80, 0x44, cmd_rehabilitate },
	{ 0x80, 0x8A, cmd_open },
	{ 0x80, 0x8E, cmd_close },
	{ 0x80, 0x8F, cmd_ratify }
};

static unsigned
dispatch(struct km_vcard *vc, const struct vc_apdu *a, struct vc_resp *r,
    struct km_err *err)
{
	size_t i;
	int other = 0;

	if (a->malformed)
		return 0x6700;
	if (a->cla != 0x00 && a->cla != 0x80)
		return 0x6E00;
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		if (cmds[i].ins != a->ins)
			continue;
		if (cmds[i].cla == a->cla && cmds[i].fn != NULL)
			return cmds[i].fn(vc, a, r, err);
		other = 1;
	}
	return other ? 0x6E00 : 0x6D00;
}

/*
 * Every command but SELECT while the application is selected.  OPEN and
 * CLOSE (also when malformed) start and end sessions and stay out of the
 * running MAC; every other command inside a session goes into it with its
 * response as sent.
 */
static unsigned
km_apdu(struct km_vcard *vc, const struct vc_apdu *a, struct vc_resp *r,
    struct km_err *err)
{
	unsigned char sw2[2];
	unsigned sw;
	int insession = vc->kms.open;

	if (a->rawlen >= 4 && a->cla == 0x80 && a->ins == 0x8A)
		return cmd_open(vc, a, r, err);
	if (a->rawlen >= 4 && a->cla == 0x80 && a->ins == 0x8E)
		return cmd_close(vc, a, r, err);
	sw = dispatch(vc, a, r, err);
	if (sw != 0x9000)
		r->len = 0;
	if (sw == 0x6F00 || sw == 0x6581)
		ses_end(vc);	/* the card failed: trust nothing */
	if (!insession || !vc->kms.open)
		return sw;
	sw2[0] = (unsigned char)(sw >> 8);
	sw2[1] = (unsigned char)(sw & 0xff);
	if (km_cmac_update(vc->kms.mac, a->raw, a->rawlen) == -1 ||
	    km_cmac_update(vc->kms.mac, r->buf, r->len) == -1 ||
	    km_cmac_update(vc->kms.mac, sw2, 2) == -1) {
		ses_end(vc);
		r->len = 0;
		km_errf(err, KM_ESYS, "AES-CMAC failed");
		return 0x6F00;
	}
	return sw;
}

const struct vc_app vc_app_km = {
	"km", km_aid, sizeof(km_aid), km_select, km_apdu, km_end
};
