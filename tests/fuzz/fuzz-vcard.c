/* fuzz-vcard -- libFuzzer harness for the virtual card (lib/vcard.c,
 * lib/vcard-km.c): km_vcard_apdu() on a card held in memory, fed a
 * sequence of steps split from the fuzz data.  The first byte chooses the
 * card: bit 01 personalised (keys 1 to 4 known to the harness, purse
 * limits set), bit 02 then invalidated, bit 04 an environment record.
 * Then each step is an opcode byte, a length byte and that many bytes:
 *
 *	0-3	the bytes as a command APDU, sent to the card as they are
 *	4	a reset (power off and on, or the card taken out)
 *	5	SELECT and OPEN SECURE SESSION through the km application
 *		client, at level 1 + byte 0 % 3, with the card's key
 *	6	a write through the client, chosen by byte 0, its parameters
 *		from the bytes after it
 *	7	CLOSE SECURE SESSION through the client (byte 0 bit 01:
 *		ratify), or abandon (bit 02), or RATIFY (bit 04)
 *
 * so that the session commands are reached, and committed with a good
 * MAC, while raw commands may come between and break the session.  Every
 * answer must be 2 to 258 bytes, and only 9000 and 6283 carry data. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "km.h"

int LLVMFuzzerTestOneInput(const unsigned char *, size_t);

static const unsigned char uid[7] = {
	0x04, 0xF0, 0x22, 0x33, 0x44, 0x55, 0x66
};
static unsigned char keys[5][KM_AES_KEYSZ];	/* [0]: the transport key */

static void
check(const unsigned char *r, size_t n)
{
	unsigned sw;

	if (n < 2 || n > KM_VCARD_RESPMAX)
		abort();
	sw = (unsigned)r[n - 2] << 8 | r[n - 1];
	if (n > 2 && sw != 0x9000 && sw != 0x6283)
		abort();
}

static int
vtransmit(void *ctx, const unsigned char *cmd, size_t cmdlen,
    unsigned char *rsp, size_t rspsz, size_t *rsplen, struct km_err *err)
{
	unsigned char r[KM_VCARD_RESPMAX];
	size_t n = 0;

	if (km_vcard_apdu(ctx, cmd, cmdlen, r, &n, err) == -1)
		return -1;
	check(r, n);
	if (n > rspsz)
		abort();
	memcpy(rsp, r, n);
	*rsplen = n;
	return 0;
}

static uint32_t
be(const unsigned char *p, size_t n, size_t i, int len)
{
	uint32_t v = 0;
	int j;

	for (j = 0; j < len; j++)
		v = v << 8 | (i + (size_t)j < n ? p[i + (size_t)j] : 0);
	return v;
}

/* Step 6: one write through the client. */
static void
write_step(struct km_kmapp *k, const unsigned char *p, size_t n)
{
	static const int sfis[] = {
		KM_SFI_ENVIRONMENT, KM_SFI_EVENTS, KM_SFI_CONTRACTS,
		KM_SFI_COUNTERS, 0x1E
	};
	struct km_purse_op op;
	struct km_purse pu;
	struct km_err e;
	unsigned char buf[KM_KMAPP_RECMAX];
	uint32_t v;
	size_t len;
	int sfi, rec;

	if (n == 0)
		return;
	sfi = sfis[be(p, n, 1, 1) % 5];
	rec = (int)(be(p, n, 2, 1) % 5) + 1;
	len = n > 3 ? n - 3 : 0;
	switch (p[0] % 12) {
	case 0:
		if (len > 0)
			(void)km_kmapp_update(k, sfi, rec, p + 3, len, &e);
		break;
	case 1:
		if (len > 0)
			(void)km_kmapp_append(k, sfi, p + 3, len, &e);
		break;
	case 2:
		(void)km_kmapp_increase(k, rec, be(p, n, 3, 3), &v, &e);
		break;
	case 3:
		(void)km_kmapp_decrease(k, rec, be(p, n, 3, 3), &v, &e);
		break;
	case 4:
		(void)km_kmapp_purse_credit(k, 1 + (rec & 1),
		    (int32_t)(be(p, n, 3, 3) + 1), &op, &e);
		break;
	case 5:
		(void)km_kmapp_purse_debit(k, 1 + (rec & 1),
		    (int32_t)(be(p, n, 3, 3) + 1), &op, &e);
		break;
	case 6:
		(void)km_kmapp_purse_limit(k, 1 + (rec & 1),
		    (int32_t)(be(p, n, 3, 4) & 0x7FFFFFFF), &e);
		break;
	case 7:
		(void)km_kmapp_put_key(k, rec, keys[rec % 5], &e);
		break;
	case 8:
		(void)km_kmapp_invalidate(k, &e);
		break;
	case 9:
		(void)km_kmapp_rehabilitate(k, &e);
		break;
	case 10:
		(void)km_kmapp_read(k, sfi, rec, buf, sizeof(buf), &len, &e);
		break;
	default:
		(void)km_kmapp_purse_get(k, 1 + (rec & 1), &pu, &e);
		break;
	}
}

/* The card as byte 0 asks; 0 or -1. */
static int
prepare(struct km_kmapp *k, unsigned how)
{
	unsigned char env[KM_ENVSZ];
	struct km_chip_env ce;
	struct km_err e;
	int i;

	if (!(how & 1))
		return 0;
	if (km_kmapp_select(k, NULL, &e) == -1 ||
	    km_kmapp_open(k, 1, keys[0], NULL, &e) == -1)
		return -1;
	for (i = 4; i >= 1; i--)
		if (km_kmapp_put_key(k, i, keys[i], &e) == -1)
			return -1;
	if (km_kmapp_purse_limit(k, 1, 100000, &e) == -1 ||
	    km_kmapp_purse_limit(k, 2, 5000, &e) == -1)
		return -1;
	if (how & 4) {
		memset(&ce, 0, sizeof(ce));
		memcpy(ce.number, "9001001000000016", 17);
		ce.type = KM_CARD_RESIDENT;
		ce.end = km_time_civil(2031, 11, 27, 0, 0, 0);
		if (km_chip_env_encode(&ce, env, &e) == -1 ||
		    km_kmapp_update(k, KM_SFI_ENVIRONMENT, 1, env, sizeof(env),
		    &e) == -1)
			return -1;
	}
	if (km_kmapp_close(k, 1, &e) == -1)
		return -1;
	if (how & 2)
		if (km_kmapp_open(k, 3, keys[3], NULL, &e) == -1 ||
		    km_kmapp_invalidate(k, &e) == -1 ||
		    km_kmapp_close(k, 1, &e) == -1)
			return -1;
	return 0;
}

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	struct km_card_io io = { vtransmit, NULL, "Fuzz" };
	struct km_vcard *vc;
	struct km_kmapp *k;
	struct km_err e;
	unsigned char r[KM_VCARD_RESPMAX];
	char text[KM_VCARD_TEXTMAX];
	size_t i, n, len;
	int op, level;

	if (keys[1][0] == 0)
		for (i = 1; i < 5; i++)
			memset(keys[i], (int)(0x10 * i + 1), KM_AES_KEYSZ);
	if (size < 1 || km_vcard_new(&vc, uid, sizeof(uid), &e) == -1)
		return 0;
	io.ctx = vc;
	if (km_kmapp_new(&k, &io, &e) == -1) {
		km_vcard_free(vc);
		return 0;
	}
	if (prepare(k, data[0]) == -1)
		abort();	/* the card refused a good personalisation */
	for (i = 1; i + 2 <= size; i += 2 + len) {
		op = data[i] % 8;
		len = data[i + 1];
		if (len > size - i - 2)
			len = size - i - 2;
		switch (op) {
		case 4:
			km_vcard_reset(vc);
			break;
		case 5:
			level = len > 0 ? 1 + data[i + 2] % 3 : 1;
			if (km_kmapp_select(k, NULL, &e) == 0)
				(void)km_kmapp_open(k, level, keys[level], NULL,
				    &e);
			break;
		case 6:
			write_step(k, data + i + 2, len);
			break;
		case 7:
			if (len > 0 && (data[i + 2] & 2))
				(void)km_kmapp_abandon(k, &e);
			else if (len > 0 && (data[i + 2] & 4))
				(void)km_kmapp_ratify(k, &e);
			else
				(void)km_kmapp_close(k, len > 0 &&
				    (data[i + 2] & 1), &e);
			break;
		default:
			n = 0;
			(void)km_vcard_apdu(vc, data + i + 2, len, r, &n, &e);
			check(r, n);
			break;
		}
	}
	if (km_vcard_text(vc, text) >= KM_VCARD_TEXTMAX)
		abort();
	km_kmapp_free(k);
	km_vcard_free(vc);
	return 0;
}
