/*
 * t-chip.c -- the chip as the back office reads it (lib/chip.c): the
 * environment record's layout both ways and its malformed forms, reading
 * a blank, a personalised and an invalidated virtual card in process
 * (lib/vcard.c) through the seam, a card without the km application, and
 * where a chip and a card of the store disagree.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "km.h"
#include "tap.h"

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

/* A card that knows no application: 6A82 to everything. */
static int
nokm_transmit(void *ctx, const unsigned char *cmd, size_t cmdlen,
    unsigned char *rsp, size_t rspsz, size_t *rsplen, struct km_err *err)
{
	rsp[0] = 0x6A;
	rsp[1] = 0x82;
	*rsplen = 2;
	return 0;
}

static void
test_env(void)
{
	struct km_chip_env env, got;
	struct km_err e;
	unsigned char rec[KM_ENVSZ], bad[KM_ENVSZ];
	static const unsigned char want[13] = {
		0x01, 0x90, 0x01, 0x00, 0x10, 0x00, 0x00, 0x00, 0x16,
		0x01, 0x1C, 0x88, 0x07
	};
	size_t i;
	int zero = 1;

	memset(&env, 0, sizeof(env));
	memcpy(env.number, "9001001000000016", 17);
	env.type = KM_CARD_RESIDENT;
	/* 2029-12-31 is day 7304 = 0x1C88 since 2010-01-01 */
	env.end = km_time_civil(2029, 12, 31, 0, 0, 0);
	env.profile = 7;
	ok(km_chip_env_encode(&env, rec, &e) == 0, "env: encodes");
	is(rec[10] << 8 | rec[11], 7304, "env: 2029-12-31 is day 7304");
	ok(memcmp(rec, want, sizeof(want)) == 0, "env: version, BCD number, "
	    "type, date, profile");
	for (i = 13; i < KM_ENVSZ; i++)
		if (rec[i] != 0)
			zero = 0;
	ok(zero, "env: then zero bytes");
	is(km_chip_env_decode(rec, sizeof(rec), &got, &e), 1, "env: decodes");
	is_str(got.number, env.number, "env: number back");
	is(got.type, KM_CARD_RESIDENT, "env: type back");
	ok(got.end == env.end, "env: end date back");
	is(got.profile, 7, "env: profile back");

	/* A time within the day counts as the day. */
	env.end += 3600 * 23;
	ok(km_chip_env_encode(&env, bad, &e) == 0 &&
	    memcmp(bad, rec, KM_ENVSZ) == 0, "env: a time within the day");
	env.end = km_time_civil(2189, 6, 6, 0, 0, 0);
	ok(km_chip_env_encode(&env, bad, &e) == 0 && bad[10] == 0xFF &&
	    bad[11] == 0xFF, "env: 2189-06-06 is the last day");
	env.end = km_time_civil(2189, 6, 7, 0, 0, 0);
	ok(km_chip_env_encode(&env, bad, &e) == -1 && e.eclass == KM_EUSAGE,
	    "env: 2189-06-07 is out of range");
	env.end = km_time_civil(2009, 12, 31, 0, 0, 0);
	ok(km_chip_env_encode(&env, bad, &e) == -1, "env: before 2010");
	env.end = km_time_civil(2010, 1, 1, 0, 0, 0);
	ok(km_chip_env_encode(&env, bad, &e) == 0 && bad[10] == 0 &&
	    bad[11] == 0, "env: 2010-01-01 is day 0");
	env.type = 3;
	ok(km_chip_env_encode(&env, bad, &e) == -1, "env: no type 3");
	env.type = KM_CARD_TEMPORARY;
	env.profile = 256;
	ok(km_chip_env_encode(&env, bad, &e) == -1, "env: profile 256");
	env.profile = 0;
	memcpy(env.number, "900100100000001A", 17);
	ok(km_chip_env_encode(&env, bad, &e) == -1, "env: a number of "
	    "digits only");

	memset(bad, 0, sizeof(bad));
	is(km_chip_env_decode(bad, sizeof(bad), &got, &e), 0,
	    "env: zero bytes are no record");
	is(km_chip_env_decode(bad, 0, &got, &e), 0, "env: nor is nothing");
	memcpy(bad, rec, sizeof(bad));
	bad[0] = 0x02;
	ok(km_chip_env_decode(bad, sizeof(bad), &got, &e) == -1 &&
	    e.eclass == KM_EDATA, "env: version 02 is refused");
	is_str(e.msg, "environment record of version 02 (01 expected)",
	    "env: version message");
	memcpy(bad, rec, sizeof(bad));
	bad[4] = 0x1A;
	ok(km_chip_env_decode(bad, sizeof(bad), &got, &e) == -1,
	    "env: a nibble above 9 is not BCD");
	is_str(e.msg, "environment record: the card number is not BCD",
	    "env: BCD message");
	memcpy(bad, rec, sizeof(bad));
	bad[9] = 0x05;
	ok(km_chip_env_decode(bad, sizeof(bad), &got, &e) == -1,
	    "env: unknown type 05");
	ok(km_chip_env_decode(rec, 12, &got, &e) == -1,
	    "env: 12 bytes are too short");
	is(km_chip_env_decode(rec, 13, &got, &e), 1, "env: 13 bytes do");
}

static void
test_read(void)
{
	static const unsigned char uid[7] = {
		0x04, 0xA1, 0xB2, 0xC3, 0xD4, 0xE5, 0xF6
	};
	unsigned char zero[KM_AES_KEYSZ] = { 0 }, key[KM_AES_KEYSZ];
	unsigned char rec[KM_ENVSZ], event[5] = { 1, 2, 3, 4, 5 };
	struct km_card_io io = { vcard_transmit, NULL, "In process" };
	struct km_card_io nokm = { nokm_transmit, NULL, "Bank card" };
	struct km_chip chip;
	struct km_chip_env env;
	struct km_kmapp *k;
	struct km_purse_op op;
	struct km_vcard *vc;
	struct km_card card;
	struct km_err e;

	if (km_vcard_new(&vc, uid, sizeof(uid), &e) == -1) {
		ok(0, "vcard: %s", e.msg);
		return;
	}
	io.ctx = vc;
	ok(km_chip_read(&io, &chip, &e) == 0, "read: a blank card");
	is_str(chip.uidhex, "04A1B2C3D4E5F6", "read: the UID in hex");
	is(chip.uidlen, 7, "read: 7 bytes");
	is(chip.state, KM_KMAPP_BLANK, "read: blank");
	is(chip.hasenv, 0, "read: no environment record");
	is(chip.nevents, 3, "read: three event records");
	is(chip.eventlen[0], KM_ENVSZ, "read: of 29 bytes");
	ok(chip.purse[0].balance == 0 && chip.purse[1].counter == 0,
	    "read: empty purses");
	is_str(chip.reader, "", "read: no reader through the seam");

	/* Personalise it: environment, key 1, a credit and an event. */
	memset(&env, 0, sizeof(env));
	memcpy(env.number, "9001001000000016", 17);
	env.type = KM_CARD_RESIDENT;
	env.end = km_time_civil(2031, 11, 27, 0, 0, 0);
	memset(key, 0x11, sizeof(key));
	ok(km_chip_env_encode(&env, rec, &e) == 0 &&
	    km_kmapp_new(&k, &io, &e) == 0 &&
	    km_kmapp_select(k, NULL, &e) == 0 &&
	    km_kmapp_open(k, 1, zero, NULL, &e) == 0 &&
	    km_kmapp_update(k, KM_SFI_ENVIRONMENT, 1, rec, sizeof(rec),
	    &e) == 0 &&
	    km_kmapp_put_key(k, 4, key, &e) == 0 &&
	    km_kmapp_purse_limit(k, 1, 100000, &e) == 0 &&
	    km_kmapp_purse_credit(k, 1, 1250, &op, &e) == 0 &&
	    km_kmapp_append(k, KM_SFI_EVENTS, event, sizeof(event), &e) ==
	    0 && km_kmapp_put_key(k, 1, key, &e) == 0 &&
	    km_kmapp_close(k, 1, &e) == 0, "personalise: %s", "one session");
	ok(km_chip_read(&io, &chip, &e) == 0, "read: a personalised card");
	is(chip.state, KM_KMAPP_PERSONALISED, "read: personalised");
	is(chip.hasenv, 1, "read: an environment record");
	is_str(chip.env.number, "9001001000000016", "read: its number");
	ok(chip.env.end == env.end, "read: its end date");
	ok(chip.purse[0].balance == 1250 && chip.purse[0].counter == 1 &&
	    chip.purse[1].balance == 0, "read: the purses");
	ok(chip.eventlen[0] == KM_ENVSZ && chip.event[0][0] == 1 &&
	    chip.event[0][4] == 5 && chip.event[0][5] == 0,
	    "read: the newest event first");

	memset(&card, 0, sizeof(card));
	memcpy(card.number, "9001001000000016", 17);
	card.type = KM_CARD_RESIDENT;
	card.state = KM_ST_ACTIVE;
	is(km_chip_check(&chip, &card), 0, "check: agrees");
	is(km_chip_check(&chip, NULL), KM_CHIP_UNBOUND, "check: unbound");
	card.number[15] = '7';
	card.type = KM_CARD_TEMPORARY;
	is(km_chip_check(&chip, &card), KM_CHIP_NUMBER | KM_CHIP_TYPE,
	    "check: another number and type");
	memcpy(card.number, "9001001000000016", 17);
	card.type = KM_CARD_RESIDENT;
	card.state = KM_ST_SUSPENDED;
	is(km_chip_check(&chip, &card), 0, "check: suspended is no reason");
	card.state = KM_ST_BLOCKED;
	is(km_chip_check(&chip, &card), KM_CHIP_STATE, "check: blocked, not "
	    "invalidated");
	card.state = KM_ST_REVOKED;
	is(km_chip_check(&chip, &card), KM_CHIP_STATE, "check: revoked");
	card.state = KM_ST_REPLACED;
	is(km_chip_check(&chip, &card), KM_CHIP_STATE, "check: replaced");
	card.state = KM_ST_EXPIRED;
	card.state_at = chip.env.end - 86400;
	is(km_chip_check(&chip, &card), KM_CHIP_STATE, "check: expired before "
	    "the chip's end date, not invalidated");
	card.state_at = chip.env.end;
	is(km_chip_check(&chip, &card), 0, "check: expired at the chip's end "
	    "date: its date stops it");
	card.state_at = chip.env.end - 86400;

	/* Invalidate it. */
	ok(km_kmapp_select(k, NULL, &e) == 0 &&
	    km_kmapp_open(k, 1, key, NULL, &e) == 0 &&
	    km_kmapp_invalidate(k, &e) == 0 && km_kmapp_close(k, 1, &e) == 0,
	    "invalidate: %s", "one session");
	ok(km_chip_read(&io, &chip, &e) == 0 &&
	    chip.state == KM_KMAPP_INVALIDATED, "read: an invalidated card");
	is(km_chip_check(&chip, &card), 0, "check: expired and invalidated");
	km_kmapp_free(k);

	ok(km_chip_read(&nokm, &chip, &e) == -1 && e.eclass == KM_ENOTFOUND,
	    "read: a card without the km application is a negative answer");
	is_str(e.msg, "the card in reader 'Bank card' has no km application",
	    "read: naming the reader");
	nokm.name = NULL;
	ok(km_chip_read(&nokm, &chip, &e) == -1, "read: without a name");
	is_str(e.msg, "the card has no km application", "read: the card");

	is_str(km_chip_mismatch_name(KM_CHIP_TYPE), "type", "names: type");
	ok(km_chip_mismatch_name(3) == NULL, "names: one bit at a time");
	is_str(km_chip_state_name(KM_KMAPP_INVALIDATED), "invalidated",
	    "names: invalidated");
	km_vcard_free(vc);
}

int
main(void)
{
	test_env();
	test_read();
	return done();
}
