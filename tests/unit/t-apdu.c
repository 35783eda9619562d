/*
 * t-apdu.c -- the APDU layer (lib/apdu.c) over a fake transport that
 * plays a script of expected commands and canned responses: the byte
 * layout of cases 1 to 4, short and extended; chaining; GET RESPONSE
 * loops; 6Cxx; the meaning and class of every status word; the BER-TLV
 * reader; and hostile answers (no status word, more data than asked for,
 * lengths beyond the buffer, 61xx for ever, malformed FCIs through
 * km_kmapp_select()), which must all be clean KM_EDATA errors.  Run it
 * under SANITIZE=address,undefined: an out-of-bounds read fails it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "km.h"
#include "tap.h"

/* Hex (spaces allowed) to bytes; returns the length. */
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
tohex(const unsigned char *p, size_t n, char *buf, size_t sz)
{
	size_t i;

	buf[0] = '\0';
	for (i = 0; i < n && 2 * i + 2 < sz; i++)
		snprintf(buf + 2 * i, 3, "%02X", p[i]);
	return buf;
}

/* One step of a script: the command expected (hex; NULL: cmdb), the
 * response given (hex), or a transport failure of class fail, or a
 * response length that lies (lie > 0). */
struct step {
	const char	*cmd;
	const char	*rsp;
	enum km_errclass fail;
	size_t		 lie;
	const unsigned char *cmdb;	/* when cmd is NULL */
	size_t		 cmdblen;
};

struct fake {
	const struct step *s;
	size_t		 n, i;
	int		 mismatch;
};

static int
fake_transmit(void *ctx, const unsigned char *cmd, size_t cmdlen,
    unsigned char *rsp, size_t rspsz, size_t *rsplen, struct km_err *err)
{
	struct fake *f = ctx;
	const struct step *s;
	unsigned char want[KM_APDU_MAXCMD];
	static char h1[2 * 700], h2[2 * 700];
	size_t wlen;

	if (f->i == f->n) {
		f->mismatch = 1;
		printf("# unexpected command %s\n",
		    tohex(cmd, cmdlen, h1, sizeof(h1)));
		return km_errf(err, KM_ESYS, "script: unexpected command");
	}
	s = &f->s[f->i++];
	if (s->cmd != NULL)
		wlen = unhex(s->cmd, want, sizeof(want));
	else {
		memcpy(want, s->cmdb, s->cmdblen);
		wlen = s->cmdblen;
	}
	if (wlen != cmdlen || memcmp(want, cmd, cmdlen) != 0) {
		f->mismatch = 1;
		printf("# step %zu: got  %s\n#         want %s\n", f->i,
		    tohex(cmd, cmdlen, h1, sizeof(h1)),
		    tohex(want, wlen, h2, sizeof(h2)));
		return km_errf(err, KM_ESYS, "script: wrong command");
	}
	if (s->fail != KM_EOK)
		return km_errf(err, s->fail, "card removed from reader 'Fake'");
	if (s->lie > 0) {
		memset(rsp, 0x90, rspsz);
		*rsplen = s->lie;
		return 0;
	}
	*rsplen = unhex(s->rsp, rsp, rspsz);
	return 0;
}

static struct fake fk;
static struct km_card_io io = { fake_transmit, &fk, "Fake" };

static void
script(const struct step *s, size_t n)
{
	fk.s = s;
	fk.n = n;
	fk.i = 0;
	fk.mismatch = 0;
}

/* The whole script was played, and nothing else. */
static int
played(void)
{
	return !fk.mismatch && fk.i == fk.n;
}

#define SCRIPT(a) script(a, sizeof(a) / sizeof((a)[0]))

static int
encodes(const struct km_apdu *a, const char *want)
{
	static unsigned char buf[KM_APDU_MAXCMD], w[KM_APDU_MAXCMD];
	struct km_err e;
	size_t n, wn;

	if (km_apdu_encode(a, buf, sizeof(buf), &n, &e) == -1) {
		printf("# %s\n", e.msg);
		return 0;
	}
	wn = unhex(want, w, sizeof(w));
	return n == wn && memcmp(buf, w, n) == 0;
}

static void
test_encode(void)
{
	static unsigned char big[70000];
	unsigned char d[3] = { 0xAA, 0xBB, 0xCC }, buf[KM_APDU_MAXCMD];
	struct km_apdu a;
	struct km_err e;
	size_t n;

	memset(big, 0x5A, sizeof(big));
	memset(&a, 0, sizeof(a));
	a.cla = 0x80;
	a.ins = 0x04;
	ok(encodes(&a, "80040000"), "encode: case 1");
	a.cla = 0x80;
	a.ins = 0x5C;
	a.p2 = 0x01;
	a.le = 10;
	ok(encodes(&a, "805C00010A"), "encode: case 2 short");
	a.le = 256;
	ok(encodes(&a, "805C000100"), "encode: case 2 short, Le 256 as 00");
	a.le = 1;
	ok(encodes(&a, "805C000101"), "encode: case 2 short, Le 1");
	memset(&a, 0, sizeof(a));
	a.ins = 0xDC;
	a.p1 = 1;
	a.p2 = 0x3C;
	a.data = d;
	a.lc = 3;
	ok(encodes(&a, "00DC013C03AABBCC"), "encode: case 3 short");
	a.le = 256;
	ok(encodes(&a, "00DC013C03AABBCC00"), "encode: case 4 short");
	a.lc = 255;
	a.data = big;
	a.le = 0;
	ok(km_apdu_encode(&a, buf, sizeof(buf), &n, &e) == 0 && n == 260 &&
	    buf[4] == 0xFF && buf[259] == 0x5A, "encode: case 3, Lc 255 short");

	/* Extended: Lc 00 hi lo, Le hi lo (00 hi lo alone). */
	memset(&a, 0, sizeof(a));
	a.ins = 0xB0;
	a.le = 300;
	a.flags = KM_APDU_EXT;
	ok(encodes(&a, "00B0000000012C"), "encode: case 2 extended");
	a.le = 65536;
	ok(encodes(&a, "00B00000000000"), "encode: case 2 extended, 65536");
	a.le = 257;
	ok(encodes(&a, "00B00000000101"), "encode: case 2 extended, 257");
	a.le = 0;
	a.ins = 0xD6;
	a.data = big;
	a.lc = 300;
	ok(km_apdu_encode(&a, buf, sizeof(buf), &n, &e) == 0 && n == 307 &&
	    buf[4] == 0 && buf[5] == 0x01 && buf[6] == 0x2C &&
	    buf[306] == 0x5A, "encode: case 3 extended");
	a.le = 65536;
	ok(km_apdu_encode(&a, buf, sizeof(buf), &n, &e) == 0 && n == 309 &&
	    buf[307] == 0 && buf[308] == 0, "encode: case 4 extended, Le "
	    "65536 as 00 00");
	a.data = d;
	a.lc = 1;
	a.le = 1000;
	ok(encodes(&a, "00D6000000 0001 AA 03E8"), "encode: case 4 extended "
	    "for a long Le");
	a.lc = KM_APDU_MAXLC;
	a.data = big;
	a.le = KM_APDU_MAXLE;
	ok(km_apdu_encode(&a, buf, sizeof(buf), &n, &e) == 0 &&
	    n == KM_APDU_MAXCMD, "encode: the longest command fits "
	    "KM_APDU_MAXCMD");

	/* NOLE: Le not sent. */
	memset(&a, 0, sizeof(a));
	a.ins = 0x32;
	a.p1 = 1;
	a.p2 = 0xC8;
	a.data = d;
	a.lc = 3;
	a.le = 3;
	a.flags = KM_APDU_NOLE;
	ok(encodes(&a, "003201C803AABBCC"), "encode: NOLE leaves Le out");

	/* Impossible commands. */
	memset(&a, 0, sizeof(a));
	a.data = big;
	a.lc = 256;
	ok(km_apdu_encode(&a, buf, sizeof(buf), &n, &e) == -1 &&
	    e.eclass == KM_EUSAGE && n == 0, "encode: Lc 256 needs EXT");
	a.lc = 0;
	a.le = 257;
	ok(km_apdu_encode(&a, buf, sizeof(buf), &n, &e) == -1 &&
	    e.eclass == KM_EUSAGE, "encode: Le 257 needs EXT");
	a.flags = KM_APDU_EXT;
	a.le = 65537;
	ok(km_apdu_encode(&a, buf, sizeof(buf), &n, &e) == -1 &&
	    e.eclass == KM_EUSAGE, "encode: Le above 65536");
	a.le = 0;
	a.lc = 65536;
	ok(km_apdu_encode(&a, buf, sizeof(buf), &n, &e) == -1 &&
	    e.eclass == KM_EUSAGE, "encode: Lc above 65535");
	a.lc = 2;
	a.data = NULL;
	ok(km_apdu_encode(&a, buf, sizeof(buf), &n, &e) == -1 &&
	    e.eclass == KM_EUSAGE, "encode: data missing");
	a.data = d;
	a.le = 256;
	a.flags = 0;
	ok(km_apdu_encode(&a, buf, 7, &n, &e) == -1 && e.eclass == KM_EUSAGE,
	    "encode: a buffer one byte short");
	ok(km_apdu_encode(&a, buf, 8, &n, &e) == 0 && n == 8,
	    "encode: a buffer just long enough");
}

static void
test_transmit(void)
{
	static const unsigned char aid[7] = {
		0xF0, 0x4B, 0x4D, 0x43, 0x41, 0x52, 0x44
	};
	static const struct step sel[] = {
		{ "00A4040007F04B4D4341524400", "6F03840100 9000", 0, 0, 0, 0 },
	};
	static const struct step fail[] = {
		{ "00A4040007F04B4D4341524400", NULL, KM_ETEMP, 0, 0, 0 },
	};
	unsigned char data[300];
	struct km_apdu a;
	struct km_err e;
	size_t n;
	unsigned sw;

	memset(&a, 0, sizeof(a));
	a.ins = 0xA4;
	a.p1 = 0x04;
	a.data = aid;
	a.lc = 7;
	a.le = 256;
	SCRIPT(sel);
	ok(km_apdu_transmit(&io, &a, data, sizeof(data), &n, &sw, &e) == 0 &&
	    played() && n == 5 && sw == 0x9000 && data[0] == 0x6F &&
	    data[4] == 0x00, "transmit: case 4, data and SW");

	SCRIPT(fail);
	ok(km_apdu_transmit(&io, &a, data, sizeof(data), &n, &sw, &e) == -1 &&
	    played() && e.eclass == KM_ETEMP &&
	    strcmp(e.msg, "card removed from reader 'Fake'") == 0 && n == 0,
	    "transmit: a transport error passes through, class and all");

	ok(km_apdu_transmit(NULL, &a, data, sizeof(data), &n, &sw, &e) == -1 &&
	    e.eclass == KM_EUSAGE, "transmit: no transport");
}

static void
test_chain(void)
{
	static unsigned char d[600], c1[260], c2[260], c3[4 + 1 + 90 + 1];
	struct step chain[3] = {
		{ NULL, "9000", 0, 0, c1, sizeof(c1) },
		{ NULL, "9000", 0, 0, c2, sizeof(c2) },
		{ NULL, "0102 9000", 0, 0, c3, sizeof(c3) },
	};
	struct step stop[2] = {
		{ NULL, "9000", 0, 0, c1, sizeof(c1) },
		{ NULL, "6A80", 0, 0, c2, sizeof(c2) },
	};
	struct step databack[1] = {
		{ NULL, "AA 9000", 0, 0, c1, sizeof(c1) },
	};
	unsigned char data[16], ext[7 + 600 + 2];
	struct step extstep[1] = {
		{ NULL, "0102 9000", 0, 0, ext, sizeof(ext) },
	};
	struct km_apdu a;
	struct km_err e;
	size_t i, n;
	unsigned sw;

	for (i = 0; i < sizeof(d); i++)
		d[i] = (unsigned char)i;
	/* 600 bytes: 255 + 255 + 90, the first two with CLA bit 10. */
	memcpy(c1, "\x10\xDA\x01\x02\xFF", 5);
	memcpy(c1 + 5, d, 255);
	memcpy(c2, "\x10\xDA\x01\x02\xFF", 5);
	memcpy(c2 + 5, d + 255, 255);
	memcpy(c3, "\x00\xDA\x01\x02\x5A", 5);
	memcpy(c3 + 5, d + 510, 90);
	c3[95] = 0x00;
	memset(&a, 0, sizeof(a));
	a.ins = 0xDA;
	a.p1 = 1;
	a.p2 = 2;
	a.data = d;
	a.lc = sizeof(d);
	a.le = 256;
	script(chain, 3);
	ok(km_apdu_transmit(&io, &a, data, sizeof(data), &n, &sw, &e) == 0 &&
	    played() && sw == 0x9000 && n == 2 && data[1] == 2,
	    "chain: 600 bytes in three short commands, Le on the last");

	script(stop, 2);
	ok(km_apdu_transmit(&io, &a, data, sizeof(data), &n, &sw, &e) == 0 &&
	    played() && sw == 0x6A80 && n == 0,
	    "chain: stops at the first part not answered 9000");

	script(databack, 1);
	ok(km_apdu_transmit(&io, &a, data, sizeof(data), &n, &sw, &e) == -1 &&
	    played() && e.eclass == KM_EDATA,
	    "chain: data in the answer to a middle part is malformed");

	a.cla = 0x10;
	ok(km_apdu_transmit(&io, &a, data, sizeof(data), &n, &sw, &e) == -1 &&
	    e.eclass == KM_EUSAGE, "chain: a command already chained");
	a.cla = 0;

	a.flags = KM_APDU_RAW;
	ok(km_apdu_transmit(&io, &a, data, sizeof(data), &n, &sw, &e) == -1 &&
	    e.eclass == KM_EUSAGE, "chain: RAW will not chain");

	/* With KM_APDU_EXT the same is one extended command. */
	memcpy(ext, "\x00\xDA\x01\x02\x00\x02\x58", 7);
	memcpy(ext + 7, d, 600);
	ext[607] = 0x01;
	ext[608] = 0x00;
	a.flags = KM_APDU_EXT;
	script(extstep, 1);
	ok(km_apdu_transmit(&io, &a, data, sizeof(data), &n, &sw, &e) == 0 &&
	    played() && n == 2 && sw == 0x9000,
	    "extended: 600 bytes in one command, Le 256 as 01 00");
}

static char *
repeat(const char *byte, size_t n, const char *tail)
{
	char *s = malloc(2 * n + strlen(tail) + 1);
	size_t i;

	for (i = 0; i < n; i++)
		memcpy(s + 2 * i, byte, 2);
	strcpy(s + 2 * n, tail);
	return s;
}

static void
test_getresponse(void)
{
	static const struct step two[] = {
		{ "00B2010C00", "0102 6103", 0, 0, 0, 0 },
		{ "00C0000003", "030405 9000", 0, 0, 0, 0 },
	};
	static const struct step cls[] = {
		{ "80CA9F7F00", "6102", 0, 0, 0, 0 },
		{ "00C0000002", "AABB 9000", 0, 0, 0, 0 },
	};
	static const struct step toolong0[] = {
		{ "00B2010C00", "6103", 0, 0, 0, 0 },
		{ "00C0000003", "01020304 9000", 0, 0, 0, 0 },
	};
	static const struct step over[] = {
		{ "00B2010C0A", "6110", 0, 0, 0, 0 },
		{ "00C000000A", "00112233445566778899 6106", 0, 0, 0, 0 },
	};
	struct step three[3], big[2];
	unsigned char data[1024];
	char *r1, *r2, *r2b, *r3;
	struct km_apdu a;
	struct km_err e;
	size_t n;
	unsigned sw;

	memset(&a, 0, sizeof(a));
	a.ins = 0xB2;
	a.p1 = 1;
	a.p2 = 0x0C;
	a.le = 256;
	SCRIPT(two);
	ok(km_apdu_transmit(&io, &a, data, sizeof(data), &n, &sw, &e) == 0 &&
	    played() && n == 5 && sw == 0x9000 && data[0] == 1 &&
	    data[4] == 5, "get response: 61xx fetched and joined");

	/* Three rounds of 256, then 16: Le 256 asked, more than fits. */
	memset(three, 0, sizeof(three));
	r1 = repeat("11", 256, "6100");
	r2 = repeat("22", 256, "6110");
	r3 = repeat("33", 16, "9000");
	three[0].cmd = "00B2010C000400";
	three[0].rsp = r1;
	three[1].cmd = "00C0000000";
	three[1].rsp = r2;
	three[2].cmd = "00C0000010";
	three[2].rsp = r3;
	a.le = 1024;
	a.flags = KM_APDU_EXT;
	script(three, 3);
	ok(km_apdu_transmit(&io, &a, data, sizeof(data), &n, &sw, &e) == 0 &&
	    played() && n == 528 && sw == 0x9000 && data[255] == 0x11 &&
	    data[256] == 0x22 && data[527] == 0x33,
	    "get response: extended Le, 528 bytes in three answers");

	/* Short only: Le 1024 goes as 00, the rest by GET RESPONSE. */
	three[0].cmd = "00B2010C00";
	a.flags = 0;
	script(three, 3);
	ok(km_apdu_transmit(&io, &a, data, sizeof(data), &n, &sw, &e) == 0 &&
	    played() && n == 528 && sw == 0x9000,
	    "get response: a long Le without EXT is 00 and GET RESPONSE");

	/* Asked for 300 only: the card offers more. */
	a.le = 300;
	r2b = repeat("22", 44, "6110");
	three[1].cmd = "00C000002C";
	three[1].rsp = r2b;
	script(three, 2);
	ok(km_apdu_transmit(&io, &a, data, sizeof(data), &n, &sw, &e) == -1 &&
	    e.eclass == KM_EDATA && strstr(e.msg, "more than 300") != NULL,
	    "get response: more than Le in total is malformed");
	ok(played(), "get response: Le 300 asks for 44 after 256");
	free(r1);
	free(r2);
	free(r2b);
	free(r3);

	/* A buffer smaller than what the card offers. */
	a.le = 256;
	r1 = repeat("11", 200, "6180");
	memset(big, 0, sizeof(big));
	big[0].cmd = "00B2010C00";
	big[0].rsp = r1;
	script(big, 1);
	ok(km_apdu_transmit(&io, &a, data, 100, &n, &sw, &e) == -1 &&
	    e.eclass == KM_EDATA,
	    "get response: a first answer beyond the buffer is malformed");
	free(r1);

	/* GET RESPONSE for CLA 80 goes with CLA 00. */
	memset(&a, 0, sizeof(a));
	a.cla = 0x80;
	a.ins = 0xCA;
	a.p1 = 0x9F;
	a.p2 = 0x7F;
	a.le = 256;
	SCRIPT(cls);
	ok(km_apdu_transmit(&io, &a, data, sizeof(data), &n, &sw, &e) == 0 &&
	    played() && n == 2 && sw == 0x9000,
	    "get response: CLA 00 after a proprietary class");

	/* GET RESPONSE answering more than it was asked. */
	memset(&a, 0, sizeof(a));
	a.ins = 0xB2;
	a.p1 = 1;
	a.p2 = 0x0C;
	a.le = 256;
	SCRIPT(toolong0);
	ok(km_apdu_transmit(&io, &a, data, sizeof(data), &n, &sw, &e) == -1 &&
	    played() && e.eclass == KM_EDATA && n == 0,
	    "get response: an answer longer than xx is malformed");

	/* Le 10: the card offers 16, then 6 more. */
	a.le = 10;
	SCRIPT(over);
	ok(km_apdu_transmit(&io, &a, data, sizeof(data), &n, &sw, &e) == -1 &&
	    played() && e.eclass == KM_EDATA,
	    "get response: more than Le through 61xx is malformed");
}

/* A card that answers everything with 6100 and nothing else, or with
 * 256 bytes and 6100. */
static unsigned endless_n;
static int endless_data;

static int
endless_transmit(void *ctx, const unsigned char *cmd, size_t cmdlen,
    unsigned char *rsp, size_t rspsz, size_t *rsplen, struct km_err *err)
{
	size_t n = endless_data ? 256 : 0;

	endless_n++;
	if (rspsz < n + 2)
		return km_errf(err, KM_ESYS, "buffer");
	memset(rsp, 0xEE, n);
	rsp[n] = 0x61;
	rsp[n + 1] = 0x00;
	*rsplen = n + 2;
	return 0;
}

#define Z8 "0000000000000000"

static void
test_hostile(void)
{
	static const struct step empty[] = {
		{ "00B2010C00", "", 0, 0, 0, 0 },
	};
	static const struct step one[] = {
		{ "00B2010C00", "90", 0, 0, 0, 0 },
	};
	static const struct step longer[] = {
		{ "805C00010A", "0102030405060708090A0B 9000", 0, 0, 0, 0 },
	};
	static const struct step case3data[] = {
		{ "80040000", "01 9000", 0, 0, 0, 0 },
	};
	static const struct step lie[] = {
		{ "00B2010C00", NULL, 0, 100000, 0, 0 },
	};
	static const struct step sixc[] = {
		{ "00B2010C00", "6C1D", 0, 0, 0, 0 },
		{ "00B2010C1D", Z8 Z8 Z8 "00000000" "29" "9000", 0, 0, 0, 0 },
	};
	static const struct step sixc2[] = {
		{ "00B2010C00", "6C1D", 0, 0, 0, 0 },
		{ "00B2010C1D", "6C1E", 0, 0, 0, 0 },
	};
	static const struct step sixcbig[] = {
		{ "00B2010C00", "6C00", 0, 0, 0, 0 },
	};
	static const struct step sixcraw[] = {
		{ "00B2010C00", "6C1D", 0, 0, 0, 0 },
	};
	struct km_card_io eio = { endless_transmit, NULL, NULL };
	unsigned char data[KM_APDU_MAXLE];
	struct km_apdu a;
	struct km_err e;
	size_t n;
	unsigned sw;

	memset(&a, 0, sizeof(a));
	a.ins = 0xB2;
	a.p1 = 1;
	a.p2 = 0x0C;
	a.le = 256;
	SCRIPT(empty);
	ok(km_apdu_transmit(&io, &a, data, sizeof(data), &n, &sw, &e) == -1 &&
	    e.eclass == KM_ETEMP && strcmp(e.msg, "the card in reader 'Fake' "
	    "gave no answer (taken out?)") == 0,
	    "hostile: an empty answer is a card taken out");
	SCRIPT(one);
	ok(km_apdu_transmit(&io, &a, data, sizeof(data), &n, &sw, &e) == -1 &&
	    e.eclass == KM_EDATA && strstr(e.msg, "1 byte,") != NULL,
	    "hostile: a one-byte answer");
	SCRIPT(lie);
	ok(km_apdu_transmit(&io, &a, data, sizeof(data), &n, &sw, &e) == -1 &&
	    e.eclass == KM_EDATA && strstr(e.msg, "transport") != NULL,
	    "hostile: a length beyond the transport's buffer");

	memset(&a, 0, sizeof(a));
	a.cla = 0x80;
	a.ins = 0x5C;
	a.p2 = 1;
	a.le = 10;
	SCRIPT(longer);
	ok(km_apdu_transmit(&io, &a, data, sizeof(data), &n, &sw, &e) == -1 &&
	    e.eclass == KM_EDATA && strstr(e.msg, "11 bytes of data where at "
	    "most 10") != NULL, "hostile: more data than Le");
	memset(&a, 0, sizeof(a));
	a.cla = 0x80;
	a.ins = 0x04;
	SCRIPT(case3data);
	ok(km_apdu_transmit(&io, &a, data, sizeof(data), &n, &sw, &e) == -1 &&
	    e.eclass == KM_EDATA, "hostile: data for a command without Le");

	/* 6Cxx: once is fine, twice is not. */
	memset(&a, 0, sizeof(a));
	a.ins = 0xB2;
	a.p1 = 1;
	a.p2 = 0x0C;
	a.le = 256;
	SCRIPT(sixc);
	ok(km_apdu_transmit(&io, &a, data, sizeof(data), &n, &sw, &e) == 0 &&
	    played() && n == 29 && sw == 0x9000 && data[28] == 0x29,
	    "6Cxx: sent again with Le xx");
	SCRIPT(sixc2);
	ok(km_apdu_transmit(&io, &a, data, sizeof(data), &n, &sw, &e) == -1 &&
	    played() && e.eclass == KM_EDATA,
	    "6Cxx: a second 6Cxx is malformed");
	SCRIPT(sixcbig);
	ok(km_apdu_transmit(&io, &a, data, 100, &n, &sw, &e) == -1 &&
	    played() && e.eclass == KM_EDATA,
	    "6Cxx: offering more than the buffer is malformed");
	a.flags = KM_APDU_RAW;
	SCRIPT(sixcraw);
	ok(km_apdu_transmit(&io, &a, data, sizeof(data), &n, &sw, &e) == 0 &&
	    played() && n == 0 && sw == 0x6C1D, "6Cxx: RAW hands it back");
	a.flags = 0;

	/* 61xx for ever. */
	endless_n = 0;
	endless_data = 0;
	ok(km_apdu_transmit(&eio, &a, data, sizeof(data), &n, &sw, &e) == -1 &&
	    e.eclass == KM_EDATA && endless_n == KM_APDU_MAXROUNDS + 1 &&
	    strstr(e.msg, "keeps answering 61xx") != NULL,
	    "hostile: 61xx with nothing, for ever, stops after %d rounds",
	    KM_APDU_MAXROUNDS);
	endless_n = 0;
	endless_data = 1;
	a.le = KM_APDU_MAXLE;
	ok(km_apdu_transmit(&eio, &a, data, sizeof(data), &n, &sw, &e) == -1 &&
	    e.eclass == KM_EDATA && endless_n == KM_APDU_MAXLE / 256 &&
	    strstr(e.msg, "more than 65536") != NULL,
	    "hostile: 61xx with data, for ever, stops at the limit");
	endless_n = 0;
	ok(km_apdu_transmit(&eio, &a, data, 1000, &n, &sw, &e) == -1 &&
	    e.eclass == KM_EDATA && endless_n == 4,
	    "hostile: 61xx with data stops at the caller's buffer");
}

static void
test_sw(void)
{
	static const struct {
		unsigned	 sw;
		const char	*msg;
		enum km_errclass c;
	} t[] = {
		{ 0x9000, "done", KM_EDATA },
		{ 0x6283, "the application is invalidated", KM_ENOTFOUND },
		{ 0x6581, "memory failure", KM_EDATA },
		{ 0x6700, "wrong length", KM_EDATA },
		{ 0x6982, "security status not satisfied", KM_ENOTFOUND },
		{ 0x6985, "conditions of use not satisfied", KM_ENOTFOUND },
		{ 0x6988, "wrong MAC", KM_EDATA },
		{ 0x6A80, "wrong data", KM_EDATA },
		{ 0x6A82, "application or file not found", KM_ENOTFOUND },
		{ 0x6A83, "record not found", KM_ENOTFOUND },
		{ 0x6A84, "not enough memory", KM_EDATA },
		{ 0x6A86, "wrong P1 or P2", KM_EDATA },
		{ 0x6A88, "key or referenced data not found", KM_EDATA },
		{ 0x6D00, "instruction not supported", KM_EDATA },
		{ 0x6E00, "class not supported", KM_EDATA },
		{ 0x9401, "purse balance too low", KM_ENOTFOUND },
		{ 0x9402, "purse largest balance would be exceeded",
		    KM_ENOTFOUND },
		{ 0x9403, "purse transaction counter exhausted", KM_ENOTFOUND },
		{ 0x6110, "16 more bytes available", KM_EDATA },
		{ 0x6100, "256 or more bytes available", KM_EDATA },
		{ 0x6C1D, "wrong Le: 29 bytes available", KM_EDATA },
		{ 0x6C00, "wrong Le: 256 bytes available", KM_EDATA },
		{ 0x63C2, "verification failed, 2 tries left", KM_EDATA },
		{ 0x6281, "warning: memory unchanged", KM_EDATA },
		{ 0x6300, "warning: memory changed", KM_EDATA },
		{ 0x6400, "execution error, memory unchanged", KM_EDATA },
		{ 0x6582, "execution error, memory changed", KM_EDATA },
		{ 0x6600, "security error", KM_EDATA },
		{ 0x6701, "wrong length", KM_EDATA },
		{ 0x6881, "function in CLA not supported", KM_EDATA },
		{ 0x6986, "command not allowed", KM_EDATA },
		{ 0x6A81, "wrong parameters", KM_EDATA },
		{ 0x6B00, "wrong parameters", KM_EDATA },
		{ 0x6D01, "instruction not supported", KM_EDATA },
		{ 0x6E01, "class not supported", KM_EDATA },
		{ 0x6F00, "no precise diagnosis", KM_EDATA },
		{ 0x9001, "done", KM_EDATA },
		{ 0x9100, "proprietary status", KM_EDATA },
		{ 0x9F10, "proprietary status", KM_EDATA },
		{ 0x1234, "not a status word", KM_EDATA },
		{ 0x0000, "not a status word", KM_EDATA },
	};
	char buf[KM_SW_BUFSZ];
	struct km_err e;
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		is_str(km_sw_str(t[i].sw, buf), t[i].msg, "sw: %04X means %s",
		    t[i].sw, t[i].msg);
		is(km_sw_class(t[i].sw), t[i].c, "sw: %04X is class %d",
		    t[i].sw, t[i].c);
	}
	ok(km_sw_ok(0x9000) && km_sw_ok(0x6110) && !km_sw_ok(0x6283) &&
	    !km_sw_ok(0x6A82) && !km_sw_ok(0x9001), "sw: km_sw_ok");
	is(km_sw_err(&e, 0x9401, "purse %s", "debit"), -1, "sw: err returns "
	    "-1");
	is_str(e.msg, "purse debit: card answers 9401: purse balance too low",
	    "sw: err message");
	is(e.eclass, KM_ENOTFOUND, "sw: err class");
}

static void
test_tlv(void)
{
	unsigned char b[64];
	const unsigned char *p;
	struct km_tlv t;
	struct km_err e;
	size_t n;

	n = unhex("6F 0C 84 02 F04B A5 06 9F10 03 010203", b, sizeof(b));
	p = b;
	ok(km_tlv_next(&p, &n, &t, &e) == 1 && t.tag == 0x6F &&
	    t.constructed && t.len == 12 && t.val == b + 2 && n == 0,
	    "tlv: a template");
	ok(km_tlv_next(&p, &n, &t, &e) == 0, "tlv: then the end");
	ok(km_tlv_find(b + 2, 12, 0xA5, &t, &e) == 1 && t.len == 6,
	    "tlv: find A5");
	ok(km_tlv_find(t.val, t.len, 0x9F10, &t, &e) == 1 && t.len == 3 &&
	    t.val[2] == 3 && !t.constructed, "tlv: find a two-byte tag");
	ok(km_tlv_find(b + 2, 12, 0x9F11, &t, &e) == 0, "tlv: not there");

	n = unhex("00 FF 5F2D 81 02 706C 00", b, sizeof(b));
	p = b;
	ok(km_tlv_next(&p, &n, &t, &e) == 1 && t.tag == 0x5F2D &&
	    t.len == 2 && t.val[0] == 0x70 && n == 1,
	    "tlv: padding skipped, length 81 xx");
	ok(km_tlv_next(&p, &n, &t, &e) == 0 && n == 0,
	    "tlv: trailing padding is the end");
	n = unhex("DF8101 82 0003 010203", b, sizeof(b));
	p = b;
	ok(km_tlv_next(&p, &n, &t, &e) == 1 && t.tag == 0xDF8101 &&
	    t.len == 3, "tlv: a three-byte tag, length 82 xx xx");

#define BAD(hex, name) do { \
	n = unhex(hex, b, sizeof(b)); \
	p = b; \
	memset(&e, 0, sizeof(e)); \
	ok(km_tlv_next(&p, &n, &t, &e) == -1 && e.eclass == KM_EDATA && \
	    strncmp(e.msg, "malformed TLV: ", 15) == 0, "tlv: " name); \
} while (0)
	BAD("9F", "a tag cut short");
	BAD("9F81", "a tag cut short after a continuation byte");
	BAD("9F818101 01 00", "a tag longer than 3 bytes");
	BAD("84", "no length");
	BAD("84 80 0000", "an indefinite length");
	BAD("84 84 00000001 00", "a 4-byte length");
	BAD("84 82 01", "a length cut short");
	BAD("84 05 010203", "a value running past the end");
	BAD("84 83 FFFFFF 00", "a huge length");
	BAD("84 81", "a long length with no bytes");
#undef BAD
	n = unhex("84 01 00 85 05 01", b, sizeof(b));
	ok(km_tlv_find(b, n, 0x84, &t, &e) == -1 && e.eclass == KM_EDATA,
	    "tlv: find sees a malformed object after the one sought");
}

/* FCIs through km_kmapp_select().  FCI is the beginning of a good one,
 * with a 7-byte UID; the state object follows. */
#define FCI "6F19 8407F04B4D43415244 A50E 9F1007 04A1B2C3D4E5F6 "

static void
test_fci(void)
{
	static const struct {
		const char	*rsp;
		int		 rc;
		enum km_errclass c;
		const char	*name;
	} t[] = {
		{ FCI "9F110101 9000", 0, KM_EOK, "a good FCI" },
		{ FCI "9F110102 6283", 0, KM_EOK, "invalidated, 6283" },
		{ "6A82", -1, KM_ENOTFOUND, "no application" },
		{ "6F17 8407F04B4D43415244 A50C 9F1007 04A1B2C3D4E5F6 "
		    "9F110101 9000", -1, KM_EDATA, "lengths 2 short "
		    "(6F 17, A5 0C: once the example of kmcard-apdu(7))" },
		{ FCI "9F1101 9000", -1, KM_EDATA, "cut short" },
		{ "6F1A 8407F04B4D43415244 A50E 9F1007 04A1B2C3D4E5F6 "
		    "9F110101 9000", -1, KM_EDATA, "template longer than "
		    "its data" },
		{ "6F19 8407F04B4D43415244 A50F 9F1007 04A1B2C3D4E5F6 "
		    "9F110101 9000", -1, KM_EDATA, "A5 longer than 6F" },
		{ "6F19 8407F04B4D43415244 A50E 9F100F 04A1B2C3D4E5F6 "
		    "9F110101 9000", -1, KM_EDATA, "UID longer than A5" },
		{ "6F19 8407F04B4D43415299 A50E 9F1007 04A1B2C3D4E5F6 "
		    "9F110101 9000", -1, KM_EDATA, "another AID" },
		{ "6F10 A50E 9F1007 04A1B2C3D4E5F6 9F110101 9000", -1,
		    KM_EDATA, "no AID" },
		{ "6F09 8407F04B4D43415244 9000", -1, KM_EDATA, "no A5" },
		{ "6F15 8407F04B4D43415244 A50A 9F1003 04A1B2 9F110101 9000",
		    -1, KM_EDATA, "a 3-byte UID" },
		{ "6F10 8407F04B4D43415244 A505 9F1101 01 00 9000", -1,
		    KM_EDATA, "no UID" },
		{ "6F14 8407F04B4D43415244 A509 9F1004 04A1B2C3 9F11 9000",
		    -1, KM_EDATA, "state without length" },
		{ "6F16 8407F04B4D43415244 A50B 9F1004 04A1B2C3 9F110103 "
		    "9000", -1, KM_EDATA, "unknown state" },
		{ "6F15 8407F04B4D43415244 A50A 9F1004 04A1B2C3 9F1100 9000",
		    -1, KM_EDATA, "empty state" },
		{ FCI "9F110101 01 9000", -1, KM_EDATA, "a byte after the FCI" },
		{ "8407F04B4D43415244 9000", -1, KM_EDATA, "no 6F" },
		{ "9000", -1, KM_EDATA, "no FCI at all" },
		{ "6F80 9000", -1, KM_EDATA, "indefinite length" },
		{ FCI "9F110101 6A80", -1, KM_EDATA, "an FCI with 6A80" },
	};
	struct step s[1];
	struct km_kmapp *k;
	struct km_kmapp_fci fci;
	struct km_err e;
	size_t i;
	int rc;

	if (km_kmapp_new(&k, &io, &e) == -1) {
		ok(0, "fci: new: %s", e.msg);
		return;
	}
	memset(s, 0, sizeof(s));
	s[0].cmd = "00A4040007F04B4D4341524400";
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		s[0].rsp = t[i].rsp;
		script(s, 1);
		memset(&e, 0, sizeof(e));
		rc = km_kmapp_select(k, &fci, &e);
		ok(rc == t[i].rc && played() && (rc == 0 ||
		    e.eclass == t[i].c), "fci: %s", t[i].name);
		if (rc == -1)
			printf("# %s\n", e.msg);
	}
	s[0].rsp = t[0].rsp;
	script(s, 1);
	ok(km_kmapp_select(k, &fci, &e) == 0 && fci.uidlen == 7 &&
	    fci.uid[0] == 0x04 && fci.uid[6] == 0xF6 &&
	    fci.state == KM_KMAPP_PERSONALISED, "fci: UID and state read");
	s[0].rsp = t[1].rsp;
	script(s, 1);
	ok(km_kmapp_select(k, &fci, &e) == 0 &&
	    fci.state == KM_KMAPP_INVALIDATED && km_kmapp_sw(k) == 0x6283,
	    "fci: 6283 selects an invalidated application");
	km_kmapp_free(k);
}

/* Random answers of every length to a select: errors, never a crash. */
static unsigned long rnd = 12345;

static unsigned
next_rand(void)
{
	rnd = rnd * 6364136223846793005UL + 1442695040888963407UL;
	return (unsigned)(rnd >> 33);
}

static int
random_transmit(void *ctx, const unsigned char *cmd, size_t cmdlen,
    unsigned char *rsp, size_t rspsz, size_t *rsplen, struct km_err *err)
{
	static const unsigned char fci[] = {
		0x6F, 0x19, 0x84, 0x07, 0xF0, 0x4B, 0x4D, 0x43, 0x41, 0x52,
		0x44, 0xA5, 0x0E, 0x9F, 0x10, 0x07, 0x04, 0xA1, 0xB2, 0xC3,
		0xD4, 0xE5, 0xF6, 0x9F, 0x11, 0x01, 0x01, 0x90, 0x00
	};
	size_t n = next_rand() % (rspsz < 300 ? rspsz + 1 : 300), i;

	if (next_rand() % 2 && n <= sizeof(fci)) {
		/* the real FCI, cut short and with a byte changed */
		memcpy(rsp, fci, n);
		if (n > 0)
			rsp[next_rand() % n] = (unsigned char)next_rand();
	} else
		for (i = 0; i < n; i++)
			rsp[i] = (unsigned char)next_rand();
	*rsplen = n;
	return 0;
}

static void
test_random(void)
{
	struct km_card_io rio = { random_transmit, NULL, "Random" };
	struct km_kmapp *k;
	struct km_kmapp_fci fci;
	unsigned char data[300];
	struct km_apdu a;
	struct km_err e;
	size_t n;
	unsigned sw;
	int i, bad = 0, good = 0;

	if (km_kmapp_new(&k, &rio, &e) == -1)
		return;
	for (i = 0; i < 20000; i++) {
		memset(&e, 0, sizeof(e));
		if (km_kmapp_select(k, &fci, &e) == 0)
			good++;
		else if (e.eclass != KM_EDATA && e.eclass != KM_ENOTFOUND &&
		    e.eclass != KM_ETEMP)
			bad++;
	}
	ok(bad == 0, "random: 20000 random FCIs give KM_EDATA, "
	    "KM_ENOTFOUND or (no answer) KM_ETEMP (%d selected)", good);
	memset(&a, 0, sizeof(a));
	a.ins = 0xB0;
	a.le = 256;
	for (i = 0, bad = 0; i < 20000; i++)
		if (km_apdu_transmit(&rio, &a, data, sizeof(data), &n, &sw,
		    &e) == -1 && e.eclass != KM_EDATA &&
		    e.eclass != KM_ETEMP)
			bad++;
	ok(bad == 0, "random: 20000 random answers to a transmit");
	km_kmapp_free(k);
}

int
main(void)
{
	test_encode();
	test_transmit();
	test_chain();
	test_getresponse();
	test_hostile();
	test_sw();
	test_tlv();
	test_fci();
	test_random();
	return done();
}
