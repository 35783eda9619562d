/*
 * t-kmapp.c -- the km application's host client (lib/kmapp.c) against a
 * fake card written here from kmcard-apdu(7) alone.  The fake keeps the
 * session transcript as a plain byte buffer and MACs it in one go with
 * km_aes_cmac() (checked against RFC 4493 first), where the client MACs
 * incrementally, so a disagreement about what the session MAC covers
 * shows as a refused CLOSE; one session is also checked against a
 * transcript spelt out byte by byte in the test.  Then: the card's Mc,
 * refused commands inside a session, sessions dropped on transport
 * errors and malformed answers, every command's bytes, the purse
 * certificate (good, every byte flipped, every field changed), counters
 * for replays and gaps, and the AN10922 vectors.  Last, the same client
 * against kmcard-sim(1)'s virtual card in process (lib/vcard-km.c), over
 * the same seam: the two sides were written apart from the page.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "km.h"
#include "tap.h"

static size_t
unhex(const char *s, unsigned char *out, size_t max)
{
	size_t n = 0;
	unsigned v;

	while (*s != '\0') {
		if (*s == ' ') {
			s++;
			continue;
		}
		if (n == max || sscanf(s, "%2x", &v) != 1)
			abort();
		out[n++] = (unsigned char)v;
		s += 2;
	}
	return n;
}

static char *
tohex(const unsigned char *p, size_t n, char *buf)
{
	size_t i;

	buf[0] = '\0';
	for (i = 0; i < n; i++)
		snprintf(buf + 2 * i, 3, "%02X", p[i]);
	return buf;
}

static void
put_be(unsigned char *p, uint32_t v, int n)
{
	int i;

	for (i = n - 1; i >= 0; i--, v >>= 8)
		p[i] = (unsigned char)(v & 0xff);
}

static uint32_t
get_be(const unsigned char *p, int n)
{
	uint32_t v = 0;
	int i;

	for (i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

/* The scheme's master keys for key numbers 1 to 4. */
static unsigned char master[5][16];

/* ---- the fake card ---- */

struct state {
	int		 app;		/* 0 blank, 1 personalised, 2 invalid */
	unsigned char	 key[5][16];
	int		 haskey[5];
	int32_t		 bal[3], lim[3];
	unsigned	 cnt[3];
	unsigned char	 env[29], ev[3][29], con[4][29];
	uint32_t	 ctr[5];
	int		 ratified;
	uint32_t	 sessions;
};

static struct card {
	unsigned char	 uid[7];
	struct state	 st, saved;	/* saved: as at OPEN */
	int		 open, level, purseops;
	unsigned char	 ks[16], ct[8], cc[8];
	unsigned char	 tr[8192];	/* the session transcript */
	size_t		 trlen;
	/* knobs */
	int		 bad_mc;	/* Mc with a bit flipped */
	int		 fail_at;	/* transport error at this command */
	size_t		 short_ins;	/* answer one byte short to this INS */
	/* what happened */
	int		 ncmd, mt_ok, mt_bad, closes;
	unsigned char	 last[300];
	size_t		 lastlen;
	unsigned char	 mt[8];
} cd;

static void
card_init(void)
{
	int n;

	memset(&cd, 0, sizeof(cd));
	unhex("04A1B2C3D4E5F6", cd.uid, 7);
	cd.st.app = 1;
	for (n = 1; n <= 4; n++) {
		km_diversify(master[n], cd.uid, 7, n, cd.st.key[n], NULL);
		cd.st.haskey[n] = 1;
	}
	cd.st.bal[1] = 3340;
	cd.st.lim[1] = 100000;
	cd.st.cnt[1] = 6;
	cd.st.lim[2] = 5000;
	cd.st.ratified = 1;
	cd.st.sessions = 5;
	cd.fail_at = -1;
}

static void
tr_add(const unsigned char *p, size_t n)
{
	if (cd.trlen + n > sizeof(cd.tr))
		abort();
	memcpy(cd.tr + cd.trlen, p, n);
	cd.trlen += n;
}

/* The first 8 bytes of AES-CMAC(Ks, transcript || c), in one go. */
static void
card_mac(unsigned char c, unsigned char out[8])
{
	unsigned char full[16];

	tr_add(&c, 1);
	km_aes_cmac(cd.ks, cd.tr, cd.trlen, full, NULL);
	cd.trlen--;
	memcpy(out, full, 8);
}

#define SW(x) do { sw = (x); goto answer; } while (0)

static int
card_transmit(void *ctx, const unsigned char *c, size_t len,
    unsigned char *rsp, size_t rspsz, size_t *rsplen, struct km_err *err)
{
	static const unsigned char aid[7] = {
		0xF0, 0x4B, 0x4D, 0x43, 0x41, 0x52, 0x44
	};
	struct state *s = &cd.st;
	unsigned char m[25], r[300], kw[16], *rec;
	const unsigned char *d = NULL;
	size_t lc = 0, n = 0, i;
	unsigned sw = 0x9000, cla, ins, p1, p2, purse, sfi;
	int32_t amount;
	uint32_t v;
	int inmac;

	if (cd.ncmd++ == cd.fail_at) {
		cd.open = 0;
		return km_errf(err, KM_ETEMP, "card removed from reader "
		    "'Fake'");
	}
	memcpy(cd.last, c, len < sizeof(cd.last) ? len : sizeof(cd.last));
	cd.lastlen = len;
	cla = c[0];
	ins = c[1];
	p1 = c[2];
	p2 = c[3];
	if (len > 5) {
		lc = c[4];
		d = c + 5;
		if (len != 5 + lc && len != 6 + lc)
			SW(0x6700);
	}
	/* Everything inside a session but CLOSE, SELECT and OPEN. */
	inmac = cd.open && !(cla == 0x80 && (ins == 0x8E || ins == 0x8A)) &&
	    !(cla == 0 && ins == 0xA4);
	if (cla == 0x00 && ins == 0xA4) {
		cd.open = 0;
		if (lc != 7 || memcmp(d, aid, 7) != 0)
			SW(0x6A82);
		n = unhex("6F19 8407F04B4D43415244 A50E 9F1007", r, sizeof(r));
		memcpy(r + n, cd.uid, 7);
		n += 7;
		r[n++] = 0x9F;
		r[n++] = 0x11;
		r[n++] = 0x01;
		r[n++] = (unsigned char)s->app;
		SW(s->app == 2 ? 0x6283 : 0x9000);
	}
	if (cla == 0x80 && ins == 0x8A) {
		if (lc != 8 || len != 14)
			SW(0x6700);
		if (p1 < 1 || p1 > 3)
			SW(0x6A86);
		if (!s->haskey[p1])
			SW(0x6A88);
		if (cd.open)
			*s = cd.saved;
		cd.open = 1;
		cd.level = (int)p1;
		cd.purseops = 0;
		cd.saved = *s;
		memcpy(cd.ct, d, 8);
		for (i = 0; i < 8; i++)
			cd.cc[i] = (unsigned char)(0x9A + i + cd.ncmd);
		memcpy(m, "KMSESSION", 9);
		memcpy(m + 9, cd.ct, 8);
		memcpy(m + 17, cd.cc, 8);
		km_aes_cmac(s->key[p1], m, sizeof(m), cd.ks, NULL);
		memcpy(r, cd.cc, 8);
		r[8] = (unsigned char)((s->ratified ? 1 : 0) |
		    (s->app == 2 ? 2 : 0));
		put_be(r + 9, s->sessions, 4);
		n = 13;
		cd.trlen = 0;
		tr_add(cd.ct, 8);
		tr_add(r, 13);
		SW(0x9000);
	}
	if (cla == 0x80 && ins == 0x8E) {
		if (!cd.open)
			SW(0x6985);
		cd.open = 0;
		if (len == 4) {			/* abandon */
			*s = cd.saved;
			SW(0x9000);
		}
		if (lc != 8)
			SW(0x6700);
		cd.closes++;
		memcpy(cd.mt, d, 8);
		card_mac('T', m);
		if (memcmp(m, d, 8) != 0) {
			cd.mt_bad++;
			*s = cd.saved;
			SW(0x6988);
		}
		cd.mt_ok++;
		s->sessions++;
		s->ratified = (p1 & 0x80) != 0;
		card_mac('C', r);
		if (cd.bad_mc)
			r[cd.bad_mc % 8] ^= 0x01;
		n = 8;
		SW(0x9000);
	}
	if (cla == 0x80 && ins == 0x8F) {
		s->ratified = 1;
		SW(0x9000);
	}
	if (cla == 0x00 && ins == 0xB2) {
		sfi = p2 >> 3;
		if ((p2 & 7) != 4)
			SW(0x6A86);
		if (sfi == 0x07 && p1 == 1)
			rec = s->env;
		else if (sfi == 0x08 && p1 >= 1 && p1 <= 3)
			rec = s->ev[p1 - 1];
		else if (sfi == 0x09 && p1 >= 1 && p1 <= 4)
			rec = s->con[p1 - 1];
		else if (sfi == 0x19 && p1 == 1) {
			for (i = 0; i < 4; i++)
				put_be(r + 3 * i, s->ctr[i + 1], 3);
			n = 12;
			SW(0x9000);
		} else
			SW(0x6A83);
		memcpy(r, rec, 29);
		n = 29;
		SW(0x9000);
	}
	if (cla == 0x00 && ins == 0xDC) {
		if (!cd.open)
			SW(0x6982);
		if (lc > 29 || len != 5 + lc)
			SW(0x6700);
		sfi = p2 >> 3;
		if (sfi == 0x07 && p1 == 1)
			rec = s->env;
		else if (sfi == 0x09 && p1 >= 1 && p1 <= 4)
			rec = s->con[p1 - 1];
		else
			SW(0x6A83);
		memset(rec, 0, 29);
		memcpy(rec, d, lc);
		SW(0x9000);
	}
	if (cla == 0x00 && ins == 0xE2) {
		if (!cd.open)
			SW(0x6982);
		if (p2 != 0x08 << 3)
			SW(0x6A83);
		memmove(s->ev[1], s->ev[0], 2 * 29);
		memset(s->ev[0], 0, 29);
		memcpy(s->ev[0], d, lc > 29 ? 29 : lc);
		SW(0x9000);
	}
	if (cla == 0x00 && (ins == 0x32 || ins == 0x30)) {
		if (!cd.open)
			SW(0x6982);
		if (len != 8 || p2 != 0xC8 || p1 < 1 || p1 > 4)
			SW(0x6700);
		v = get_be(d, 3);
		if (ins == 0x32 ? s->ctr[p1] + v > 0xFFFFFF : s->ctr[p1] < v)
			SW(0x6A80);
		s->ctr[p1] = ins == 0x32 ? s->ctr[p1] + v : s->ctr[p1] - v;
		put_be(r, s->ctr[p1], 3);
		n = 3;
		SW(0x9000);
	}
	if (cla == 0x80 && ins == 0x5C) {
		purse = p2;
		if (len != 5 || c[4] != 0x0A || purse < 1 || purse > 2)
			SW(0x6700);
		put_be(r, (uint32_t)s->bal[purse], 4);
		put_be(r + 4, s->cnt[purse], 2);
		put_be(r + 6, (uint32_t)s->lim[purse], 4);
		n = 10;
		SW(0x9000);
	}
	if (cla == 0x80 && (ins == 0x54 || ins == 0x56)) {
		purse = p2;
		if (!cd.open || (ins == 0x54 && cd.level == 3) ||
		    (ins == 0x56 && cd.level != 3))
			SW(0x6982);
		if (lc != 4 || len != 10)
			SW(0x6700);
		if (cd.purseops > 0)
			SW(0x6985);
		amount = (int32_t)get_be(d, 4);
		if (amount < 1 || amount > 1000000)
			SW(0x6A80);
		if (s->cnt[purse] == 65535)
			SW(0x9403);
		if (ins == 0x56 && s->bal[purse] < amount)
			SW(0x9401);
		if (ins == 0x54 && s->bal[purse] + amount > s->lim[purse])
			SW(0x9402);
		s->bal[purse] += ins == 0x54 ? amount : -amount;
		s->cnt[purse]++;
		cd.purseops++;
		put_be(r, (uint32_t)s->bal[purse], 4);
		put_be(r + 4, s->cnt[purse], 2);
		km_purse_mac(s->key[4], cd.uid, 7, (int)purse,
		    ins == 0x54 ? 'C' : 'D', s->cnt[purse], amount,
		    s->bal[purse], r + 6, NULL);
		n = 14;
		SW(0x9000);
	}
	if (cla == 0x80 && ins == 0x58) {
		if (!cd.open || cd.level != 1)
			SW(0x6982);
		s->lim[p2] = (int32_t)get_be(d, 4);
		SW(0x9000);
	}
	if (cla == 0x80 && ins == 0xD8) {
		if (!cd.open || cd.level != 1)
			SW(0x6982);
		if (lc != 16 || p2 < 1 || p2 > 4)
			SW(0x6700);
		/* Unwrapped with Kw = AES-CMAC(Ks, "KMKEYWRAP"). */
		km_aes_cmac(cd.ks, "KMKEYWRAP", 9, kw, NULL);
		km_aes_block(kw, d, s->key[p2], 1, NULL);
		s->haskey[p2] = 1;
		SW(0x9000);
	}
	if (cla == 0x80 && ins == 0x04) {
		if (!cd.open)
			SW(0x6982);
		s->app = 2;
		SW(0x9000);
	}
	if (cla == 0x80 && ins == 0x44) {
		if (!cd.open || cd.level == 3)
			SW(0x6982);
		s->app = 1;
		SW(0x9000);
	}
	sw = 0x6D00;
answer:
	if (sw != 0x9000 && sw != 0x6283)
		n = 0;
	if (cd.short_ins == ins && n > 0)
		n--;
	if (n + 2 > rspsz)
		abort();
	memcpy(rsp, r, n);
	rsp[n] = (unsigned char)(sw >> 8);
	rsp[n + 1] = (unsigned char)sw;
	*rsplen = n + 2;
	if (inmac) {
		tr_add(c, len);
		tr_add(rsp, n + 2);
	}
	return 0;
}

static struct km_card_io io = { card_transmit, NULL, "Fake" };

/* ---- the tests ---- */

static void
test_vectors(void)
{
	unsigned char k[16], m[64], out[16], want[16];
	char hex[80];
	size_t n;

	/* RFC 4493, section 4: AES-128 key 2b7e1516 28aed2a6 ... */
	unhex("2b7e151628aed2a6abf7158809cf4f3c", k, 16);
	unhex("6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51"
	    "30c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710",
	    m, 64);
	ok(km_aes_cmac(k, m, 0, out, NULL) == 0 &&
	    strcmp(tohex(out, 16, hex), "BB1D6929E95937287FA37D129B756746")
	    == 0, "RFC 4493: empty message");
	ok(km_aes_cmac(k, m, 16, out, NULL) == 0 &&
	    strcmp(tohex(out, 16, hex), "070A16B46B4D4144F79BDD9DD04A287C")
	    == 0, "RFC 4493: 16 bytes");
	ok(km_aes_cmac(k, m, 40, out, NULL) == 0 &&
	    strcmp(tohex(out, 16, hex), "DFA66747DE9AE63030CA32611497C827")
	    == 0, "RFC 4493: 40 bytes");
	ok(km_aes_cmac(k, m, 64, out, NULL) == 0 &&
	    strcmp(tohex(out, 16, hex), "51F0BEBF7E3B9D92FC49741779363CFE")
	    == 0, "RFC 4493: 64 bytes");

	/* AN10922, AES-128, section 2.2.1. */
	unhex("00112233445566778899AABBCCDDEEFF", k, 16);
	n = unhex("01 04782E21801D80 3042F5 4E585020416275", m, sizeof(m));
	unhex("A8DD63A3B89D54B37CA802473FDA9175", want, 16);
	ok(km_an10922(k, m, n, out, NULL) == 0 && memcmp(out, want, 16) == 0,
	    "AN10922: the note's AES-128 example");
	unhex("F3F9377698707B688EAF84ABE39E3791", k, 16);
	n = unhex("01 04DEADBEEFFEED", m, sizeof(m));
	unhex("0BB408BAFF98B6EE9F2E1585777F6A51", want, 16);
	ok(km_an10922(k, m, n, out, NULL) == 0 && memcmp(out, want, 16) == 0,
	    "AN10922: a short input (one padded block)");
}

static struct km_kmapp *
selected(void)
{
	struct km_kmapp *k;
	struct km_kmapp_fci fci;
	struct km_err e;

	if (km_kmapp_new(&k, &io, &e) == -1 ||
	    km_kmapp_select(k, &fci, &e) == -1) {
		printf("# %s\n", e.msg);
		abort();
	}
	return k;
}

/* One debit session spelt out: the transcript the page describes, built
 * here byte by byte, gives the Mt the client sent and the Mc it took. */
static void
test_transcript(void)
{
	static const unsigned char event[29] = { 0x01, 0x02, 0x03 };
	unsigned char t[512], ks[16], m[25], full[16], k3[16];
	struct km_kmapp *k;
	struct km_kmapp_open info;
	struct km_purse_op op;
	struct km_err e;
	size_t n = 0;
	int rc;

	card_init();
	k = selected();
	rc = km_kmapp_open_master(k, 3, master[3], &info, &e);
	ok(rc == 0 && km_kmapp_in_session(k) && info.ratified &&
	    !info.invalidated && info.sessions == 5,
	    "open: level 3 with the master key; ratified, 5 sessions");
	ok(cd.lastlen == 14 && memcmp(cd.last, "\x80\x8A\x03\x00\x08", 5) == 0
	    && cd.last[13] == 0x00, "open: 80 8A 03 00 08 Ct 00");
	rc = km_kmapp_purse_debit(k, 1, 340, &op, &e);
	ok(rc == 0 && op.balance == 3000 && op.counter == 7,
	    "debit: 3.40 leaves 30.00, counter 7");
	ok(cd.lastlen == 10 && memcmp(cd.last, "\x80\x56\x00\x01\x04\x00\x00"
	    "\x01\x54\x00", 10) == 0, "debit: 80 56 00 01 04 amount 00");
	rc = km_kmapp_append(k, KM_SFI_EVENTS, event, sizeof(event), &e);
	ok(rc == 0 && cd.lastlen == 34 && memcmp(cd.last, "\x00\xE2\x00\x40"
	    "\x1D\x01\x02\x03", 8) == 0, "append: 00 E2 00 40 1D event");
	rc = km_kmapp_close(k, 0, &e);
	ok(rc == 0 && cd.mt_ok == 1 && !km_kmapp_in_session(k),
	    "close: the card took Mt and the client took Mc");
	if (rc == -1)
		printf("# %s\n", e.msg);
	ok(cd.lastlen == 14 && memcmp(cd.last, "\x80\x8E\x00\x00\x08", 5) == 0
	    && cd.last[13] == 0, "close: 80 8E 00 00 08 Mt 00");

	/* The same by hand: Ct, the 13 bytes of OPEN, each command as sent
	 * and each whole response. */
	memcpy(t + n, cd.ct, 8);
	n += 8;
	memcpy(t + n, cd.cc, 8);
	n += 8;
	memcpy(t + n, "\x01\x00\x00\x00\x05", 5);
	n += 5;
	memcpy(t + n, "\x80\x56\x00\x01\x04\x00\x00\x01\x54\x00", 10);
	n += 10;
	memcpy(t + n, "\x00\x00\x0B\xB8\x00\x07", 6);
	n += 6;
	km_diversify(master[4], cd.uid, 7, 4, k3, NULL);
	km_purse_mac(k3, cd.uid, 7, 1, 'D', 7, 340, 3000, t + n, NULL);
	n += 8;
	memcpy(t + n, "\x90\x00", 2);
	n += 2;
	memcpy(t + n, "\x00\xE2\x00\x40\x1D", 5);
	n += 5;
	memcpy(t + n, event, 29);
	n += 29;
	memcpy(t + n, "\x90\x00", 2);
	n += 2;
	km_diversify(master[3], cd.uid, 7, 3, k3, NULL);
	memcpy(m, "KMSESSION", 9);
	memcpy(m + 9, cd.ct, 8);
	memcpy(m + 17, cd.cc, 8);
	km_aes_cmac(k3, m, sizeof(m), ks, NULL);
	t[n] = 'T';
	km_aes_cmac(ks, t, n + 1, full, NULL);
	ok(memcmp(full, cd.mt, 8) == 0, "transcript: Mt is the CMAC of the "
	    "spelt-out transcript and 'T'");
	ok(cd.st.sessions == 6 && !cd.st.ratified && cd.st.bal[1] == 3000,
	    "close: committed, not ratified");
	ok(km_kmapp_ratify(k, &e) == 0 && cd.st.ratified &&
	    cd.lastlen == 4 && memcmp(cd.last, "\x80\x8F\x00\x00", 4) == 0,
	    "ratify: 80 8F 00 00");
	ok(km_purse_verify(master[4], cd.uid, 7, 1, KM_PURSE_DEBIT, op.counter,
	    340, op.balance, op.mac, &e) == 0,
	    "debit: the certificate verifies in the back office");
	km_kmapp_free(k);
}

static void
test_session(void)
{
	static const unsigned char env[5] = { 0x01, 0x90, 0x01, 0x00, 0x10 };
	unsigned char buf[64], key[16], kw[16], wrapped[16];
	struct km_kmapp *k;
	struct km_kmapp_open info;
	struct km_purse_op op;
	struct km_purse pu;
	struct km_err e;
	uint32_t v;
	size_t n;

	/* Level 1 with the card's own key; every write command. */
	card_init();
	k = selected();
	km_diversify(master[1], cd.uid, 7, 1, key, NULL);
	ok(km_kmapp_open(k, 1, key, &info, &e) == 0, "open: level 1 with the "
	    "diversified key");
	ok(km_kmapp_update(k, KM_SFI_ENVIRONMENT, 1, env, sizeof(env), &e) ==
	    0 && cd.lastlen == 10 && memcmp(cd.last, "\x00\xDC\x01\x3C\x05",
	    5) == 0, "update: 00 DC 01 3C 05 data");
	ok(km_kmapp_read(k, KM_SFI_ENVIRONMENT, 1, buf, sizeof(buf), &n, &e)
	    == 0 && n == 29 && buf[1] == 0x90 && buf[5] == 0 &&
	    cd.lastlen == 5 && memcmp(cd.last, "\x00\xB2\x01\x3C\x00", 5) == 0,
	    "read: 00 B2 01 3C 00, inside the session");
	ok(km_kmapp_increase(k, 2, 0x010203, &v, &e) == 0 && v == 0x010203 &&
	    cd.lastlen == 8 && memcmp(cd.last, "\x00\x32\x02\xC8\x03\x01\x02"
	    "\x03", 8) == 0, "increase: 00 32 02 C8 03 value, no Le");
	ok(km_kmapp_decrease(k, 2, 3, &v, &e) == 0 && v == 0x010200 &&
	    memcmp(cd.last, "\x00\x30\x02\xC8\x03\x00\x00\x03", 8) == 0,
	    "decrease: 00 30 02 C8 03 value");
	ok(km_kmapp_decrease(k, 2, 0x020000, &v, &e) == -1 &&
	    e.eclass == KM_EDATA && km_kmapp_sw(k) == 0x6A80 &&
	    km_kmapp_in_session(k), "decrease: below 0 is 6A80; the session "
	    "goes on");
	ok(km_kmapp_purse_limit(k, 1, 200000, &e) == 0 && cd.lastlen == 9 &&
	    memcmp(cd.last, "\x80\x58\x00\x01\x04\x00\x03\x0D\x40", 9) == 0,
	    "purse limit: 80 58 00 01 04 limit");
	ok(km_kmapp_purse_credit(k, 1, 5000, &op, &e) == 0 &&
	    op.balance == 8340 && op.counter == 7 && cd.lastlen == 10 &&
	    memcmp(cd.last, "\x80\x54\x00\x01\x04\x00\x00\x13\x88\x00", 10) ==
	    0, "credit: 80 54 00 01 04 amount 00");
	ok(km_purse_verify(master[4], cd.uid, 7, 1, KM_PURSE_CREDIT, 7, 5000,
	    8340, op.mac, &e) == 0, "credit: the certificate verifies");
	ok(km_kmapp_purse_credit(k, 1, 5000, &op, &e) == -1 &&
	    e.eclass == KM_ENOTFOUND && km_kmapp_sw(k) == 0x6985,
	    "credit: a second purse operation is refused (6985)");
	km_aes_cmac(cd.ks, "KMKEYWRAP", 9, kw, NULL);
	km_aes_block(kw, key, wrapped, 0, NULL);
	ok(km_kmapp_put_key(k, 2, key, &e) == 0 && cd.lastlen == 21 &&
	    memcmp(cd.last, "\x80\xD8\x00\x02\x10", 5) == 0 &&
	    memcmp(cd.last + 5, wrapped, 16) == 0 &&
	    memcmp(cd.last + 5, key, 16) != 0,
	    "put key: 80 D8 00 02 10, the key wrapped under Kw");
	ok(km_kmapp_invalidate(k, &e) == 0 && cd.lastlen == 4 &&
	    memcmp(cd.last, "\x80\x04\x00\x00", 4) == 0,
	    "invalidate: 80 04 00 00");
	ok(km_kmapp_rehabilitate(k, &e) == 0 && cd.lastlen == 4 &&
	    memcmp(cd.last, "\x80\x44\x00\x00", 4) == 0,
	    "rehabilitate: 80 44 00 00");
	ok(km_kmapp_purse_get(k, 1, &pu, &e) == 0 && pu.balance == 8340 &&
	    pu.counter == 7 && pu.limit == 200000 && cd.lastlen == 5 &&
	    memcmp(cd.last, "\x80\x5C\x00\x01\x0A", 5) == 0,
	    "purse get: 80 5C 00 01 0A, inside the session");
	ok(km_kmapp_read(k, 9, 9, buf, sizeof(buf), &n, &e) == -1 &&
	    e.eclass == KM_ENOTFOUND && n == 0 && km_kmapp_sw(k) == 0x6A83,
	    "read: a record that is not there is 6A83");
	ok(km_kmapp_close(k, 1, &e) == 0 && cd.mt_ok == 1 &&
	    cd.last[2] == 0x80 && cd.st.ratified && cd.st.lim[1] == 200000 &&
	    cd.st.ctr[2] == 0x010200, "close: refused commands are in the "
	    "MAC; P1 80 ratifies at once");
	if (cd.mt_ok != 1)
		printf("# %s\n", e.msg);

	/* Outside a session. */
	ok(km_kmapp_purse_get(k, 1, &pu, &e) == 0 && pu.balance == 8340,
	    "purse get: outside a session");
	ok(km_kmapp_update(k, KM_SFI_CONTRACTS, 1, env, 1, &e) == -1 &&
	    e.eclass == KM_ENOTFOUND && km_kmapp_sw(k) == 0x6982 &&
	    strcmp(e.msg, "update record 1 of file 09: card answers 6982: "
	    "security status not satisfied") == 0,
	    "update: outside a session is 6982");
	ok(km_kmapp_close(k, 0, &e) == -1 && e.eclass == KM_EUSAGE,
	    "close: without a session is a usage error");
	km_kmapp_free(k);

	/* A debit the purse cannot pay, then a good close. */
	card_init();
	k = selected();
	km_kmapp_open_master(k, 3, master[3], NULL, &e);
	ok(km_kmapp_purse_debit(k, 1, 5000, &op, &e) == -1 &&
	    e.eclass == KM_ENOTFOUND && km_kmapp_sw(k) == 0x9401 &&
	    strcmp(e.msg, "purse debit: card answers 9401: purse balance too "
	    "low") == 0, "debit: 9401 balance too low");
	ok(km_kmapp_purse_debit(k, 1, 3340, &op, &e) == 0 && op.balance == 0,
	    "debit: the whole balance");
	ok(km_kmapp_close(k, 0, &e) == 0 && cd.st.bal[1] == 0,
	    "close: after a refused debit");
	km_kmapp_free(k);

	/* Abandon: nothing written, CLOSE without data. */
	card_init();
	k = selected();
	km_kmapp_open_master(k, 3, master[3], NULL, &e);
	km_kmapp_purse_debit(k, 1, 100, &op, &e);
	ok(km_kmapp_abandon(k, &e) == 0 && cd.lastlen == 4 &&
	    memcmp(cd.last, "\x80\x8E\x00\x00", 4) == 0 &&
	    cd.st.bal[1] == 3340 && !km_kmapp_in_session(k),
	    "abandon: 80 8E 00 00, nothing written");
	km_kmapp_free(k);

	/* Select ends a session. */
	card_init();
	k = selected();
	km_kmapp_open_master(k, 3, master[3], NULL, &e);
	ok(km_kmapp_select(k, NULL, &e) == 0 && !km_kmapp_in_session(k),
	    "select: ends the session");
	km_kmapp_free(k);
}

static void
test_failures(void)
{
	unsigned char wrong[16];
	struct km_kmapp *k;
	struct km_kmapp_open info;
	struct km_purse_op op;
	struct km_err e;

	/* The card's Mc does not verify. */
	card_init();
	cd.bad_mc = 3;
	k = selected();
	km_kmapp_open_master(k, 3, master[3], NULL, &e);
	km_kmapp_purse_debit(k, 1, 100, &op, &e);
	ok(km_kmapp_close(k, 0, &e) == -1 && e.eclass == KM_EDATA &&
	    strcmp(e.msg, "card MAC does not verify") == 0 &&
	    !km_kmapp_in_session(k), "close: a wrong Mc is KM_EDATA");
	km_kmapp_free(k);

	/* The terminal's key is wrong: the card refuses Mt. */
	card_init();
	k = selected();
	memset(wrong, 0x42, sizeof(wrong));
	ok(km_kmapp_open(k, 3, wrong, &info, &e) == 0,
	    "open: a wrong key is not seen at OPEN");
	km_kmapp_purse_debit(k, 1, 100, &op, &e);
	ok(km_kmapp_close(k, 0, &e) == -1 && e.eclass == KM_EDATA &&
	    km_kmapp_sw(k) == 0x6988 && cd.mt_bad == 1 &&
	    cd.st.bal[1] == 3340 && !km_kmapp_in_session(k),
	    "close: the card refuses Mt (6988), nothing written");
	km_kmapp_free(k);

	/* Keys and levels. */
	card_init();
	cd.st.haskey[2] = 0;
	k = selected();
	ok(km_kmapp_open_master(k, 2, master[2], NULL, &e) == -1 &&
	    e.eclass == KM_EDATA && km_kmapp_sw(k) == 0x6A88 &&
	    !km_kmapp_in_session(k), "open: a key not present is 6A88");
	ok(km_kmapp_open(k, 4, master[4], NULL, &e) == -1 &&
	    e.eclass == KM_EUSAGE, "open: level 4 is a usage error");
	km_kmapp_free(k);
	ok(km_kmapp_new(&k, &io, &e) == 0 &&
	    km_kmapp_open_master(k, 3, master[3], NULL, &e) == -1 &&
	    e.eclass == KM_EUSAGE, "open: with the master key before "
	    "select is a usage error");
	km_kmapp_free(k);

	/* The card is taken out mid-session. */
	card_init();
	k = selected();
	km_kmapp_open_master(k, 3, master[3], NULL, &e);
	cd.fail_at = cd.ncmd;
	ok(km_kmapp_purse_debit(k, 1, 100, &op, &e) == -1 &&
	    e.eclass == KM_ETEMP && strcmp(e.msg, "purse debit: card removed "
	    "from reader 'Fake'") == 0 && !km_kmapp_in_session(k),
	    "transport: card removed mid-session is KM_ETEMP, session dropped");
	km_kmapp_free(k);

	/* Malformed answers: each a byte short. */
	card_init();
	cd.short_ins = 0x8A;
	k = selected();
	ok(km_kmapp_open_master(k, 3, master[3], NULL, &e) == -1 &&
	    e.eclass == KM_EDATA && !km_kmapp_in_session(k),
	    "hostile: OPEN answering 12 bytes");
	km_kmapp_free(k);
	card_init();
	cd.short_ins = 0x56;
	k = selected();
	km_kmapp_open_master(k, 3, master[3], NULL, &e);
	ok(km_kmapp_purse_debit(k, 1, 100, &op, &e) == -1 &&
	    e.eclass == KM_EDATA && !km_kmapp_in_session(k),
	    "hostile: a debit answering 13 bytes drops the session");
	km_kmapp_free(k);
	card_init();
	cd.short_ins = 0x8E;
	k = selected();
	km_kmapp_open_master(k, 3, master[3], NULL, &e);
	ok(km_kmapp_close(k, 0, &e) == -1 && e.eclass == KM_EDATA,
	    "hostile: CLOSE answering a 7-byte Mc");
	km_kmapp_free(k);
	card_init();
	cd.short_ins = 0x32;
	k = selected();
	km_kmapp_open_master(k, 1, master[1], NULL, &e);
	ok(km_kmapp_increase(k, 1, 1, NULL, &e) == -1 && e.eclass == KM_EDATA,
	    "hostile: INCREASE answering 2 bytes");
	km_kmapp_free(k);

	/* Arguments. */
	card_init();
	k = selected();
	ok(km_kmapp_read(k, 31, 1, wrong, sizeof(wrong), &(size_t){ 0 }, &e)
	    == -1 && e.eclass == KM_EUSAGE, "args: SFI 31");
	ok(km_kmapp_increase(k, 5, 1, NULL, &e) == -1 && e.eclass == KM_EUSAGE,
	    "args: counter 5");
	ok(km_kmapp_increase(k, 1, 0x1000000, NULL, &e) == -1 &&
	    e.eclass == KM_EUSAGE, "args: a value above FFFFFF");
	ok(km_kmapp_purse_debit(k, 3, 1, &op, &e) == -1 &&
	    e.eclass == KM_EUSAGE, "args: purse 3");
	ok(km_kmapp_purse_debit(k, 1, 0, &op, &e) == -1 &&
	    e.eclass == KM_EUSAGE, "args: amount 0");
	ok(km_kmapp_put_key(k, 5, wrong, &e) == -1 && e.eclass == KM_EUSAGE,
	    "args: key 5");
	ok(km_kmapp_read(k, 7, 1, wrong, 10, &(size_t){ 0 }, &e) == -1 &&
	    e.eclass == KM_EDATA, "args: a record longer than the buffer");
	km_kmapp_free(k);

	/* The application invalidated: SELECT answers 6283, OPEN says so. */
	card_init();
	cd.st.app = 2;
	k = selected();
	ok(km_kmapp_open_master(k, 2, master[2], &info, &e) == 0 &&
	    info.invalidated, "open: tells an invalidated application");
	km_kmapp_free(k);
}

static void
test_verify(void)
{
	unsigned char uid[7], mac[8], bad[8], k4[16], uid2[7];
	struct km_err e;
	int i, fails = 0;

	unhex("04A1B2C3D4E5F6", uid, 7);
	km_diversify(master[4], uid, 7, 4, k4, NULL);
	km_purse_mac(k4, uid, 7, 1, 'D', 7, 340, 3000, mac, NULL);
	ok(km_purse_verify(master[4], uid, 7, 1, KM_PURSE_DEBIT, 7, 340, 3000,
	    mac, &e) == 0, "verify: a good certificate");
	for (i = 0; i < 8; i++) {
		memcpy(bad, mac, 8);
		bad[i] ^= 0xFF;
		if (km_purse_verify(master[4], uid, 7, 1, KM_PURSE_DEBIT, 7,
		    340, 3000, bad, &e) != -1 || e.eclass != KM_EDATA)
			fails++;
		memcpy(bad, mac, 8);
		bad[i] ^= 0x01;
		if (km_purse_verify(master[4], uid, 7, 1, KM_PURSE_DEBIT, 7,
		    340, 3000, bad, &e) != -1)
			fails++;
	}
	ok(fails == 0, "verify: every byte flipped, and its low bit, fails");
	is_str(e.msg, "purse certificate does not verify", "verify: message");
	ok(km_purse_verify(master[4], uid, 7, 2, KM_PURSE_DEBIT, 7, 340, 3000,
	    mac, &e) == -1, "verify: another purse fails");
	ok(km_purse_verify(master[4], uid, 7, 1, KM_PURSE_CREDIT, 7, 340,
	    3000, mac, &e) == -1, "verify: a credit for a debit fails");
	ok(km_purse_verify(master[4], uid, 7, 1, KM_PURSE_DEBIT, 8, 340, 3000,
	    mac, &e) == -1, "verify: another counter fails");
	ok(km_purse_verify(master[4], uid, 7, 1, KM_PURSE_DEBIT, 7, 341, 3000,
	    mac, &e) == -1, "verify: another amount fails");
	ok(km_purse_verify(master[4], uid, 7, 1, KM_PURSE_DEBIT, 7, 340, 2999,
	    mac, &e) == -1, "verify: another balance fails");
	memcpy(uid2, uid, 7);
	uid2[6] ^= 1;
	ok(km_purse_verify(master[4], uid2, 7, 1, KM_PURSE_DEBIT, 7, 340, 3000,
	    mac, &e) == -1, "verify: another card fails");
	ok(km_purse_verify(master[3], uid, 7, 1, KM_PURSE_DEBIT, 7, 340, 3000,
	    mac, &e) == -1, "verify: another master key fails");
	ok(km_purse_verify(master[4], uid, 7, 1, 'X', 7, 340, 3000, mac, &e) ==
	    -1 && e.eclass == KM_EDATA, "verify: an unknown operation");
	ok(km_purse_verify(master[4], uid, 5, 1, KM_PURSE_DEBIT, 7, 340, 3000,
	    mac, &e) == -1 && e.eclass == KM_EDATA, "verify: a 5-byte UID");
	ok(km_purse_verify(master[4], uid, 7, 1, KM_PURSE_DEBIT, 65536, 340,
	    3000, mac, &e) == -1 && e.eclass == KM_EDATA,
	    "verify: a counter above 65535");
	/* Negative balances and amounts are big-endian two's complement. */
	km_purse_mac(k4, uid, 7, 2, 'C', 65535, 1000000, -5, mac, NULL);
	ok(km_purse_verify(master[4], uid, 7, 2, KM_PURSE_CREDIT, 65535,
	    1000000, -5, mac, &e) == 0, "verify: counter 65535, a negative "
	    "balance");
}

static void
test_counters(void)
{
	unsigned a[] = { 1, 2, 3 }, b[] = { 1, 2, 2, 3 }, c[] = { 1, 3, 6 };
	unsigned d[] = { 3, 1, 2 }, f[] = { 5, 6 }, g[] = { 0 };
	unsigned h[] = { 65536 }, big[] = { 65535 };
	struct km_err e;
	size_t rep, gap;

	ok(km_purse_counters_check(a, 3, 0, &rep, &gap, &e) == 0 && rep == 0 &&
	    gap == 0, "counters: 1 2 3 from nothing");
	ok(km_purse_counters_check(d, 3, 0, &rep, &gap, &e) == 0,
	    "counters: any order");
	ok(km_purse_counters_check(b, 4, 0, &rep, &gap, &e) == 1 && rep == 1 &&
	    gap == 0 && e.eclass == KM_EDATA && strcmp(e.msg, "purse counter 2 "
	    "seen before: a replay (1 replayed, 0 missing)") == 0,
	    "counters: a counter twice is a replay");
	ok(km_purse_counters_check(c, 3, 0, &rep, &gap, &e) == 1 && rep == 0 &&
	    gap == 3 && strcmp(e.msg, "purse counter 2 missing: a lost "
	    "operation (3 missing)") == 0, "counters: gaps counted");
	ok(km_purse_counters_check(f, 2, 4, &rep, &gap, &e) == 0,
	    "counters: following on from the last one accounted for");
	ok(km_purse_counters_check(f, 2, 5, &rep, &gap, &e) == 1 && rep == 1,
	    "counters: the last one accounted for again is a replay");
	ok(km_purse_counters_check(f, 2, 3, &rep, &gap, &e) == 1 && rep == 0 &&
	    gap == 1, "counters: a gap after the last one accounted for");
	ok(km_purse_counters_check(big, 1, 0, &rep, &gap, &e) == 1 &&
	    gap == 65534, "counters: up to 65535");
	ok(km_purse_counters_check(g, 1, 0, &rep, &gap, &e) == -1 &&
	    e.eclass == KM_EDATA, "counters: 0 is out of range");
	ok(km_purse_counters_check(h, 1, 0, &rep, &gap, &e) == -1,
	    "counters: 65536 is out of range");
	ok(km_purse_counters_check(NULL, 0, 7, NULL, NULL, &e) == 0,
	    "counters: none at all");
}

/* The client against the virtual card of kmcard-sim(1), in process. */
static int
vcard_transmit(void *ctx, const unsigned char *cmd, size_t cmdlen,
    unsigned char *rsp, size_t rspsz, size_t *rsplen, struct km_err *err)
{
	unsigned char r[KM_VCARD_RESPMAX];
	size_t n = 0;

	if (km_vcard_apdu(ctx, cmd, cmdlen, r, &n, err) == -1)
		return -1;
	if (n > rspsz)
		return km_errf(err, KM_EDATA, "response of %zu bytes", n);
	memcpy(rsp, r, n);
	*rsplen = n;
	return 0;
}

static void
test_vcard(void)
{
	static const unsigned char env[4] = { 0x01, 0x90, 0x01, 0x00 };
	unsigned char uid[7], zero[16] = { 0 }, key[16];
	unsigned counters[2];
	struct km_vcard *vc;
	struct km_card_io vio = { vcard_transmit, NULL, "In process" };
	struct km_kmapp *k;
	struct km_kmapp_fci fci;
	struct km_kmapp_open info;
	struct km_purse_op op;
	struct km_purse pu;
	struct km_err e;
	int n, good = 1;

	unhex("04112233445566", uid, 7);
	if (km_vcard_new(&vc, uid, 7, &e) == -1 ||
	    (vio.ctx = vc, km_kmapp_new(&k, &vio, &e)) == -1) {
		ok(0, "vcard: %s", e.msg);
		return;
	}
	ok(km_kmapp_select(k, &fci, &e) == 0 && fci.state == KM_KMAPP_BLANK &&
	    fci.uidlen == 7 && memcmp(fci.uid, uid, 7) == 0,
	    "vcard: a blank card selects, with its UID");
	/* Personalisation: the transport key, then the card's own keys. */
	ok(km_kmapp_open(k, 1, zero, &info, &e) == 0, "vcard: open level 1 "
	    "with the transport key");
	for (n = 4; n >= 1; n--)
		if (km_diversify(master[n], uid, 7, n, key, &e) == -1 ||
		    km_kmapp_put_key(k, n, key, &e) == -1)
			good = 0;
	ok(good, "vcard: put keys 4 to 1");
	ok(km_kmapp_purse_limit(k, 1, 100000, &e) == 0 &&
	    km_kmapp_update(k, KM_SFI_ENVIRONMENT, 1, env, sizeof(env), &e) ==
	    0 && km_kmapp_purse_credit(k, 1, 5000, &op, &e) == 0 &&
	    op.balance == 5000 && op.counter == 1, "vcard: limit, environment, "
	    "credit");
	counters[0] = op.counter;
	ok(km_purse_verify(master[4], uid, 7, 1, KM_PURSE_CREDIT, op.counter,
	    5000, op.balance, op.mac, &e) == 0, "vcard: the credit's "
	    "certificate verifies");
	ok(km_kmapp_close(k, 1, &e) == 0, "vcard: close, ratified: Mc "
	    "verifies");
	ok(km_kmapp_select(k, &fci, &e) == 0 &&
	    fci.state == KM_KMAPP_PERSONALISED, "vcard: now personalised");

	/* A tap: debit and an event, closed without ratifying. */
	ok(km_kmapp_open_master(k, 3, master[3], &info, &e) == 0 &&
	    info.ratified && info.sessions == 1, "vcard: open level 3 with "
	    "the master key");
	ok(km_kmapp_purse_debit(k, 1, 340, &op, &e) == 0 &&
	    op.balance == 4660 && op.counter == 2 &&
	    km_kmapp_append(k, KM_SFI_EVENTS, env, sizeof(env), &e) == 0 &&
	    km_kmapp_close(k, 0, &e) == 0, "vcard: debit, event, close");
	counters[1] = op.counter;
	ok(km_purse_verify(master[4], uid, 7, 1, KM_PURSE_DEBIT, op.counter,
	    340, op.balance, op.mac, &e) == 0, "vcard: the debit's "
	    "certificate verifies");
	ok(km_kmapp_open_master(k, 3, master[3], &info, &e) == 0 &&
	    !info.ratified && info.sessions == 2, "vcard: the next OPEN "
	    "tells the tap was not ratified");
	ok(km_kmapp_abandon(k, &e) == 0 && km_kmapp_ratify(k, &e) == 0 &&
	    km_kmapp_purse_get(k, 1, &pu, &e) == 0 && pu.balance == 4660 &&
	    pu.counter == 2 && pu.limit == 100000, "vcard: abandon, ratify, "
	    "purse get");
	ok(km_kmapp_open(k, 3, zero, &info, &e) == 0 &&
	    km_kmapp_purse_debit(k, 1, 1, &op, &e) == 0 &&
	    km_kmapp_close(k, 0, &e) == -1 && km_kmapp_sw(k) == 0x6988 &&
	    km_kmapp_purse_get(k, 1, &pu, &e) == 0 && pu.balance == 4660,
	    "vcard: a wrong key is refused at CLOSE, nothing written");
	ok(km_purse_counters_check(counters, 2, 0, NULL, NULL, &e) == 0,
	    "vcard: the counters have no replay and no gap");
	km_kmapp_free(k);
	km_vcard_free(vc);
}

int
main(void)
{
	int n, i;

	for (n = 1; n <= 4; n++)
		for (i = 0; i < 16; i++)
			master[n][i] = (unsigned char)(n * 16 + i);
	test_vectors();
	test_transcript();
	test_session();
	test_failures();
	test_verify();
	test_counters();
	test_vcard();
	return done();
}
