/*
 * t-vcard.c -- the virtual card driven in-process through km_vcard_apdu(),
 * with a second, independent host side written here from kmcard-apdu(7)
 * alone: keys diversified from test master keys, the session key and the
 * running CMAC, the purse certificates.  Covers selection, the blank card,
 * personalisation, sessions at each level, the purses and counters, the
 * access rules, the write buffer, ratification, invalidation, the
 * atomicity of sessions (the card taken out at every step in turn), the
 * card file and its damage, the lock, and a long run of malformed APDUs.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "km.h"
#include "tap.h"

static char dir[] = "/tmp/t-vcard.XXXXXX";
static char path[512];

static const unsigned char uid[] = { 0x04, 0xA1, 0xB2, 0xC3, 0xD4, 0xE5,
	0xF6 };
static const unsigned char uid10[] = { 0x88, 1, 2, 3, 4, 5, 6, 7, 8, 9 };
static unsigned char master[5][16];	/* [1] to [4] */
static unsigned char key[5][16];	/* diversified for uid */
static const unsigned char zero16[16];

static struct km_vcard *vc;
static unsigned char R[KM_VCARD_RESPMAX];	/* the last response */
static size_t RL;				/* its data length */

/* The host's side of a session. */
static struct {
	int		 open;
	struct km_cmac	*mac;
	unsigned char	 kw[16];	/* AES-CMAC(Ks, "KMKEYWRAP") */
	int		 flags;
	uint32_t	 sessions;
} H;

static const char *
P(const char *name)
{
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return path;
}

static size_t
unhex(const char *s, unsigned char *out, size_t max)
{
	size_t n = 0;
	unsigned v;

	while (*s != '\0' && n < max) {
		if (*s == ' ') {
			s++;
			continue;
		}
		if (sscanf(s, "%2x", &v) != 1)
			break;
		out[n++] = (unsigned char)v;
		s += 2;
	}
	return n;
}

static uint32_t
be(const unsigned char *p, int n)
{
	uint32_t v = 0;
	int i;

	for (i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

static void
putbe(unsigned char *p, uint32_t v, int n)
{
	int i;

	for (i = n - 1; i >= 0; i--, v >>= 8)
		p[i] = (unsigned char)v;
}

/* One exchange; inside a host session the command and its response go
 * into the host's running CMAC, as the page says. */
static unsigned
txb(const unsigned char *cmd, size_t n)
{
	struct km_err e;
	size_t rlen = 0;

	km_vcard_apdu(vc, cmd, n, R, &rlen, &e);
	if (rlen < 2 || rlen > KM_VCARD_RESPMAX) {
		printf("# bad response length %zu\n", rlen);
		return 0;
	}
	RL = rlen - 2;
	if (H.open) {
		km_cmac_update(H.mac, cmd, n);
		km_cmac_update(H.mac, R, rlen);
	}
	return (unsigned)R[RL] << 8 | R[RL + 1];
}

static unsigned
tx(const char *hex)
{
	unsigned char cmd[300];

	return txb(cmd, unhex(hex, cmd, sizeof(cmd)));
}

/* A command from parts: lc < 0 no data, le < 0 no Le. */
static unsigned
txp(int cla, int ins, int p1, int p2, const unsigned char *data, int lc,
    int le)
{
	unsigned char cmd[300];
	size_t n = 0;

	cmd[n++] = (unsigned char)cla;
	cmd[n++] = (unsigned char)ins;
	cmd[n++] = (unsigned char)p1;
	cmd[n++] = (unsigned char)p2;
	if (lc >= 0) {
		cmd[n++] = (unsigned char)lc;
		memcpy(cmd + n, data, (size_t)lc);
		n += (size_t)lc;
	}
	if (le >= 0)
		cmd[n++] = (unsigned char)le;
	return txb(cmd, n);
}

static void
host_end(void)
{
	km_cmac_free(H.mac);
	H.mac = NULL;
	H.open = 0;
}

static unsigned
select_km(void)
{
	host_end();
	return tx("00 A4 04 00 07 F0 4B 4D 43 41 52 44 00");
}

/* OPEN SECURE SESSION at level with k: Ks = CMAC(k, "KMSESSION" || Ct ||
 * Cc), then the running CMAC starts with Ct and the 13 data bytes. */
static unsigned
host_open(int level, const unsigned char k[16])
{
	static unsigned char ct[8] = { 0x11, 0x22, 0x33, 0x44, 0x55, 0x66,
		0x77, 0x88 };
	unsigned char m[25], ks[16];
	unsigned sw;

	host_end();
	ct[7]++;		/* a new challenge each time */
	sw = txp(0x80, 0x8A, level, 0, ct, 8, 0);
	if (sw != 0x9000 || RL != 13)
		return sw;
	memcpy(m, "KMSESSION", 9);
	memcpy(m + 9, ct, 8);
	memcpy(m + 17, R, 8);
	km_aes_cmac(k, m, sizeof(m), ks, NULL);
	km_aes_cmac(ks, "KMKEYWRAP", 9, H.kw, NULL);
	km_cmac_new(&H.mac, ks, NULL);
	km_cmac_update(H.mac, ct, 8);
	km_cmac_update(H.mac, R, 13);
	H.flags = R[8];
	H.sessions = be(R + 9, 4);
	H.open = 1;
	return sw;
}

/* PUT KEY with the key wrapped: AES-128-ECB under Kw.  A host that
 * sent the key in clear would install a different key. */
static unsigned
host_put_key(int n, const unsigned char k16[16])
{
	unsigned char w[16];

	km_aes_block(H.kw, k16, w, 0, NULL);
	return txp(0x80, 0xD8, 0, n, w, 16, -1);
}

static int mc_good;

/* CLOSE with Mt = CMAC(... || 'T'); checks Mc = CMAC(... || 'C'). */
static unsigned
host_close(int p1)
{
	unsigned char mt[16], mc[16];
	unsigned sw;

	if (!H.open)
		return 0;
	km_cmac_peek(H.mac, "T", 1, mt);
	km_cmac_peek(H.mac, "C", 1, mc);
	H.open = 0;		/* CLOSE is not in the MAC */
	sw = txp(0x80, 0x8E, p1, 0, mt, 8, 0);
	mc_good = sw == 0x9000 && RL == 8 && memcmp(R, mc, 8) == 0;
	host_end();
	return sw;
}

static unsigned
host_close_bad(void)
{
	unsigned char mt[16];

	km_cmac_peek(H.mac, "T", 1, mt);
	mt[3] ^= 0x40;
	H.open = 0;
	host_end();
	return txp(0x80, 0x8E, 0x80, 0, mt, 8, 0);
}

static char *
text(void)
{
	static char buf[4][KM_VCARD_TEXTMAX];
	static int i;

	i = (i + 1) % 4;
	km_vcard_text(vc, buf[i]);
	return buf[i];
}

/* The card file's text, as a fresh load of it sees it. */
static char *
file_text(const char *p)
{
	static char buf[KM_VCARD_TEXTMAX];
	struct km_vcard *v;
	struct km_err e;

	buf[0] = '\0';
	if (km_vcard_open(&v, p, 0, &e) == -1) {
		printf("# %s\n", e.msg);
		return buf;
	}
	km_vcard_text(v, buf);
	km_vcard_free(v);
	return buf;
}

static void
reload(void)
{
	struct km_err e;

	host_end();
	km_vcard_free(vc);
	vc = NULL;
	if (km_vcard_open(&vc, P("card"), KM_VCARD_LOCK, &e) == -1)
		printf("# reload: %s\n", e.msg);
}

static int
writefile(const char *name, const char *s)
{
	FILE *fp;

	if ((fp = fopen(P(name), "w")) == NULL)
		return -1;
	fputs(s, fp);
	return fclose(fp);
}

/* ------------------------------------------------------------------ */

static void
t_atr(void)
{
	const unsigned char *a;
	size_t n, i;
	unsigned x = 0;

	a = km_vcard_atr(&n);
	for (i = 1; i < n; i++)
		x ^= a[i];
	ok(n >= 3 && a[0] == 0x3B && x == 0, "ATR: direct convention, TCK "
	    "makes the XOR of T0..TCK zero");
	ok(n == 9 + (size_t)(a[1] & 15) + 1 && (a[5] & 15) == 1 &&
	    (a[6] & 15) == 1,
	    "ATR: T=1, K historical bytes");
}

static void
t_select(void)
{
	unsigned char fci[64];
	size_t n;

	is(tx("00 B2 01 3C 00"), 0x6A82, "nothing selected: 6A82");
	is(tx("00 A4 04 00 05 A0 00 00 03 08 00"), 0x6A82,
	    "SELECT of an AID the card does not hold: 6A82");
	is(tx("00 A4 04 0C 05 A0 00 00 03 08"), 0x6A82,
	    "... whatever P2");
	is(tx("00 A4 04 0C 07 F0 4B 4D 43 41 52 44"), 0x6A86,
	    "SELECT with P2 0C: 6A86");
	is(tx("00 A4 00 00 02 3F 00"), 0x6A86, "SELECT by file id: 6A86");
	is(tx("00 A4 04 00 00"), 0x6700, "SELECT without an AID: 6700");
	is(tx("00 A4 04 00 07 F0 4B 4D 43 41 52 44 05"), 0x6700,
	    "SELECT with Le shorter than the FCI: 6700");
	is(tx("00 B2 01 3C 00"), 0x6A82, "... and nothing is selected");
	is(select_km(), 0x9000, "SELECT the km application");
	n = unhex("6F 19 84 07 F0 4B 4D 43 41 52 44 A5 0E 9F 10 07 04 A1 B2 "
	    "C3 D4 E5 F6 9F 11 01 00", fci, sizeof(fci));
	ok(RL == n && memcmp(R, fci, n) == 0, "FCI of a blank card, as in "
	    "the page's example but state 00");
	is(tx("00 A4 04 00 07 F0 4B 4D 43 41 52 44"), 0x9000,
	    "SELECT without Le");
	is(tx("00 A4 04 00 05 A0 00 00 03 08"), 0x6A82,
	    "a failed SELECT ...");
	is(tx("80 5C 00 01 0A"), 0x9000, "... leaves the km application "
	    "selected");
}

static void
t_blank(void)
{
	unsigned i;
	int z = 1;

	select_km();
	is(tx("00 B2 01 3C 00"), 0x9000, "blank: READ RECORD environment");
	for (i = 0; i < RL; i++)
		z &= R[i] == 0;
	ok(RL == 29 && z, "blank: the record is 29 zero bytes");
	is(tx("00 B2 01 CC 00"), 0x9000, "blank: READ RECORD counters");
	is(RL, 12, "blank: the counter record is 12 bytes");
	is(tx("80 5C 00 01 0A"), 0x9000, "blank: PURSE GET");
	ok(RL == 10 && be(R, 4) == 0 && be(R + 4, 2) == 0 && be(R + 6, 4) ==
	    0, "blank: balance 0, counter 0, limit 0");
	is(tx("80 5C 00 01 05"), 0x6700, "PURSE GET with Le 05: 6700");
	is(tx("80 5C 00 01"), 0x9000, "PURSE GET without Le is answered");
	is(tx("80 5C 00 03 0A"), 0x6A86, "PURSE GET of purse 3: 6A86");
	is(host_open(2, key[2]), 0x6A88, "blank: no key 2: OPEN level 2 "
	    "6A88");
	is(host_open(4, zero16), 0x6A86, "OPEN level 4: 6A86");
	is(host_open(0, zero16), 0x6A86, "OPEN level 0: 6A86");
	is(tx("80 8A 01 00 07 01 02 03 04 05 06 07 00"), 0x6700,
	    "OPEN with a 7-byte challenge: 6700");
	is(tx("00 DC 01 3C 03 01 02 03"), 0x6982,
	    "UPDATE RECORD outside a session: 6982");
	is(tx("80 D8 00 01 10 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 "
	    "00"), 0x6982, "PUT KEY outside a session: 6982");
	is(tx("80 04 00 00"), 0x6982, "INVALIDATE outside a session: 6982");
	is(tx("80 8E 00 00 08 00 00 00 00 00 00 00 00 00"), 0x6985,
	    "CLOSE with no session: 6985");
	is(tx("80 8F 00 00"), 0x9000, "RATIFY on a blank card");
	is(tx("00 B2 01 3C"), 0x9000, "READ RECORD without Le is answered");
	is(tx("00 B2 00 3C 00"), 0x6A83, "READ RECORD 0: 6A83");
	is(tx("00 B2 04 44 00"), 0x6A83, "READ RECORD 4 of events: 6A83");
	is(tx("00 B2 01 54 00"), 0x6A82, "READ RECORD of SFI 0A: 6A82");
	is(tx("00 B2 01 38 00"), 0x6A86, "READ RECORD, P2 not SFI<<3|4: 6A86");
	is(tx("00 B2 01 3C 10"), 0x6700, "READ RECORD with Le 16: 6700");
	is(tx("00 B2 01 3C 01 00 00"), 0x6700, "READ RECORD with data: 6700");
	is(tx("84 B2 01 3C 00"), 0x6E00, "class 84: 6E00");
	is(tx("00 5C 00 01 0A"), 0x6E00, "PURSE GET in class 00: 6E00");
	is(tx("80 B2 01 3C 00"), 0x6E00, "READ RECORD in class 80: 6E00");
	is(tx("00 CA 9F 7F 00"), 0x6D00, "GET DATA: 6D00");
	is(tx("80 A4 04 00 07 F0 4B 4D 43 41 52 44 00"), 0x6E00,
	    "SELECT in class 80: 6E00");
	is(tx("00 B2 01"), 0x6700, "a 3-byte command: 6700");
	is(tx("00 B2 01 3C 05 00"), 0x6700, "Lc 5 and one data byte: 6700");
	is(tx("00 DC 01 3C 00 01 02"), 0x6700, "extended Lc: 6700");
}

/* Personalisation at level 1 with the transport key. */
static void
t_personalise(void)
{
	unsigned char env[29], b[4];
	char before[KM_VCARD_TEXTMAX];
	int i;

	select_km();
	strcpy(before, text());
	is(host_open(1, zero16), 0x9000, "personalisation: OPEN level 1 "
	    "with the transport key");
	ok(H.flags == 0x01 && H.sessions == 0, "blank: previous session "
	    "ratified, no sessions");
	for (i = 4; i >= 1; i--)
		is(host_put_key(i, key[i]), 0x9000,
		    "PUT KEY %d", i);
	putbe(b, 100000, 4);
	is(txp(0x80, 0x58, 0, 1, b, 4, -1), 0x9000, "PURSE LIMIT 1000.00");
	putbe(b, 5000, 4);
	is(txp(0x80, 0x58, 0, 2, b, 4, -1), 0x9000, "PURSE LIMIT 5000 "
	    "points");
	putbe(b, 0x80000000u, 4);
	is(txp(0x80, 0x58, 0, 2, b, 4, -1), 0x6A80, "a negative limit: 6A80");
	memset(env, 0, sizeof(env));
	unhex("01 63 01 23 45 67 89 01 23 01 2E 0A 00", env, sizeof(env));
	is(txp(0x00, 0xDC, 1, 0x3C, env, 13, -1), 0x9000,
	    "UPDATE RECORD environment (13 bytes, padded)");
	is(tx("00 B2 01 3C 00"), 0x9000, "inside the session, READ RECORD");
	ok(RL == 29 && memcmp(R, env, 29) == 0, "... sees the write, "
	    "padded with zeros");
	ok(strcmp(text(), before) == 0, "nothing committed before CLOSE");
	is(tx("80 5C 00 01 0A"), 0x9000, "PURSE GET in the session");
	is(be(R + 6, 4), 100000, "... shows the new limit");
	is(host_close(0x80), 0x9000, "CLOSE, ratified at once");
	ok(mc_good, "the card's MAC Mc verifies");
	ok(strcmp(text(), file_text(P("card"))) == 0, "committed and saved "
	    "before the answer");
	is(select_km(), 0x9000, "SELECT after personalisation");
	is(R[RL - 1], 0x01, "state 01 personalised");
	is(host_open(1, zero16), 0x9000, "OPEN level 1 "
	    "with the transport key still opens (the card cannot tell) ...");
	is(host_close(0x80), 0x6988, "... but its MAC is wrong: 6988");
	is(host_open(1, key[1]), 0x9000, "OPEN level 1 with the new key 1");
	is(H.sessions, 1, "one session committed");
	ok(H.flags == 0x01, "previous session ratified");
	is(host_close(0x80), 0x9000, "CLOSE an empty session");
	ok(mc_good, "Mc verifies");
}

static int
cert_good(int purse, int op, int32_t amount)
{
	unsigned char mac[8];
	int32_t bal = (int32_t)be(R, 4);
	unsigned ctr = be(R + 4, 2);

	if (RL != 14)
		return 0;
	km_purse_mac(key[4], uid, sizeof(uid), purse, op, ctr, amount, bal,
	    mac, NULL);
	return memcmp(mac, R + 6, 8) == 0;
}

static void
t_load_and_debit(void)
{
	unsigned char b[32];

	select_km();
	is(host_open(2, key[2]), 0x9000, "load: OPEN level 2");
	is(tx("80 54 00 01 04 00 00 13 88 00"), 0x9000, "PURSE CREDIT 50.00");
	ok(be(R, 4) == 5000 && be(R + 4, 2) == 1, "balance 50.00, counter 1");
	ok(cert_good(1, 'C', 5000), "the purse certificate verifies");
	is(tx("80 54 00 02 04 00 00 00 0A 00"), 0x6985, "a second purse "
	    "operation: 6985");
	memset(b, 0, sizeof(b));
	b[0] = 0x42;
	is(txp(0x00, 0xDC, 2, 0x4C, b, 29, -1), 0x9000, "UPDATE RECORD "
	    "contract 2");
	is(tx("00 32 01 C8 03 00 00 0A"), 0x9000, "INCREASE counter 1 by 10, "
	    "no Le");
	ok(RL == 3 && be(R, 3) == 10, "... new value 10");
	is(tx("00 32 01 C8 03 00 00 05 00"), 0x9000, "INCREASE with Le");
	is(be(R, 3), 15, "... new value 15");
	is(tx("00 30 01 C8 03 00 00 01 00"), 0x9000, "DECREASE at level 2");
	is(be(R, 3), 14, "... new value 14");
	is(tx("00 30 02 C8 03 00 00 01 00"), 0x6A80, "DECREASE below 0: "
	    "6A80");
	is(tx("00 32 02 C8 03 FF FF FF 00"), 0x9000, "INCREASE to FFFFFF");
	is(tx("00 32 02 C8 03 00 00 01 00"), 0x6A80, "INCREASE above FFFFFF: "
	    "6A80");
	is(tx("00 32 05 C8 03 00 00 01 00"), 0x6A86, "counter 5: 6A86");
	is(tx("00 32 01 38 03 00 00 01 00"), 0x6A86, "INCREASE on the "
	    "environment: 6A86");
	is(tx("00 32 01 C8 02 00 01 00"), 0x6700, "INCREASE by 2 bytes: "
	    "6700");
	is(tx("00 32 01 C8 03 00 00 01 02"), 0x6700, "INCREASE with Le 2: "
	    "6700");
	b[0] = 0xE1;
	is(txp(0x00, 0xE2, 0, 0x40, b, 29, -1), 0x9000, "APPEND RECORD event");
	is(txp(0x00, 0xE2, 0, 0x38, b, 29, -1), 0x6A86, "APPEND RECORD to "
	    "the environment: 6A86");
	is(txp(0x00, 0xE2, 0, 0x50, b, 29, -1), 0x6A82, "APPEND RECORD to "
	    "SFI 0A: 6A82");
	is(txp(0x00, 0xDC, 1, 0x3C, b, 29, -1), 0x6982, "level 2: UPDATE "
	    "environment 6982");
	is(txp(0x00, 0xDC, 1, 0xCC, b, 12, -1), 0x6982, "level 2: UPDATE "
	    "counters 6982");
	is(host_put_key(3, key[3]), 0x6982, "level 2: PUT KEY "
	    "6982");
	is(tx("80 58 00 01 04 00 00 00 01"), 0x6982, "level 2: PURSE LIMIT "
	    "6982");
	is(tx("80 56 00 01 04 00 00 00 01 00"), 0x6982, "level 2: PURSE "
	    "DEBIT 6982");
	is(txp(0x00, 0xDC, 1, 0x4C, b, 30, -1), 0x6700, "UPDATE RECORD of 30 "
	    "bytes: 6700");
	is(host_close(0x00), 0x9000, "CLOSE, not ratified");
	ok(mc_good, "Mc verifies");
	is(host_open(3, key[3]), 0x9000, "OPEN level 3");
	is(H.flags, 0x00, "the previous session is not ratified");
	is(host_close(0x00), 0x9000, "CLOSE at once (not ratified)");
	is(tx("80 8F 00 00"), 0x9000, "RATIFY");
	ok(strcmp(text(), file_text(P("card"))) == 0, "RATIFY is saved");
	is(host_open(3, key[3]), 0x9000, "OPEN level 3");
	is(H.flags, 0x01, "now ratified");
	is(tx("80 8F 00 00"), 0x6985, "RATIFY inside a session: 6985");
	is(tx("80 56 00 01 04 00 00 01 54 00"), 0x9000, "PURSE DEBIT 3.40");
	ok(be(R, 4) == 4660 && be(R + 4, 2) == 2, "balance 46.60, counter 2");
	ok(cert_good(1, 'D', 340), "the debit's certificate verifies");
	b[0] = 0xE2;
	is(txp(0x00, 0xE2, 0, 0x40, b, 1, -1), 0x9000, "APPEND RECORD of one "
	    "byte");
	is(tx("00 30 01 C8 03 00 00 04 00"), 0x9000, "DECREASE at level 3");
	is(be(R, 3), 10, "... new value 10");
	is(tx("00 32 01 C8 03 00 00 04 00"), 0x6982, "level 3: INCREASE "
	    "6982");
	is(txp(0x00, 0xDC, 1, 0x4C, b, 29, -1), 0x6982, "level 3: UPDATE "
	    "contract 6982");
	is(tx("80 44 00 00"), 0x6982, "level 3: REHABILITATE 6982");
	is(host_close(0x00), 0x9000, "CLOSE");
	ok(mc_good, "Mc verifies");
	is(tx("00 B2 01 44 00"), 0x9000, "READ RECORD event 1");
	ok(R[0] == 0xE2 && R[1] == 0, "event 1 is the newest");
	is(tx("00 B2 02 44 00"), 0x9000, "READ RECORD event 2");
	ok(R[0] == 0xE1, "event 2 the one before");
	is(tx("00 B2 02 4C 00"), 0x9000, "READ RECORD contract 2");
	ok(R[0] == 0x42, "the contract was committed");
	is(tx("80 5C 00 01 0A"), 0x9000, "PURSE GET");
	ok(be(R, 4) == 4660 && be(R + 4, 2) == 2 && be(R + 6, 4) == 100000,
	    "balance 46.60, counter 2, limit 1000.00");
	is(tx("80 8F 00 00"), 0x9000, "RATIFY");
}

static void
t_purse_limits(void)
{
	select_km();
	is(host_open(1, key[1]), 0x9000, "level 1 session");
	is(tx("80 56 00 01 04 00 00 12 35 00"), 0x9401, "debit beyond the "
	    "balance: 9401");
	is(tx("80 54 00 01 04 00 01 86 A0 00"), 0x9402, "credit beyond the "
	    "largest balance: 9402");
	is(tx("80 54 00 01 04 00 00 00 00 00"), 0x6A80, "amount 0: 6A80");
	is(tx("80 54 00 01 04 00 0F 42 41 00"), 0x6A80, "amount 1000001: "
	    "6A80");
	is(tx("80 54 00 01 04 FF FF FF FF 00"), 0x6A80, "amount FFFFFFFF: "
	    "6A80");
	is(tx("80 54 00 01 03 00 00 01 00"), 0x6700, "amount of 3 bytes: "
	    "6700");
	is(tx("80 54 00 01 04 00 00 00 01 0D"), 0x6700, "Le 13: 6700");
	is(tx("80 54 01 01 04 00 00 00 01 00"), 0x6A86, "P1 01: 6A86");
	is(tx("80 56 00 01 04 00 00 12 34 00"), 0x9000, "level 1 debits the "
	    "whole balance");
	ok(be(R, 4) == 0 && cert_good(1, 'D', 4660), "balance 0, "
	    "certificate good");
	is(tx("80 56 00 02 04 00 00 00 01 00"), 0x6985, "second purse "
	    "operation: 6985");
	is(host_close(0x80), 0x9000, "CLOSE");
}

static void
t_counter_exhausted(void)
{
	struct km_vcard *v;
	struct km_err e;
	char t[KM_VCARD_TEXTMAX], *p;
	FILE *fp;

	km_vcard_text(vc, t);
	p = strstr(t, "purse 2 ");
	ok(p != NULL, "the text has purse 2");
	if (p == NULL)
		return;
	fp = fopen(P("full"), "w");
	fwrite(t, 1, (size_t)(p - t), fp);
	fputs("purse 2 100 65535 5000\n", fp);
	fputs(strchr(p, '\n') + 1, fp);
	fclose(fp);
	if (km_vcard_open(&v, P("full"), 0, &e) == -1) {
		ok(0, "load a card with a full counter: %s", e.msg);
		return;
	}
	km_vcard_free(vc);
	vc = v;
	select_km();
	is(host_open(2, key[2]), 0x9000, "OPEN level 2");
	is(tx("80 54 00 02 04 00 00 00 01 00"), 0x9403, "counter 65535: "
	    "9403");
	is(host_close(0x80), 0x9000, "CLOSE");
	is(host_open(3, key[3]), 0x9000, "OPEN level 3");
	is(tx("80 56 00 02 04 00 00 00 01 00"), 0x9403, "debit too: 9403");
	is(host_close(0x80), 0x9000, "CLOSE");
	reload();
}

static void
t_buffer(void)
{
	unsigned char b[29];
	char before[KM_VCARD_TEXTMAX];
	int i;
	unsigned sw = 0;

	select_km();
	strcpy(before, text());
	memset(b, 0x5A, sizeof(b));
	is(host_open(1, key[1]), 0x9000, "level 1 session for the buffer");
	for (i = 0; i < 17; i++)
		sw |= txp(0x00, 0xDC, 1 + i % 4, 0x4C, b, 29, -1) ^ 0x9000;
	is(sw, 0, "17 records of 29 bytes: 493 bytes");
	is(txp(0x00, 0xDC, 1, 0x4C, b, 20, -1), 0x6A84, "20 more: 6A84");
	is(txp(0x00, 0xDC, 1, 0x4C, b, 19, -1), 0x9000, "19 more: 512");
	is(tx("00 32 01 C8 03 00 00 01 00"), 0x6A84, "INCREASE: 6A84");
	is(tx("80 58 00 01 04 00 01 86 A0"), 0x6A84, "PURSE LIMIT: 6A84");
	is(tx("80 04 00 00"), 0x9000, "INVALIDATE writes no data: 9000");
	is(tx("80 44 00 00"), 0x9000, "REHABILITATE");
	is(host_close(0x80), 0x9000, "the session still commits");
	ok(mc_good && strcmp(text(), before) != 0, "and writes");
	is(tx("00 B2 04 4C 00"), 0x9000, "READ RECORD contract 4");
	ok(R[0] == 0x5A && R[28] == 0x5A, "the records were written");
}

static void
t_bad_mac(void)
{
	char before[KM_VCARD_TEXTMAX], fbefore[KM_VCARD_TEXTMAX];

	select_km();
	strcpy(before, text());
	strcpy(fbefore, file_text(P("card")));
	is(host_open(2, key[2]), 0x9000, "OPEN level 2");
	is(tx("80 54 00 01 04 00 00 03 E8 00"), 0x9000, "PURSE CREDIT");
	is(tx("00 32 03 C8 03 00 00 07 00"), 0x9000, "INCREASE");
	is(host_close_bad(), 0x6988, "CLOSE with a wrong MAC: 6988");
	is(RL, 0, "no Mc");
	ok(strcmp(text(), before) == 0, "nothing committed");
	ok(strcmp(file_text(P("card")), fbefore) == 0, "nothing saved");
	is(tx("80 8E 00 00 08 00 00 00 00 00 00 00 00 00"), 0x6985, "the "
	    "session is over: 6985");
	is(tx("00 32 03 C8 03 00 00 07 00"), 0x6982, "no session: 6982");
	/* A wrong level key gives a wrong MAC too. */
	is(host_open(2, key[3]), 0x9000, "OPEN level 2 with key 3 ...");
	is(tx("80 54 00 01 04 00 00 03 E8 00"), 0x9000, "PURSE CREDIT");
	is(host_close(0x80), 0x6988, "... 6988 at CLOSE");
	ok(strcmp(text(), before) == 0, "nothing committed");
	/* Refused and malformed commands are in the MAC like any other. */
	is(host_open(2, key[2]), 0x9000, "OPEN level 2");
	is(tx("80 56 00 01 04 00 00 00 01 00"), 0x6982, "a refused debit");
	is(tx("00 B2"), 0x6700, "a 2-byte command");
	is(tx("00 DC 01 4C 05 01"), 0x6700, "a short UPDATE");
	is(tx("FF FF FF FF"), 0x6E00, "class FF");
	is(tx("80 54 00 01 04 00 00 00 01 00"), 0x9000, "PURSE CREDIT 0.01");
	is(host_close(0x00), 0x9000, "CLOSE: the MACs still agree");
	ok(mc_good, "Mc verifies");
	is(tx("80 8F 00 00"), 0x9000, "RATIFY");
}

static void
t_abandon(void)
{
	char before[KM_VCARD_TEXTMAX];

	select_km();
	strcpy(before, text());
	is(host_open(2, key[2]), 0x9000, "OPEN");
	tx("80 54 00 01 04 00 00 00 64 00");
	is(tx("80 8E 00 00"), 0x9000, "CLOSE without data abandons: 9000");
	is(RL, 0, "... with no data");
	ok(strcmp(text(), before) == 0, "nothing committed");
	is(tx("80 8E 00 00"), 0x6985, "a second CLOSE: 6985");

	is(host_open(2, key[2]), 0x9000, "OPEN");
	tx("80 54 00 01 04 00 00 00 64 00");
	is(host_open(2, key[2]), 0x9000, "a new OPEN ...");
	is(host_close(0x80), 0x9000, "... and its CLOSE");
	ok(mc_good && strcmp(text(), before) != 0, "commits");
	is(tx("80 5C 00 01 0A"), 0x9000, "PURSE GET");
	is(be(R + 4, 2), 4, "the first session's credit was dropped");
	strcpy(before, text());

	is(host_open(2, key[2]), 0x9000, "OPEN");
	tx("80 54 00 01 04 00 00 00 64 00");
	is(select_km(), 0x9000, "SELECT ...");
	is(tx("80 8E 00 00 08 00 00 00 00 00 00 00 00 00"), 0x6985, "... ends "
	    "the session");
	ok(strcmp(text(), before) == 0, "nothing committed");

	is(host_open(2, key[2]), 0x9000, "OPEN");
	tx("80 54 00 01 04 00 00 00 64 00");
	is(tx("00 A4 04 00 02 01 02"), 0x6A82, "a failed SELECT ...");
	is(tx("80 8E 00 00"), 0x6985, "... ends the session too");
	ok(strcmp(text(), before) == 0, "nothing committed");

	is(host_open(2, key[2]), 0x9000, "OPEN");
	tx("80 54 00 01 04 00 00 00 64 00");
	is(tx("00 A4 04 00 07 F0 4B 4D"), 0x6700, "a malformed SELECT ...");
	is(tx("80 8E 00 00"), 0x6985, "... ends the session too");
	ok(strcmp(text(), before) == 0, "nothing committed");

	is(host_open(2, key[2]), 0x9000, "OPEN");
	tx("80 54 00 01 04 00 00 00 64 00");
	km_vcard_reset(vc);
	host_end();
	is(tx("80 5C 00 01 0A"), 0x6A82, "after a reset nothing is selected");
	ok(strcmp(text(), before) == 0, "the reset dropped the session");

	select_km();
	is(host_open(2, key[2]), 0x9000, "OPEN");
	is(tx("80 8E 40 00 08 00 00 00 00 00 00 00 00 00"), 0x6A86, "CLOSE "
	    "with P1 40: 6A86");
	is(tx("80 8E 00 00"), 0x6985, "... and the session is over");
	is(host_open(2, key[2]), 0x9000, "OPEN");
	is(tx("80 8E 00 00 07 00 00 00 00 00 00 00 00"), 0x6700, "CLOSE with "
	    "7 bytes: 6700");
	is(tx("80 8E 00 00"), 0x6985, "... and the session is over");
	host_end();
}

/* The card taken out before each step of a session in turn: reloading
 * the file must give exactly the state before the session. */
static void
t_tearing(void)
{
	char before[KM_VCARD_TEXTMAX], after[KM_VCARD_TEXTMAX];
	unsigned char ev[29];
	int step, s, nsteps = 7, good = 1;

	reload();
	select_km();
	strcpy(before, text());
	memset(ev, 0x77, sizeof(ev));
	for (step = 0; step <= nsteps; step++) {
		reload();
		for (s = 0; s < step && s < nsteps; s++) {
			switch (s) {
			case 0:
				select_km();
				break;
			case 1:
				host_open(3, key[3]);
				break;
			case 2:
				tx("80 56 00 01 04 00 00 00 01 00");
				break;
			case 3:
				txp(0x00, 0xE2, 0, 0x40, ev, 29, -1);
				break;
			case 4:
				tx("00 30 01 C8 03 00 00 01 00");
				break;
			case 5:
				tx("80 04 00 00");
				break;
			case 6:
				host_close(0x00);
				break;
			}
		}
		if (step < nsteps) {
			/* Pulled out: the card goes, unanswered. */
			km_vcard_free(vc);
			vc = NULL;
			host_end();
			reload();
			if (strcmp(text(), before) != 0) {
				good = 0;
				printf("# state changed when pulled out "
				    "before step %d\n", step + 1);
			}
		}
	}
	ok(good, "pulled out before each of %d steps: the file is as before",
	    nsteps);
	ok(mc_good, "the whole session commits");
	strcpy(after, text());
	ok(strcmp(after, before) != 0, "and changes the card");
	reload();
	ok(strcmp(text(), after) == 0, "as the file says");
	select_km();
	is(R[RL - 1], 0x02, "state 02: invalidated");
	is((unsigned)R[RL] << 8 | R[RL + 1], 0x6283, "SELECT answers 6283");
}

static void
t_invalidated(void)
{
	unsigned char b[29] = { 1 };

	is(host_open(3, key[3]), 0x9000, "an invalidated card opens");
	is(H.flags & 0x02, 0x02, "flags bit 02: invalidated");
	is(H.flags & 0x01, 0x00, "... and the tearing session is unratified");
	is(tx("80 56 00 01 04 00 00 00 01 00"), 0x6985, "debit: 6985");
	is(txp(0x00, 0xE2, 0, 0x40, b, 29, -1), 0x6985, "APPEND: 6985");
	is(tx("80 04 00 00"), 0x6985, "INVALIDATE again: 6985");
	is(tx("80 44 00 00"), 0x6982, "REHABILITATE at level 3: 6982");
	is(tx("00 B2 01 44 00"), 0x9000, "READ RECORD still works");
	is(tx("80 5C 00 01 0A"), 0x9000, "PURSE GET still works");
	is(host_close(0x80), 0x9000, "CLOSE");
	is(host_open(2, key[2]), 0x9000, "OPEN level 2");
	is(tx("80 44 00 00"), 0x9000, "REHABILITATE");
	is(txp(0x00, 0xE2, 0, 0x40, b, 29, -1), 0x9000, "APPEND works again");
	is(tx("80 44 00 00"), 0x9000, "REHABILITATE a valid application");
	is(host_close(0x80), 0x9000, "CLOSE");
	is(select_km(), 0x9000, "SELECT: 9000");
	is(R[RL - 1], 0x01, "state 01");
	is(host_open(1, key[1]), 0x9000, "OPEN level 1");
	is(tx("80 04 00 01"), 0x6A86, "INVALIDATE with P2 01: 6A86");
	is(tx("80 04 00 00 01 00"), 0x6700, "INVALIDATE with data: 6700");
	is(tx("80 04 00 00"), 0x9000, "INVALIDATE at level 1");
	is(host_put_key(2, key[2]), 0x6985, "PUT KEY on an "
	    "invalidated application: 6985");
	is(host_close(0x80), 0x9000, "CLOSE");
	is(host_open(1, key[1]), 0x9000, "OPEN level 1");
	is(tx("80 44 00 00"), 0x9000, "REHABILITATE at level 1");
	is(host_close(0x80), 0x9000, "CLOSE");
}

static void
t_save_fails(void)
{
	char sub[600], file[700], before[KM_VCARD_TEXTMAX];
	struct km_vcard *v;
	struct km_err e;
	unsigned char cmd[] = { 0x80, 0x8F, 0, 0 }, r[KM_VCARD_RESPMAX];
	size_t rlen;
	int rc;

	snprintf(sub, sizeof(sub), "%s/sub", dir);
	snprintf(file, sizeof(file), "%s/card", sub);
	mkdir(sub, 0700);
	if (km_vcard_create(file, uid, sizeof(uid), 0, &e) == -1 ||
	    km_vcard_open(&v, file, 0, &e) == -1) {
		ok(0, "a card in a directory: %s", e.msg);
		return;
	}
	km_vcard_free(vc);
	vc = v;
	select_km();
	is(host_open(1, zero16), 0x9000, "OPEN");
	is(host_close(0x00), 0x9000, "CLOSE, unratified");
	strcpy(before, text());
	unlink(file);
	rmdir(sub);
	rc = km_vcard_apdu(vc, cmd, sizeof(cmd), r, &rlen, &e);
	ok(rc == -1 && rlen == 2 && r[0] == 0x65 && r[1] == 0x81,
	    "RATIFY cannot be saved: 6581, and -1");
	ok(strstr(e.msg, "cannot write card file") != NULL, "err: %s", e.msg);
	ok(strcmp(text(), before) == 0, "the card is as before");
	is(host_open(1, zero16), 0x9000, "OPEN");
	is(tx("80 58 00 01 04 00 00 00 09"), 0x9000, "PURSE LIMIT");
	is(host_close(0x80), 0x6581, "CLOSE cannot be saved: 6581");
	ok(strcmp(text(), before) == 0, "nothing committed");
	reload();
}

static void
t_file(void)
{
	static const struct {
		const char *text;
		const char *msg;
	} bad[] = {
		{ "", ":1: empty card file" },
		{ "KMCARD 2\n", ":1: card file version '2'" },
		{ "hello\n", ":1: not a card file" },
		{ "KMCARD 1\nuid 04A1B2C3\n", ":3: no 'end' line" },
		{ "KMCARD 1\nuid 04A1B2C3\nend\n", ":4: no 'key 1' line" },
		{ "KMCARD 1\nuid 04A1B2\nend\n", ":2: uid: not 4, 7 or 10" },
		{ "KMCARD 1\nuid 04A1B2C3\nuid 04A1B2C3\nend\n",
		    ":3: second 'uid' line" },
		{ "KMCARD 1\nkey 5 00\nend\n",
		    ":2: key number: 5 out of range" },
		{ "KMCARD 1\nkey 1 00112233\nend\n", ":2: key: not 32 hex" },
		{ "KMCARD 1\ncolour blue\nend\n", ":2: unknown line 'colour'" },
		{ "KMCARD 1\nratified 2\nend\n",
		    ":2: ratified: 2 out of range" },
		{ "KMCARD 1\npurse 1 0 65536 0\nend\n",
		    ":2: purse counter: 65536 out of range" },
		{ "KMCARD 1\npurse 1 0 1 -5\nend\n",
		    ":2: purse limit: -5 out of range" },
		{ "KMCARD 1\npurse 1 x 1 5\nend\n",
		    ":2: purse balance: not a number" },
		{ "KMCARD 1\nsessions 1 2\nend\n",
		    ":2: 'sessions' line: 3 fields" },
		{ "KMCARD 1\nend\nuid 04A1B2C3\n", ":3: line after 'end'" },
		{ "KMCARD 1\nuid 04A1B2C3", ":2: last line not ended" },
		{ "KMCARD 1\nenvironment 00GG\nend\n",
		    ":2: environment: not 58" },
	};
	char text1[KM_VCARD_TEXTMAX], name[32], *p, *q;
	struct km_vcard *v;
	struct km_err e;
	size_t i;
	FILE *fp;

	km_vcard_text(vc, text1);
	ok(strcmp(text1, file_text(P("card"))) == 0, "the card file holds "
	    "the card's state");
	ok(strncmp(text1, "KMCARD 1\nuid 04A1B2C3D4E5F6\nkey 1 ", 34) == 0,
	    "it starts 'KMCARD 1', the uid, key 1");
	/* Comments, empty lines and another order are read: the purses
	 * and the rest first, then the uid, keys and records. */
	p = strchr(text1, '\n') + 1;
	q = strstr(p, "purse 1");
	fp = fopen(P("shuffled"), "w");
	fputs("KMCARD 1\n# a hand-edited card\n\n  \t \n", fp);
	fprintf(fp, "%.*s", (int)(strlen(q) - 4), q);
	fprintf(fp, "%.*s", (int)(q - p), p);
	fputs("end\n", fp);
	fclose(fp);
	ok(strcmp(file_text(P("shuffled")), text1) == 0, "lines in another "
	    "order, comments and empty lines are read");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(name, sizeof(name), "bad%zu", i);
		writefile(name, bad[i].text);
		e.eclass = KM_EOK;
		e.msg[0] = '\0';
		ok(km_vcard_open(&v, P(name), 0, &e) == -1 &&
		    e.eclass == KM_EDATA && strstr(e.msg, bad[i].msg) != NULL &&
		    strncmp(e.msg, P(name), strlen(P(name))) == 0,
		    "damaged file refused: %s", e.msg);
	}
	fp = fopen(P("nul"), "w");
	fwrite("KMCARD 1\nuid 04A1\0B2C3\nend\n", 1, 27, fp);
	fclose(fp);
	ok(km_vcard_open(&v, P("nul"), 0, &e) == -1 &&
	    strstr(e.msg, ":2: NUL byte") != NULL, "a NUL byte: %s", e.msg);
	ok(km_vcard_open(&v, P("absent"), 0, &e) == -1 &&
	    e.eclass == KM_EDATA && strstr(e.msg, "cannot open card file") !=
	    NULL, "an absent file: %s", e.msg);
	ok(km_vcard_open(&v, dir, 0, &e) == -1 && e.eclass == KM_EDATA,
	    "a directory: %s", e.msg);
	ok(km_vcard_create(P("card"), uid, sizeof(uid), 0, &e) == -1 &&
	    e.eclass == KM_EDATA, "create over a card: %s", e.msg);
	ok(km_vcard_create(P("new"), uid, 5, 0, &e) == -1 &&
	    e.eclass == KM_EUSAGE, "create with a 5-byte uid: %s", e.msg);
	ok(km_vcard_new(&v, uid, 11, &e) == -1, "memory card with an "
	    "11-byte uid refused");
}

static void
t_lock(void)
{
	struct km_vcard *v;
	struct km_err e;

	ok(km_vcard_open(&v, P("card"), KM_VCARD_LOCK, &e) == -1 &&
	    e.eclass == KM_ETEMP && strstr(e.msg, "in use") != NULL,
	    "a second server: %s", e.msg);
	ok(km_vcard_create(P("card"), uid, sizeof(uid), 1, &e) == -1 &&
	    e.eclass == KM_ETEMP, "-f over a card in use: %s", e.msg);
	select_km();
	host_open(1, key[1]);
	is(host_close(0x80), 0x9000, "a commit renames a new file in");
	ok(km_vcard_open(&v, P("card"), KM_VCARD_LOCK, &e) == -1 &&
	    e.eclass == KM_ETEMP, "the lock moved with it");
	ok(km_vcard_open(&v, P("card"), 0, &e) == 0, "reading without the "
	    "lock is allowed");
	km_vcard_free(v);
	ok(km_vcard_create(P("other"), uid, 4, 0, &e) == 0 &&
	    km_vcard_create(P("other"), uid10, 10, 1, &e) == 0,
	    "create, then -f over a card not in use");
}

/* xorshift64*: a fixed sequence for the malformed-APDU run. */
static uint64_t seed = 0x9E3779B97F4A7C15ull;

static unsigned
rnd(unsigned n)
{
	if (n == 0)
		return 0;
	seed ^= seed >> 12;
	seed ^= seed << 25;
	seed ^= seed >> 27;
	return (unsigned)((seed * 2685821657736338717ull) >> 33) % n;
}

static void
t_malformed(void)
{
	/* Good commands of every kind, to be cut, stretched and bent. */
	static const char *const tpl[] = {
		"00 A4 04 00 07 F0 4B 4D 43 41 52 44 00",
		"80 8A 01 00 08 01 02 03 04 05 06 07 08 00",
		"00 B2 01 44 00", "00 B2 02 4C 1D", "00 B2 01 CC 00",
		"00 DC 01 3C 03 01 02 03", "00 DC 01 CC 0C 00 00 01 00 00 02 "
		    "00 00 03 00 00 04",
		"00 E2 00 40 04 E1 E2 E3 E4",
		"00 32 01 C8 03 00 00 0A", "00 30 04 C8 03 00 00 01 00",
		"80 5C 00 02 0A", "80 54 00 01 04 00 00 13 88 00",
		"80 56 00 02 04 00 00 00 01 00", "80 58 00 01 04 00 01 86 A0",
		"80 D8 00 04 10 00 01 02 03 04 05 06 07 08 09 0A 0B 0C 0D 0E "
		    "0F",
		"80 04 00 00", "80 44 00 00", "80 8F 00 00", "80 8E 00 00",
		"80 8E 80 00 08 01 02 03 04 05 06 07 08 00",
	};
	unsigned char cmd[300], r[KM_VCARD_RESPMAX];
	struct km_vcard *v;
	struct km_err e;
	size_t n, rlen, k;
	long i, bad = 0, n9000 = 0, nsw[256] = { 0 };
	int kinds = 0;

	if (km_vcard_new(&v, uid, sizeof(uid), &e) == -1) {
		ok(0, "memory card: %s", e.msg);
		return;
	}
	for (i = 0; i < 300000; i++) {
		if (rnd(4) == 0) {
			/* Random bytes, any length. */
			n = rnd(300);
			for (k = 0; k < n; k++)
				cmd[k] = (unsigned char)rnd(256);
		} else {
			n = unhex(tpl[rnd(sizeof(tpl) / sizeof(tpl[0]))], cmd,
			    sizeof(cmd));
			switch (rnd(6)) {
			case 0:		/* as it is */
				break;
			case 1:		/* cut short */
				n = rnd((unsigned)n + 1);
				break;
			case 2:		/* stretched */
				k = rnd(40);
				while (k-- > 0 && n < sizeof(cmd))
					cmd[n++] = (unsigned char)rnd(256);
				break;
			default:	/* a few bytes bent */
				for (k = 1 + rnd(3); k > 0 && n > 0; k--)
					cmd[rnd((unsigned)n)] =
					    (unsigned char)rnd(256);
			}
		}
		rlen = 0;
		km_vcard_apdu(v, cmd, n, r, &rlen, &e);
		if (rlen < 2 || rlen > KM_VCARD_RESPMAX)
			bad++;
		else {
			n9000 += r[rlen - 2] == 0x90 && r[rlen - 1] == 0;
			nsw[r[rlen - 2]]++;
		}
		if (rnd(1000) == 0)
			km_vcard_reset(v);
	}
	km_vcard_free(v);
	for (k = 0; k < 256; k++)
		kinds += nsw[k] != 0;
	ok(bad == 0, "300000 malformed and random APDUs: always a response "
	    "with a status word");
	ok(n9000 > 10000 && kinds >= 5, "... %ld of them answered 9000, "
	    "%d kinds of SW1", n9000, kinds);
}

int
main(void)
{
	struct km_err e;
	int i;

	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	for (i = 1; i <= 4; i++) {
		memset(master[i], 0x10 * i + 1, 16);
		km_diversify(master[i], uid, sizeof(uid), i, key[i], NULL);
	}
	ok(km_vcard_create(P("card"), uid, sizeof(uid), 0, &e) == 0,
	    "create a blank card file");
	ok(km_vcard_open(&vc, P("card"), KM_VCARD_LOCK, &e) == 0,
	    "insert it");

	t_atr();
	t_select();
	t_blank();
	t_personalise();
	t_load_and_debit();
	t_purse_limits();
	t_counter_exhausted();
	t_buffer();
	t_bad_mac();
	t_abandon();
	t_tearing();
	t_invalidated();
	t_file();
	t_lock();
	t_save_fails();
	t_malformed();

	host_end();
	km_vcard_free(vc);
	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	if (system(path) != 0)
		printf("# cannot remove %s\n", dir);
	return done();
}
