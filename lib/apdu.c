/*
 * apdu.c -- ISO/IEC 7816-4 command and response APDUs, over any struct
 * km_card_io.  It owns the byte layout of commands (cases 1 to 4, short
 * and extended Lc and Le), chaining long data in short commands (CLA bit
 * 10), fetching long answers with GET RESPONSE on 61xx and asking again
 * with the right Le on 6Cxx, what each status word means and which error
 * class a refusal belongs to, and a small BER-TLV reader for the FCI.
 * A card's answer is untrusted input, the same as a file from outside: a
 * response shorter than its status word, longer than was asked for, than
 * the buffer, or than the transport's own buffer, GET RESPONSE rounds that
 * never end and TLVs whose lengths run past their data are all clean
 * KM_EDATA errors, and nothing here reads a byte it has not checked is
 * there.  No PC/SC here: that is pcsc.c, behind the seam.
 */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "km.h"

/* "the card in reader 'NAME'", for messages. */
static const char *
card_name(const struct km_card_io *io, char *buf, size_t sz)
{
	if (io->name != NULL)
		snprintf(buf, sz, "the card in reader '%s'", io->name);
	else
		snprintf(buf, sz, "the card");
	return buf;
}

int
km_apdu_encode(const struct km_apdu *a, unsigned char *buf, size_t bufsz,
    size_t *len, struct km_err *err)
{
	size_t lesent, need, n = 0;
	int ext;

	*len = 0;
	if (a->lc > KM_APDU_MAXLC)
		return km_errf(err, KM_EUSAGE, "APDU data of %zu bytes (at most "
		    "%d)", a->lc, KM_APDU_MAXLC);
	if (a->le > KM_APDU_MAXLE)
		return km_errf(err, KM_EUSAGE, "APDU Le of %zu bytes (at most "
		    "%d)", a->le, KM_APDU_MAXLE);
	if (a->lc > 0 && a->data == NULL)
		return km_errf(err, KM_EUSAGE, "APDU data missing");
	lesent = (a->flags & KM_APDU_NOLE) ? 0 : a->le;
	ext = a->lc > 255 || lesent > 256;
	if (ext && !(a->flags & KM_APDU_EXT))
		return km_errf(err, KM_EUSAGE, "APDU needs extended lengths "
		    "(Lc %zu, Le %zu)", a->lc, lesent);
	need = 4;
	if (a->lc > 0)
		need += (ext ? 3 : 1) + a->lc;
	if (lesent > 0)
		need += ext ? (a->lc > 0 ? 2 : 3) : 1;
	if (need > bufsz)
		return km_errf(err, KM_EUSAGE, "APDU of %zu bytes does not fit "
		    "in %zu", need, bufsz);
	buf[n++] = a->cla;
	buf[n++] = a->ins;
	buf[n++] = a->p1;
	buf[n++] = a->p2;
	if (a->lc > 0) {
		if (ext) {
			buf[n++] = 0;
			buf[n++] = (unsigned char)(a->lc >> 8);
		}
		buf[n++] = (unsigned char)(a->lc & 0xff);
		memcpy(buf + n, a->data, a->lc);
		n += a->lc;
	}
	if (lesent > 0) {
		if (ext) {
			if (a->lc == 0)
				buf[n++] = 0;
			/* 65536 is written 00 00, 256 (short) 00 */
			buf[n++] = (unsigned char)((lesent >> 8) & 0xff);
		}
		buf[n++] = (unsigned char)(lesent & 0xff);
	}
	*len = n;
	return 0;
}

int
km_apdu_exchange(const struct km_card_io *io, const unsigned char *cmd,
    size_t cmdlen, size_t maxdata, unsigned char *rsp, size_t rspsz,
    size_t *rsplen, struct km_err *err)
{
	char who[KM_READERSZ + 32];
	size_t n = 0;

	*rsplen = 0;
	if (io == NULL || io->transmit == NULL)
		return km_errf(err, KM_EUSAGE, "no card transport");
	if (cmdlen < 4)
		return km_errf(err, KM_EUSAGE, "APDU of %zu bytes", cmdlen);
	if (io->transmit(io->ctx, cmd, cmdlen, rsp, rspsz, &n, err) == -1)
		return -1;
	if (n > rspsz)
		return km_errf(err, KM_EDATA, "%s answers %zu bytes, more "
		    "than the %zu the transport holds",
		    card_name(io, who, sizeof(who)), n, rspsz);
	/* vpcd and some readers report a card pulled mid-command as an
	 * empty answer: a temporary failure, like a removal. */
	if (n == 0)
		return km_errf(err, KM_ETEMP, "%s gave no answer (taken out?)",
		    card_name(io, who, sizeof(who)));
	if (n < 2)
		return km_errf(err, KM_EDATA, "%s answers 1 byte, without a "
		    "status word", card_name(io, who, sizeof(who)));
	if (n - 2 > maxdata)
		return km_errf(err, KM_EDATA, "%s answers %zu bytes of data "
		    "where at most %zu were asked for",
		    card_name(io, who, sizeof(who)), n - 2, maxdata);
	*rsplen = n;
	return 0;
}

/*
 * Sends a once, and again with Le xx if the card answers 6Cxx (and a was
 * not KM_APDU_RAW).  The response data go to dst, which holds room bytes;
 * *got is their length, *sw the status word.
 */
static int
send_one(const struct km_card_io *io, const struct km_apdu *a,
    unsigned char *dst, size_t room, size_t *got, unsigned *sw,
    struct km_err *err)
{
	struct km_apdu b = *a;
	unsigned char cmdbuf[4 + 1 + 255 + 1], rspbuf[KM_APDU_SHORTRSP];
	unsigned char *cmd = cmdbuf, *rsp = rspbuf;
	char who[KM_READERSZ + 32];
	size_t cmdsz = sizeof(cmdbuf), rspsz = sizeof(rspbuf);
	size_t cmdlen, n, dlen, maxdata;
	int tries, rc = -1;

	*got = 0;
	*sw = 0;
	if (a->lc > 255 || a->le > 256) {
		cmdsz = KM_APDU_MAXCMD;
		rspsz = KM_APDU_MAXRSP;
		if ((cmd = malloc(cmdsz)) == NULL ||
		    (rsp = malloc(rspsz)) == NULL) {
			km_errf(err, KM_ESYS, "out of memory");
			goto out;
		}
	}
	for (tries = 0; tries < 2; tries++) {
		if (km_apdu_encode(&b, cmd, cmdsz, &cmdlen, err) == -1)
			goto out;
		maxdata = b.le;
		if (km_apdu_exchange(io, cmd, cmdlen, maxdata, rsp, rspsz, &n,
		    err) == -1)
			goto out;
		assert(n >= 2 && n <= rspsz);	/* km_apdu_exchange() */
		dlen = n - 2;
		*sw = (unsigned)rsp[n - 2] << 8 | rsp[n - 1];
		if ((*sw >> 8) != 0x6C || (a->flags & KM_APDU_RAW))
			break;
		if (tries > 0) {
			km_errf(err, KM_EDATA, "%s answers 6C%02X again to a "
			    "command sent with that Le",
			    card_name(io, who, sizeof(who)), *sw & 0xff);
			goto out;
		}
		/* Wrong Le: the card tells the right one; ask again. */
		b.le = (*sw & 0xff) == 0 ? 256 : (*sw & 0xff);
		b.flags &= ~KM_APDU_NOLE;
		if (b.le > room) {
			km_errf(err, KM_EDATA, "%s offers %zu bytes, more than "
			    "the %zu expected", card_name(io, who, sizeof(who)),
			    b.le, room);
			goto out;
		}
		if (b.lc > 255)
			b.flags |= KM_APDU_EXT;
	}
	if (dlen > room) {
		km_errf(err, KM_EDATA, "%s answers %zu bytes of data, more "
		    "than the %zu expected", card_name(io, who, sizeof(who)),
		    dlen, room);
		goto out;
	}
	if (dlen > 0)
		memcpy(dst, rsp, dlen);
	*got = dlen;
	rc = 0;
out:
	if (cmd != cmdbuf)
		free(cmd);
	if (rsp != rspbuf)
		free(rsp);
	return rc;
}

int
km_apdu_transmit(const struct km_card_io *io, const struct km_apdu *a,
    unsigned char *data, size_t datasz, size_t *datalen, unsigned *sw,
    struct km_err *err)
{
	struct km_apdu part, gr;
	char who[KM_READERSZ + 32];
	size_t off = 0, limit, got, total;
	unsigned rounds = 0;

	*datalen = 0;
	*sw = 0;
	if (a->flags & KM_APDU_RAW) {
		if (a->lc > 255 && !(a->flags & KM_APDU_EXT))
			return km_errf(err, KM_EUSAGE, "APDU data of %zu "
			    "bytes without chaining or extended length",
			    a->lc);
		return send_one(io, a, data, datasz, datalen, sw, err);
	}
	/* Command chaining: every part but the last has CLA bit 10. */
	if (a->lc > 255 && !(a->flags & KM_APDU_EXT)) {
		if (a->cla & 0x10)
			return km_errf(err, KM_EUSAGE, "APDU to chain already "
			    "has the chaining bit");
		while (a->lc - off > 255) {
			part = *a;
			part.cla |= 0x10;
			part.data = a->data + off;
			part.lc = 255;
			part.le = 0;
			part.flags = KM_APDU_RAW;
			if (send_one(io, &part, NULL, 0, &got, sw, err) == -1)
				return -1;
			if (*sw != 0x9000)
				return 0;
			off += 255;
		}
	}
	part = *a;
	part.data = a->lc > off ? a->data + off : NULL;
	part.lc = a->lc - off;
	limit = datasz;
	if (a->le > 0 && a->le < limit)
		limit = a->le;
	if (part.le > 256 && !(a->flags & KM_APDU_EXT))
		part.le = 256;		/* Le 00; the rest by GET RESPONSE */
	if (send_one(io, &part, data, limit, &total, sw, err) == -1)
		return -1;
	/* 61xx: xx more bytes (00: 256 or more) wait for GET RESPONSE. */
	while ((*sw >> 8) == 0x61) {
		if (++rounds > KM_APDU_MAXROUNDS)
			return km_errf(err, KM_EDATA, "%s keeps answering 61xx "
			    "(%d GET RESPONSE commands)",
			    card_name(io, who, sizeof(who)), KM_APDU_MAXROUNDS);
		if (total >= limit)
			return km_errf(err, KM_EDATA, "%s answers more than "
			    "%zu bytes", card_name(io, who, sizeof(who)),
			    limit);
		memset(&gr, 0, sizeof(gr));
		gr.cla = (a->cla & 0x80) ? 0x00 : (a->cla & 0x03);
		gr.ins = 0xC0;
		gr.le = (*sw & 0xff) == 0 ? 256 : (*sw & 0xff);
		if (gr.le > limit - total)
			gr.le = limit - total;
		if (send_one(io, &gr, data + total, limit - total, &got, sw,
		    err) == -1)
			return -1;
		total += got;
	}
	*datalen = total;
	return 0;
}

/* The status words of kmcard-apdu(7), with their meaning there. */
static const struct {
	unsigned	 sw;
	const char	*msg;
} swtab[] = {
	{ 0x9000, "done" },
	{ 0x6283, "the application is invalidated" },
	{ 0x6581, "memory failure" },
	{ 0x6700, "wrong length" },
	{ 0x6982, "security status not satisfied" },
	{ 0x6985, "conditions of use not satisfied" },
	{ 0x6988, "wrong MAC" },
	{ 0x6A80, "wrong data" },
	{ 0x6A82, "application or file not found" },
	{ 0x6A83, "record not found" },
	{ 0x6A84, "not enough memory" },
	{ 0x6A86, "wrong P1 or P2" },
	{ 0x6A88, "key or referenced data not found" },
	{ 0x6D00, "instruction not supported" },
	{ 0x6E00, "class not supported" },
	{ 0x9401, "purse balance too low" },
	{ 0x9402, "purse largest balance would be exceeded" },
	{ 0x9403, "purse transaction counter exhausted" },
};

const char *
km_sw_str(unsigned sw, char buf[KM_SW_BUFSZ])
{
	unsigned sw1 = (sw >> 8) & 0xff, sw2 = sw & 0xff;
	const char *m;
	size_t i;

	for (i = 0; i < sizeof(swtab) / sizeof(swtab[0]); i++)
		if (swtab[i].sw == (sw & 0xffff)) {
			snprintf(buf, KM_SW_BUFSZ, "%s", swtab[i].msg);
			return buf;
		}
	switch (sw1) {
	case 0x61:
		if (sw2 == 0)
			snprintf(buf, KM_SW_BUFSZ, "256 or more bytes available");
		else
			snprintf(buf, KM_SW_BUFSZ, "%u more bytes available",
			    sw2);
		return buf;
	case 0x63:
		if ((sw2 & 0xf0) == 0xc0) {
			snprintf(buf, KM_SW_BUFSZ, "verification failed, %u "
			    "tries left", sw2 & 0x0f);
			return buf;
		}
		m = "warning: memory changed";
		break;
	case 0x6C:
		snprintf(buf, KM_SW_BUFSZ, "wrong Le: %u bytes available",
		    sw2 == 0 ? 256 : sw2);
		return buf;
	case 0x62:
		m = "warning: memory unchanged";
		break;
	case 0x64:
		m = "execution error, memory unchanged";
		break;
	case 0x65:
		m = "execution error, memory changed";
		break;
	case 0x66:
		m = "security error";
		break;
	case 0x67:
		m = "wrong length";
		break;
	case 0x68:
		m = "function in CLA not supported";
		break;
	case 0x69:
		m = "command not allowed";
		break;
	case 0x6A:
	case 0x6B:
		m = "wrong parameters";
		break;
	case 0x6D:
		m = "instruction not supported";
		break;
	case 0x6E:
		m = "class not supported";
		break;
	case 0x6F:
		m = "no precise diagnosis";
		break;
	case 0x90:
		m = "done";
		break;
	default:
		m = sw1 >= 0x91 && sw1 <= 0x9F ? "proprietary status" :
		    "not a status word";
		break;
	}
	snprintf(buf, KM_SW_BUFSZ, "%s", m);
	return buf;
}

int
km_sw_ok(unsigned sw)
{
	return sw == 0x9000 || (sw >> 8) == 0x61;
}

enum km_errclass
km_sw_class(unsigned sw)
{
	switch (sw) {
	case 0x6283:
	case 0x6982:
	case 0x6985:
	case 0x6A82:
	case 0x6A83:
	case 0x9401:
	case 0x9402:
	case 0x9403:
		return KM_ENOTFOUND;
	default:
		return KM_EDATA;
	}
}

int
km_sw_err(struct km_err *err, unsigned sw, const char *fmt, ...)
{
	char what[256], m[KM_SW_BUFSZ];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return km_errf(err, km_sw_class(sw), "%s: card answers %04X: %s",
	    what, sw & 0xffff, km_sw_str(sw, m));
}

int
km_tlv_next(const unsigned char **pp, size_t *np, struct km_tlv *t,
    struct km_err *err)
{
	const unsigned char *p = *pp;
	size_t n = *np, i = 1, k, len;
	unsigned tag;

	memset(t, 0, sizeof(*t));
	/* ISO/IEC 7816-4 5.2.2.1: 00 and FF may pad between objects. */
	while (n > 0 && (*p == 0x00 || *p == 0xFF)) {
		p++;
		n--;
	}
	*pp = p;
	*np = n;
	if (n == 0)
		return 0;
	tag = p[0];
	if ((p[0] & 0x1F) == 0x1F) {
		for (;;) {
			if (i == n)
				return km_errf(err, KM_EDATA, "malformed TLV: "
				    "the tag runs past the end");
			if (i == 3)
				return km_errf(err, KM_EDATA, "malformed TLV: "
				    "a tag longer than 3 bytes");
			tag = tag << 8 | p[i];
			if (!(p[i++] & 0x80))
				break;
		}
	}
	if (i == n)
		return km_errf(err, KM_EDATA, "malformed TLV: tag %X has no "
		    "length", tag);
	if (p[i] < 0x80)
		len = p[i++];
	else if (p[i] == 0x80)
		return km_errf(err, KM_EDATA, "malformed TLV: tag %X has an "
		    "indefinite length", tag);
	else {
		k = p[i++] & 0x7F;
		if (k > 3)
			return km_errf(err, KM_EDATA, "malformed TLV: tag %X "
			    "has a length of %zu bytes", tag, k);
		if (k > n - i)
			return km_errf(err, KM_EDATA, "malformed TLV: the "
			    "length of tag %X runs past the end", tag);
		for (len = 0; k > 0; k--)
			len = len << 8 | p[i++];
	}
	if (len > n - i)
		return km_errf(err, KM_EDATA, "malformed TLV: tag %X claims "
		    "%zu byte%s where %zu %s left", tag, len, len == 1 ? "" :
		    "s", n - i, n - i == 1 ? "is" : "are");
	t->tag = tag;
	t->constructed = (p[0] & 0x20) != 0;
	t->len = len;
	t->val = p + i;
	*pp = p + i + len;
	*np = n - i - len;
	return 1;
}

int
km_tlv_find(const unsigned char *p, size_t n, unsigned tag,
    struct km_tlv *t, struct km_err *err)
{
	struct km_tlv cur;
	int rc, found = 0;

	/* The whole level is read, so that a malformed object anywhere in
	 * it is an error whether or not it comes after the one sought. */
	while ((rc = km_tlv_next(&p, &n, &cur, err)) == 1)
		if (cur.tag == tag && !found) {
			*t = cur;
			found = 1;
		}
	return rc == -1 ? -1 : found;
}
