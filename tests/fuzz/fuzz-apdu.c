/* fuzz-apdu -- libFuzzer harness for the host's APDU layer (lib/apdu.c),
 * the BER-TLV reader, and the km application client and chip reader
 * (lib/kmapp.c, lib/chip.c) over a fake card that answers from the fuzz
 * data.  The input is a header of 8 bytes that makes a command for
 * km_apdu_transmit() (flags, Lc, Le, CLA, the size of the answer buffer),
 * then the card's answers, each a 2-byte length and that many bytes: a
 * length beyond the transport's buffer is reported as it is (a lying
 * transport, which the APDU layer must catch), FFFF is a transport
 * failure, and the end of the input a card taken out.  The same answers
 * then feed SELECT, a whole km_chip_read() and a session; the whole input
 * is also read as BER-TLV.  Nothing may read or write out of bounds, and
 * every result must stay within what was asked. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "km.h"

int LLVMFuzzerTestOneInput(const unsigned char *, size_t);

struct fake {
	const unsigned char *p;
	size_t		 n;
	unsigned long	 sum;	/* of the commands' bytes: all are read */
};

static int
fake_transmit(void *ctx, const unsigned char *cmd, size_t cmdlen,
    unsigned char *rsp, size_t rspsz, size_t *rsplen, struct km_err *err)
{
	struct fake *f = ctx;
	size_t len, i, copy;

	if (cmdlen < 4 || cmdlen > KM_APDU_MAXCMD)
		abort();	/* the layer sent what it must not */
	for (i = 0; i < cmdlen; i++)
		f->sum += cmd[i];
	if (f->n < 2)
		return km_errf(err, KM_ETEMP, "card removed");
	len = (size_t)f->p[0] << 8 | f->p[1];
	f->p += 2;
	f->n -= 2;
	if (len == 0xFFFF)
		return km_errf(err, KM_ETEMP, "transport failure");
	copy = len;
	if (copy > f->n)
		copy = len = f->n;
	if (copy > rspsz)
		copy = rspsz;	/* and *rsplen says len: a lie */
	memcpy(rsp, f->p, copy);
	f->p += copy;
	f->n -= copy;
	*rsplen = len;
	return 0;
}

/* Reads objects at p, into constructed ones, depth levels down. */
static void
tlv_walk(const unsigned char *p, size_t n, int depth)
{
	struct km_tlv t, found;
	struct km_err e;
	const unsigned char *q = p;
	size_t left = n;

	while (km_tlv_next(&q, &left, &t, &e) == 1) {
		if (t.val < p || t.val + t.len > p + n)
			abort();
		if (t.constructed && depth > 0)
			tlv_walk(t.val, t.len, depth - 1);
		/* Found, since it was just read; unless something
		 * malformed follows on this level. */
		if (km_tlv_find(p, n, t.tag, &found, &e) == 0)
			abort();
	}
}

static void
transmit(const unsigned char *h, struct km_card_io *io)
{
	static unsigned char cmddata[1024], out[KM_APDU_MAXRSP];
	struct km_apdu a;
	struct km_err e;
	size_t datasz, got;
	unsigned sw;

	memset(&a, 0, sizeof(a));
	a.flags = h[0] & 7;
	a.lc = ((size_t)h[1] << 8 | h[2]) % (sizeof(cmddata) + 1);
	a.le = ((size_t)h[3] << 16 | (size_t)h[4] << 8 | h[5]) %
	    (KM_APDU_MAXLE + 1);
	a.cla = h[6];
	a.ins = 0xB0;
	a.data = a.lc > 0 ? cmddata : NULL;
	datasz = ((size_t)h[7] * 263) % (sizeof(out) + 1);
	memset(cmddata, 0xA5, sizeof(cmddata));
	if (km_apdu_transmit(io, &a, out, datasz, &got, &sw, &e) == 0 &&
	    (got > datasz || (a.le > 0 && got > a.le)))
		abort();
}

static void
kmapp(struct km_card_io *io)
{
	static const unsigned char key[KM_AES_KEYSZ];
	unsigned char rec[KM_KMAPP_RECMAX];
	struct km_kmapp *k;
	struct km_kmapp_fci fci;
	struct km_kmapp_open info;
	struct km_purse_op op;
	struct km_purse pu;
	struct km_chip chip;
	struct km_err e;
	uint32_t v;
	size_t n;

	if (km_chip_read(io, &chip, &e) == 0) {
		if (chip.uidlen != 4 && chip.uidlen != 7 && chip.uidlen != 10)
			abort();
		if (chip.nevents > KM_CHIP_NEVENTS)
			abort();
		for (n = 0; n < chip.nevents; n++)
			if (chip.eventlen[n] > sizeof(chip.event[n]))
				abort();
	}
	if (km_kmapp_new(&k, io, &e) == -1)
		return;
	if (km_kmapp_select(k, &fci, &e) == 0 && fci.uidlen != 4 &&
	    fci.uidlen != 7 && fci.uidlen != 10)
		abort();
	if (km_kmapp_read(k, KM_SFI_ENVIRONMENT, 1, rec, sizeof(rec), &n,
	    &e) == 0 && n > sizeof(rec))
		abort();
	(void)km_kmapp_purse_get(k, KM_PURSE_EMONEY, &pu, &e);
	if (km_kmapp_open(k, 1, key, &info, &e) == 0) {
		(void)km_kmapp_update(k, KM_SFI_ENVIRONMENT, 1, rec, 29, &e);
		(void)km_kmapp_increase(k, 1, 5, &v, &e);
		(void)km_kmapp_purse_credit(k, KM_PURSE_EMONEY, 100, &op, &e);
		(void)km_kmapp_close(k, 1, &e);
	}
	(void)km_kmapp_open_master(k, 3, key, &info, &e);
	(void)km_kmapp_abandon(k, &e);
	(void)km_kmapp_ratify(k, &e);
	km_kmapp_free(k);
}

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	struct fake f;
	struct km_card_io io = { fake_transmit, NULL, "Fuzz Reader 00" };

	tlv_walk(data, size, 4);
	if (size < 8)
		return 0;
	f.p = data + 8;
	f.n = size - 8;
	f.sum = 0;
	io.ctx = &f;
	transmit(data, &io);
	/* The answers left over drive the client, then all of them again. */
	kmapp(&io);
	f.p = data + 8;
	f.n = size - 8;
	kmapp(&io);
	return 0;
}
