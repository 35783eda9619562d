/*
 * kmapp.c -- the host's side of the km application, the card's transit
 * and purse application of kmcard-apdu(7): the one place that knows its
 * commands byte by byte, and the secure session.  A session's running
 * AES-CMAC is kept here exactly as the page says (Ct and the OPEN answer,
 * then every command APDU as sent and every response, refused ones
 * included, CLOSE left out), so every command inside a session goes out
 * through one function, xchg(), that feeds both to the MAC; that is also
 * why these commands are sent as they are, one exchange each, without the
 * GET RESPONSE and re-issuing of km_apdu_transmit().  CLOSE checks the
 * card's MAC in constant time, and a session is dropped on the host as
 * soon as anything goes wrong that the card may have seen differently (a
 * transport error, a malformed answer), so a later command never runs
 * under a MAC the two sides disagree on.  Session keys are wiped after
 * use.  The back office's half lives here too: checking a purse
 * certificate from the master key, and the counters of a purse for
 * replays and gaps.  It reaches the card only through struct km_card_io.
 */
#include <assert.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "km-internal.h"

const unsigned char km_kmapp_aid[KM_KMAPP_AIDLEN] = {
	0xF0, 0x4B, 0x4D, 0x43, 0x41, 0x52, 0x44
};

#define CHALLENGESZ	8
#define OPENRSPSZ	13	/* Cc (8), flags (1), sessions (4) */

static const unsigned char label[9] = "KMSESSION";	/* no NUL */

struct km_kmapp {
	struct km_card_io io;
	unsigned char	 uid[KM_UIDMAX];
	size_t		 uidlen;	/* 0 until selected */
	struct km_cmac	*mac;		/* the running MAC; NULL: no session */
	unsigned char	 kw[16];	/* the session's key-wrapping key */
	unsigned	 sw;		/* the last status word */
};

int
km_kmapp_new(struct km_kmapp **kp, const struct km_card_io *io,
    struct km_err *err)
{
	struct km_kmapp *k;

	*kp = NULL;
	if (io == NULL || io->transmit == NULL)
		return km_errf(err, KM_EUSAGE, "no card transport");
	if ((k = calloc(1, sizeof(*k))) == NULL)
		return km_errf(err, KM_ESYS, "out of memory");
	k->io = *io;
	*kp = k;
	return 0;
}

/* Forgets the session on the host (the card forgets it on its own). */
static void
drop(struct km_kmapp *k)
{
	km_cmac_free(k->mac);
	k->mac = NULL;
	km_wipe(k->kw, sizeof(k->kw));
}

void
km_kmapp_free(struct km_kmapp *k)
{
	if (k == NULL)
		return;
	drop(k);
	km_wipe(k, sizeof(*k));
	free(k);
}

unsigned
km_kmapp_sw(const struct km_kmapp *k)
{
	return k->sw;
}

int
km_kmapp_in_session(const struct km_kmapp *k)
{
	return k->mac != NULL;
}

static int
ct_equal(const unsigned char *a, const unsigned char *b, size_t n)
{
	volatile unsigned char d = 0;
	size_t i;

	for (i = 0; i < n; i++)
		d |= a[i] ^ b[i];
	return d == 0;
}

/*
 * One exchange of a (short, at most le bytes of data back): the data go
 * to data (datasz bytes), their length to *dlen (both may be NULL/0 for
 * a command without data back), the status word to k->sw.  Inside a
 * session, unless nomac, the command as sent and the whole response go
 * into the running MAC.  A transport error or a malformed answer drops
 * the session.  what names the command in messages.  Does not judge the
 * status word.
 */
static int
xchg(struct km_kmapp *k, const struct km_apdu *a, int nomac,
    unsigned char *data, size_t datasz, size_t *dlen, const char *what,
    struct km_err *err)
{
	unsigned char cmd[4 + 1 + 255 + 1], rsp[KM_APDU_SHORTRSP];
	size_t cmdlen = 0, n = 0;
	int rc = -1;

	if (dlen != NULL)
		*dlen = 0;
	k->sw = 0;
	if (km_apdu_encode(a, cmd, sizeof(cmd), &cmdlen, err) == -1)
		goto out;
	if (km_apdu_exchange(&k->io, cmd, cmdlen, a->le, rsp, sizeof(rsp),
	    &n, err) == -1) {
		km_errpre(err, "%s", what);
		drop(k);
		goto out;
	}
	assert(n >= 2 && n <= sizeof(rsp));	/* km_apdu_exchange() */
	k->sw = (unsigned)rsp[n - 2] << 8 | rsp[n - 1];
	if (k->mac != NULL && !nomac &&
	    (km_cmac_update(k->mac, cmd, cmdlen) == -1 ||
	    km_cmac_update(k->mac, rsp, n) == -1)) {
		km_errf(err, KM_ESYS, "%s: session MAC failed", what);
		drop(k);
		goto out;
	}
	if (n - 2 > datasz) {
		km_errf(err, KM_EDATA, "%s: the card answers %zu bytes, more "
		    "than the %zu expected", what, n - 2, datasz);
		drop(k);
		goto out;
	}
	if (n > 2)
		memcpy(data, rsp, n - 2);
	if (dlen != NULL)
		*dlen = n - 2;
	rc = 0;
out:
	km_wipe(cmd, sizeof(cmd));	/* PUT KEY sends a key */
	km_wipe(rsp, sizeof(rsp));
	return rc;
}

/* xchg() with the answer required to be 9000 and exactly want bytes. */
static int
run(struct km_kmapp *k, const struct km_apdu *a, unsigned char *data,
    size_t want, const char *what, struct km_err *err)
{
	size_t n;

	if (xchg(k, a, 0, data, want, &n, what, err) == -1)
		return -1;
	/* Explicit -1s: the analyser does not see through the variadic
	 * km_sw_err() and km_errf(), and *data is filled only on 0. */
	if (k->sw != 0x9000) {
		km_sw_err(err, k->sw, "%s", what);
		return -1;
	}
	if (n != want) {
		drop(k);
		km_errf(err, KM_EDATA, "%s: the card answers %zu bytes (%zu "
		    "expected)", what, n, want);
		return -1;
	}
	return 0;
}

static void
apdu(struct km_apdu *a, int cla, int ins, int p1, int p2,
    const unsigned char *data, size_t lc, size_t le)
{
	memset(a, 0, sizeof(*a));
	a->cla = (unsigned char)cla;
	a->ins = (unsigned char)ins;
	a->p1 = (unsigned char)p1;
	a->p2 = (unsigned char)p2;
	a->data = lc > 0 ? data : NULL;
	a->lc = lc;
	a->le = le;
}

/* Reads the FCI of SELECT (kmcard-apdu(7)) into fci. */
static int
parse_fci(const unsigned char *p, size_t n, struct km_kmapp_fci *fci,
    struct km_err *err)
{
	struct km_tlv t, extra, aid, prop, uid, st;
	const unsigned char *q = p;
	size_t left = n;
	int rc;

	if ((rc = km_tlv_next(&q, &left, &t, err)) == -1)
		return km_errpre(err, "FCI");
	if (rc == 0 || t.tag != 0x6F)
		return km_errf(err, KM_EDATA, "FCI: no FCI template (6F)");
	if ((rc = km_tlv_next(&q, &left, &extra, err)) == -1)
		return km_errpre(err, "FCI");
	if (rc == 1)
		return km_errf(err, KM_EDATA, "FCI: data after the template");
	if ((rc = km_tlv_find(t.val, t.len, 0x84, &aid, err)) == -1)
		return km_errpre(err, "FCI");
	if (rc == 0)
		return km_errf(err, KM_EDATA, "FCI: no application "
		    "identifier (84)");
	if (aid.len != KM_KMAPP_AIDLEN ||
	    memcmp(aid.val, km_kmapp_aid, KM_KMAPP_AIDLEN) != 0)
		return km_errf(err, KM_EDATA, "FCI: the application "
		    "identifier is not the km application's");
	if ((rc = km_tlv_find(t.val, t.len, 0xA5, &prop, err)) == -1)
		return km_errpre(err, "FCI");
	if (rc == 0)
		return km_errf(err, KM_EDATA, "FCI: no proprietary data "
		    "(A5)");
	if ((rc = km_tlv_find(prop.val, prop.len, 0x9F10, &uid, err)) == -1)
		return km_errpre(err, "FCI");
	if (rc == 0)
		return km_errf(err, KM_EDATA, "FCI: no chip UID (9F10)");
	if (uid.len != 4 && uid.len != 7 && uid.len != 10)
		return km_errf(err, KM_EDATA, "FCI: chip UID of %zu bytes "
		    "(4, 7 or 10)", uid.len);
	if ((rc = km_tlv_find(prop.val, prop.len, 0x9F11, &st, err)) == -1)
		return km_errpre(err, "FCI");
	if (rc == 0)
		return km_errf(err, KM_EDATA, "FCI: no application state "
		    "(9F11)");
	if (st.len != 1 || st.val[0] > KM_KMAPP_INVALIDATED)
		return km_errf(err, KM_EDATA, "FCI: unknown application "
		    "state");
	memcpy(fci->uid, uid.val, uid.len);
	fci->uidlen = uid.len;
	fci->state = st.val[0];
	return 0;
}

int
km_kmapp_select(struct km_kmapp *k, struct km_kmapp_fci *fcip,
    struct km_err *err)
{
	static const char what[] = "select km application";
	struct km_kmapp_fci fci = { .uidlen = 0 };
	struct km_apdu a;
	unsigned char buf[256];
	size_t n;

	/* Selecting ends the card's session unwritten: so here too. */
	drop(k);
	k->uidlen = 0;
	apdu(&a, 0x00, 0xA4, 0x04, 0x00, km_kmapp_aid, KM_KMAPP_AIDLEN, 256);
	if (xchg(k, &a, 1, buf, sizeof(buf), &n, what, err) == -1)
		return -1;
	if (k->sw != 0x9000 && k->sw != 0x6283)
		return km_sw_err(err, k->sw, "%s", what);
	if (parse_fci(buf, n, &fci, err) == -1)
		return km_errpre(err, "%s", what);
	if (k->sw == 0x6283)
		fci.state = KM_KMAPP_INVALIDATED;
	memcpy(k->uid, fci.uid, fci.uidlen);
	k->uidlen = fci.uidlen;
	if (fcip != NULL)
		*fcip = fci;
	return 0;
}

int
km_kmapp_open(struct km_kmapp *k, int level,
    const unsigned char key[KM_AES_KEYSZ], struct km_kmapp_open *info,
    struct km_err *err)
{
	unsigned char ct[CHALLENGESZ], rsp[OPENRSPSZ];
	unsigned char m[sizeof(label) + 2 * CHALLENGESZ];
	unsigned char ks[16];
	char what[48];
	struct km_apdu a;
	int rc = -1;

	snprintf(what, sizeof(what), "open secure session at level %d",
	    level);
	if (level < 1 || level > 3)
		return km_errf(err, KM_EUSAGE, "%s: no such level (1 to 3)",
		    what);
	drop(k);	/* the card abandons an open session too */
	if (getentropy(ct, sizeof(ct)) == -1)
		return km_errf(err, KM_ESYS, "%s: no random challenge", what);
	apdu(&a, 0x80, 0x8A, level, 0x00, ct, sizeof(ct), 256);
	if (run(k, &a, rsp, sizeof(rsp), what, err) == -1)
		return -1;
	/* Ks = AES-CMAC(K[level], "KMSESSION" || Ct || Cc) */
	memcpy(m, label, sizeof(label));
	memcpy(m + sizeof(label), ct, CHALLENGESZ);
	memcpy(m + sizeof(label) + CHALLENGESZ, rsp, CHALLENGESZ);
	if (km_aes_cmac(key, m, sizeof(m), ks, err) == -1 ||
	    km_keywrap_key(ks, k->kw, err) == -1 ||
	    km_cmac_new(&k->mac, ks, err) == -1)
		goto out;
	if (km_cmac_update(k->mac, ct, sizeof(ct)) == -1 ||
	    km_cmac_update(k->mac, rsp, sizeof(rsp)) == -1) {
		drop(k);
		km_errf(err, KM_ESYS, "%s: session MAC failed", what);
		goto out;
	}
	if (info != NULL) {
		info->ratified = (rsp[8] & 0x01) != 0;
		info->invalidated = (rsp[8] & 0x02) != 0;
		info->sessions = km_get_be(rsp + 9, 4);
	}
	rc = 0;
out:
	km_wipe(ks, sizeof(ks));
	km_wipe(m, sizeof(m));
	return rc;
}

int
km_kmapp_open_master(struct km_kmapp *k, int level,
    const unsigned char master[KM_AES_KEYSZ], struct km_kmapp_open *info,
    struct km_err *err)
{
	unsigned char key[KM_AES_KEYSZ];
	int rc;

	if (k->uidlen == 0)
		return km_errf(err, KM_EUSAGE, "open secure session: the km "
		    "application is not selected");
	if (level < 1 || level > 3)
		return km_errf(err, KM_EUSAGE, "open secure session at level "
		    "%d: no such level (1 to 3)", level);
	if (km_diversify(master, k->uid, k->uidlen, level, key, err) == -1)
		return -1;
	rc = km_kmapp_open(k, level, key, info, err);
	km_wipe(key, sizeof(key));
	return rc;
}

static int
check_sfi(int sfi, int rec, struct km_err *err)
{
	if (sfi < 1 || sfi > 30)
		return km_errf(err, KM_EUSAGE, "file %d: no such SFI (1 to "
		    "30)", sfi);
	if (rec < 1 || rec > 254)
		return km_errf(err, KM_EUSAGE, "record %d: out of range (1 to "
		    "254)", rec);
	return 0;
}

int
km_kmapp_read(struct km_kmapp *k, int sfi, int rec, unsigned char *buf,
    size_t bufsz, size_t *len, struct km_err *err)
{
	char what[48];
	struct km_apdu a;

	*len = 0;
	if (check_sfi(sfi, rec, err) == -1)
		return -1;
	snprintf(what, sizeof(what), "read record %d of file %02X", rec, sfi);
	apdu(&a, 0x00, 0xB2, rec, sfi << 3 | 4, NULL, 0, 256);
	if (xchg(k, &a, 0, buf, bufsz, len, what, err) == -1)
		return -1;
	if (k->sw != 0x9000) {
		*len = 0;
		return km_sw_err(err, k->sw, "%s", what);
	}
	return 0;
}

/* A write of data (1 to 255 bytes) that the card answers with 9000 only. */
static int
write_cmd(struct km_kmapp *k, int cla, int ins, int p1, int p2,
    const unsigned char *data, size_t len, const char *what,
    struct km_err *err)
{
	struct km_apdu a;

	if (len > 255)
		return km_errf(err, KM_EUSAGE, "%s: %zu bytes of data (at most "
		    "255)", what, len);
	apdu(&a, cla, ins, p1, p2, data, len, 0);
	return run(k, &a, NULL, 0, what, err);
}

int
km_kmapp_update(struct km_kmapp *k, int sfi, int rec,
    const unsigned char *data, size_t len, struct km_err *err)
{
	char what[48];

	if (check_sfi(sfi, rec, err) == -1)
		return -1;
	snprintf(what, sizeof(what), "update record %d of file %02X", rec,
	    sfi);
	if (len == 0)
		return km_errf(err, KM_EUSAGE, "%s: no data", what);
	return write_cmd(k, 0x00, 0xDC, rec, sfi << 3 | 4, data, len, what,
	    err);
}

int
km_kmapp_append(struct km_kmapp *k, int sfi, const unsigned char *data,
    size_t len, struct km_err *err)
{
	char what[48];

	if (check_sfi(sfi, 1, err) == -1)
		return -1;
	snprintf(what, sizeof(what), "append record to file %02X", sfi);
	if (len == 0)
		return km_errf(err, KM_EUSAGE, "%s: no data", what);
	return write_cmd(k, 0x00, 0xE2, 0x00, sfi << 3, data, len, what, err);
}

static int
counter_cmd(struct km_kmapp *k, int ins, const char *verb, int counter,
    uint32_t value, uint32_t *newval, struct km_err *err)
{
	unsigned char v[3], nv[3];
	char what[48];
	struct km_apdu a;

	snprintf(what, sizeof(what), "%s counter %d", verb, counter);
	if (counter < 1 || counter > 4)
		return km_errf(err, KM_EUSAGE, "%s: no such counter (1 to 4)",
		    what);
	if (value > 0xFFFFFF)
		return km_errf(err, KM_EUSAGE, "%s: value %lu out of range",
		    what, (unsigned long)value);
	km_put_be(v, value, 3);
	/* kmcard-apdu(7) writes INCREASE without Le; the card answers the
	 * new value all the same. */
	apdu(&a, 0x00, ins, counter, KM_SFI_COUNTERS << 3, v, sizeof(v), 3);
	a.flags = KM_APDU_NOLE;
	if (run(k, &a, nv, sizeof(nv), what, err) == -1)
		return -1;
	if (newval != NULL)
		*newval = km_get_be(nv, 3);
	return 0;
}

int
km_kmapp_increase(struct km_kmapp *k, int counter, uint32_t value,
    uint32_t *newval, struct km_err *err)
{
	return counter_cmd(k, 0x32, "increase", counter, value, newval, err);
}

int
km_kmapp_decrease(struct km_kmapp *k, int counter, uint32_t value,
    uint32_t *newval, struct km_err *err)
{
	return counter_cmd(k, 0x30, "decrease", counter, value, newval, err);
}

static int
check_purse(int purse, const char *what, struct km_err *err)
{
	if (purse != KM_PURSE_EMONEY && purse != KM_PURSE_POINTS)
		return km_errf(err, KM_EUSAGE, "%s: no purse %d (1 or 2)", what,
		    purse);
	return 0;
}

int
km_kmapp_purse_get(struct km_kmapp *k, int purse, struct km_purse *pu,
    struct km_err *err)
{
	static const char what[] = "purse get";
	unsigned char r[10];
	struct km_apdu a;

	if (check_purse(purse, what, err) == -1)
		return -1;
	apdu(&a, 0x80, 0x5C, 0x00, purse, NULL, 0, sizeof(r));
	if (run(k, &a, r, sizeof(r), what, err) == -1)
		return -1;
	pu->balance = (int32_t)km_get_be(r, 4);
	pu->counter = km_get_be(r + 4, 2);
	pu->limit = (int32_t)km_get_be(r + 6, 4);
	return 0;
}

static int
purse_op(struct km_kmapp *k, int ins, const char *what, int purse,
    int32_t amount, struct km_purse_op *op, struct km_err *err)
{
	unsigned char v[4], r[4 + 2 + KM_MACSZ];
	struct km_apdu a;

	if (check_purse(purse, what, err) == -1)
		return -1;
	if (amount <= 0)
		return km_errf(err, KM_EUSAGE, "%s: amount %ld is not positive",
		    what, (long)amount);
	km_put_be(v, (uint32_t)amount, 4);
	apdu(&a, 0x80, ins, 0x00, purse, v, sizeof(v), 256);
	if (run(k, &a, r, sizeof(r), what, err) == -1)
		return -1;
	op->balance = (int32_t)km_get_be(r, 4);
	op->counter = km_get_be(r + 4, 2);
	memcpy(op->mac, r + 6, KM_MACSZ);
	return 0;
}

int
km_kmapp_purse_credit(struct km_kmapp *k, int purse, int32_t amount,
    struct km_purse_op *op, struct km_err *err)
{
	return purse_op(k, 0x54, "purse credit", purse, amount, op, err);
}

int
km_kmapp_purse_debit(struct km_kmapp *k, int purse, int32_t amount,
    struct km_purse_op *op, struct km_err *err)
{
	return purse_op(k, 0x56, "purse debit", purse, amount, op, err);
}

int
km_kmapp_purse_limit(struct km_kmapp *k, int purse, int32_t limit,
    struct km_err *err)
{
	static const char what[] = "purse limit";
	unsigned char v[4];

	if (check_purse(purse, what, err) == -1)
		return -1;
	km_put_be(v, (uint32_t)limit, 4);
	return write_cmd(k, 0x80, 0x58, 0x00, purse, v, sizeof(v), what, err);
}

int
km_kmapp_put_key(struct km_kmapp *k, int keyno,
    const unsigned char key[KM_AES_KEYSZ], struct km_err *err)
{
	unsigned char wrapped[KM_AES_KEYSZ];
	char what[32];
	int rc;

	snprintf(what, sizeof(what), "put key %d", keyno);
	if (keyno < 1 || keyno > 4)
		return km_errf(err, KM_EUSAGE, "%s: no such key (1 to 4)",
		    what);
	if (k->mac == NULL)
		return km_errf(err, KM_EUSAGE, "%s: no session is open", what);
	/* The key travels encrypted under the session's wrapping key. */
	if (km_aes_block(k->kw, key, wrapped, 0, err) == -1)
		return -1;
	rc = write_cmd(k, 0x80, 0xD8, 0x00, keyno, wrapped, KM_AES_KEYSZ,
	    what, err);
	km_wipe(wrapped, sizeof(wrapped));
	return rc;
}

int
km_kmapp_invalidate(struct km_kmapp *k, struct km_err *err)
{
	return write_cmd(k, 0x80, 0x04, 0x00, 0x00, NULL, 0, "invalidate",
	    err);
}

int
km_kmapp_rehabilitate(struct km_kmapp *k, struct km_err *err)
{
	return write_cmd(k, 0x80, 0x44, 0x00, 0x00, NULL, 0, "rehabilitate",
	    err);
}

int
km_kmapp_close(struct km_kmapp *k, int ratify, struct km_err *err)
{
	static const char what[] = "close secure session";
	unsigned char full[16], mt[KM_MACSZ], mc[KM_MACSZ];
	unsigned char t = 'T', c = 'C';
	struct km_apdu a;
	size_t n;
	int rc = -1;

	if (k->mac == NULL)
		return km_errf(err, KM_EUSAGE, "%s: no session is open", what);
	/* Mt and Mc: the running MAC followed by 'T', or by 'C'. */
	if (km_cmac_peek(k->mac, &t, 1, full) == -1) {
		km_errf(err, KM_ESYS, "%s: session MAC failed", what);
		goto out;
	}
	memcpy(mt, full, KM_MACSZ);
	if (km_cmac_peek(k->mac, &c, 1, full) == -1) {
		km_errf(err, KM_ESYS, "%s: session MAC failed", what);
		goto out;
	}
	apdu(&a, 0x80, 0x8E, ratify ? 0x80 : 0x00, 0x00, mt, sizeof(mt), 256);
	if (xchg(k, &a, 1, mc, sizeof(mc), &n, what, err) == -1)
		goto out;
	if (k->sw != 0x9000) {
		km_sw_err(err, k->sw, "%s", what);
		goto out;
	}
	if (n != KM_MACSZ) {
		km_errf(err, KM_EDATA, "%s: the card answers %zu bytes (%d "
		    "expected)", what, n, KM_MACSZ);
		goto out;
	}
	if (!ct_equal(mc, full, KM_MACSZ)) {
		km_errf(err, KM_EDATA, "card MAC does not verify");
		goto out;
	}
	rc = 0;
out:
	drop(k);
	km_wipe(full, sizeof(full));
	km_wipe(mt, sizeof(mt));
	return rc;
}

int
km_kmapp_abandon(struct km_kmapp *k, struct km_err *err)
{
	static const char what[] = "abandon secure session";
	struct km_apdu a;

	drop(k);
	apdu(&a, 0x80, 0x8E, 0x00, 0x00, NULL, 0, 0);
	if (xchg(k, &a, 1, NULL, 0, NULL, what, err) == -1)
		return -1;
	if (k->sw != 0x9000)
		return km_sw_err(err, k->sw, "%s", what);
	return 0;
}

int
km_kmapp_ratify(struct km_kmapp *k, struct km_err *err)
{
	return write_cmd(k, 0x80, 0x8F, 0x00, 0x00, NULL, 0, "ratify", err);
}

int
km_purse_verify(const unsigned char master4[KM_AES_KEYSZ],
    const unsigned char *uid, size_t uidlen, int purse, int op,
    unsigned counter, int32_t amount, int32_t balance,
    const unsigned char mac[KM_MACSZ], struct km_err *err)
{
	unsigned char k4[KM_AES_KEYSZ], want[KM_MACSZ];
	int rc = -1;

	if (purse != KM_PURSE_EMONEY && purse != KM_PURSE_POINTS)
		return km_errf(err, KM_EDATA, "purse certificate: no purse "
		    "%d (1 or 2)", purse);
	if (op != KM_PURSE_CREDIT && op != KM_PURSE_DEBIT)
		return km_errf(err, KM_EDATA, "purse certificate: operation "
		    "%d is neither credit nor debit", op);
	if (counter > 0xFFFF)
		return km_errf(err, KM_EDATA, "purse certificate: counter %u "
		    "out of range", counter);
	if (km_diversify(master4, uid, uidlen, 4, k4, err) == -1 ||
	    km_purse_mac(k4, uid, uidlen, purse, op, counter, amount, balance,
	    want, err) == -1)
		goto out;
	if (!ct_equal(want, mac, KM_MACSZ)) {
		km_errf(err, KM_EDATA, "purse certificate does not verify");
		goto out;
	}
	rc = 0;
out:
	km_wipe(k4, sizeof(k4));
	km_wipe(want, sizeof(want));
	return rc;
}

int
km_purse_counters_check(const unsigned *counters, size_t n, unsigned last,
    size_t *replays, size_t *gaps, struct km_err *err)
{
	unsigned char *seen;
	unsigned c, max = last, firstrep = 0, firstgap = 0, v;
	size_t i, nrep = 0, ngap = 0;

	if (replays != NULL)
		*replays = 0;
	if (gaps != NULL)
		*gaps = 0;
	if (last > 0xFFFF)
		return km_errf(err, KM_EUSAGE, "purse counter %u out of range "
		    "(0 to 65535)", last);
	for (i = 0; i < n; i++)
		if (counters[i] < 1 || counters[i] > 0xFFFF)
			return km_errf(err, KM_EDATA, "purse counter %u out of "
			    "range (1 to 65535)", counters[i]);
	if ((seen = calloc(0x10000 / 8, 1)) == NULL)
		return km_errf(err, KM_ESYS, "out of memory");
	for (i = 0; i < n; i++) {
		c = counters[i];
		if (c <= last || (seen[c / 8] & (1u << (c % 8)))) {
			if (nrep++ == 0)
				firstrep = c;
			continue;
		}
		seen[c / 8] |= (unsigned char)(1u << (c % 8));
		if (c > max)
			max = c;
	}
	for (v = last + 1; v <= max; v++)
		if (!(seen[v / 8] & (1u << (v % 8))))
			if (ngap++ == 0)
				firstgap = v;
	free(seen);
	if (replays != NULL)
		*replays = nrep;
	if (gaps != NULL)
		*gaps = ngap;
	if (nrep > 0) {
		km_errf(err, KM_EDATA, "purse counter %u seen before: a replay "
		    "(%zu replayed, %zu missing)", firstrep, nrep, ngap);
		return 1;
	}
	if (ngap > 0) {
		km_errf(err, KM_EDATA, "purse counter %u missing: a lost "
		    "operation (%zu missing)", firstgap, ngap);
		return 1;
	}
	return 0;
}
