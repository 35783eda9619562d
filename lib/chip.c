/*
 * chip.c -- the chip of a card as the back office sees it: what the km
 * application of kmcard-apdu(7) tells anybody, without a key and outside
 * any session (its state and UID from SELECT, the environment record, the
 * event records, both purses), the layout of the environment record that
 * the host defines and the card only stores, and where the chip and the
 * store disagree.  The card's answers are untrusted: every record is
 * checked before it is believed, and a record that makes no sense is a
 * KM_EDATA error, never a guess.  It reaches the card through kmapp.c, so
 * over any struct km_card_io; km_chip_read_reader() adds the PC/SC side:
 * choosing the reader, and one transaction around the reading, so that no
 * other program's commands come between ours.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "km-internal.h"

#define ENV_VERSION	0x01
#define ENV_MINLEN	13	/* version, number, type, end, profile */
#define DAY		86400

/* 2010-01-01T00:00:00Z, the day the end date counts from. */
static time_t
env_epoch(void)
{
	return km_time_civil(2010, 1, 1, 0, 0, 0);
}

static int
type_valid(int t)
{
	return t == KM_CARD_RESIDENT || t == KM_CARD_ENTREPRENEUR ||
	    t == KM_CARD_TEMPORARY;
}

int
km_chip_env_encode(const struct km_chip_env *env,
    unsigned char rec[KM_ENVSZ], struct km_err *err)
{
	long long days;
	int i;

	memset(rec, 0, KM_ENVSZ);
	if (!km_isdigits(env->number, KM_CARDNO_LEN))
		return km_errf(err, KM_EUSAGE, "environment record: the card "
		    "number must be %d digits", KM_CARDNO_LEN);
	if (!type_valid(env->type))
		return km_errf(err, KM_EUSAGE, "environment record: no card "
		    "type %d", env->type);
	if (env->end < env_epoch())
		return km_errf(err, KM_EUSAGE, "environment record: end date "
		    "before 2010-01-01");
	days = (long long)(env->end - env_epoch()) / DAY;
	if (days > 0xFFFF)
		return km_errf(err, KM_EUSAGE, "environment record: end date "
		    "after 2189-06-06");
	if (env->profile < 0 || env->profile > 255)
		return km_errf(err, KM_EUSAGE, "environment record: profile "
		    "%d out of range (0 to 255)", env->profile);
	rec[0] = ENV_VERSION;
	for (i = 0; i < KM_CARDNO_LEN / 2; i++)
		rec[1 + i] = (unsigned char)((env->number[2 * i] - '0') << 4 |
		    (env->number[2 * i + 1] - '0'));
	rec[9] = (unsigned char)env->type;
	rec[10] = (unsigned char)(days >> 8);
	rec[11] = (unsigned char)(days & 0xFF);
	rec[12] = (unsigned char)env->profile;
	return 0;
}

int
km_chip_env_decode(const unsigned char *rec, size_t len,
    struct km_chip_env *env, struct km_err *err)
{
	size_t i;
	unsigned hi, lo;

	memset(env, 0, sizeof(*env));
	for (i = 0; i < len; i++)
		if (rec[i] != 0)
			break;
	if (i == len)
		return 0;
	if (len < ENV_MINLEN)
		return km_errf(err, KM_EDATA, "environment record of %zu "
		    "bytes (at least %d)", len, ENV_MINLEN);
	if (rec[0] != ENV_VERSION)
		return km_errf(err, KM_EDATA, "environment record of version "
		    "%02X (%02X expected)", rec[0], ENV_VERSION);
	for (i = 0; i < KM_CARDNO_LEN / 2; i++) {
		hi = rec[1 + i] >> 4;
		lo = rec[1 + i] & 0x0F;
		if (hi > 9 || lo > 9)
			return km_errf(err, KM_EDATA, "environment record: "
			    "the card number is not BCD");
		env->number[2 * i] = (char)('0' + hi);
		env->number[2 * i + 1] = (char)('0' + lo);
	}
	env->number[KM_CARDNO_LEN] = '\0';
	if (!type_valid(rec[9]))
		return km_errf(err, KM_EDATA, "environment record: unknown "
		    "card type %02X", rec[9]);
	env->type = rec[9];
	env->end = env_epoch() + (time_t)((unsigned)rec[10] << 8 | rec[11]) *
	    DAY;
	env->profile = rec[12];
	return 1;
}

/* Puts "reader 'NAME': " before err's message unless it names the reader
 * already; returns -1. */
static int
name_reader(const struct km_card_io *io, struct km_err *err)
{
	char q[KM_READERSZ + 3];

	if (io->name == NULL || err == NULL)
		return -1;
	snprintf(q, sizeof(q), "'%s'", io->name);
	if (strstr(err->msg, q) != NULL)
		return -1;
	return km_errpre(err, "reader '%s'", io->name);
}

static int
read_chip(struct km_kmapp *k, const struct km_card_io *io,
    struct km_chip *chip, struct km_err *err)
{
	struct km_kmapp_fci fci;
	unsigned char rec[KM_KMAPP_RECMAX];
	size_t n, i;
	int rc, p;

	if (km_kmapp_select(k, &fci, err) == -1) {
		if (km_kmapp_sw(k) == 0x6A82) {
			if (io->name != NULL)
				return km_errf(err, KM_ENOTFOUND, "the card in "
				    "reader '%s' has no km application",
				    io->name);
			return km_errf(err, KM_ENOTFOUND, "the card has no km "
			    "application");
		}
		return -1;
	}
	memcpy(chip->uid, fci.uid, fci.uidlen);
	chip->uidlen = fci.uidlen;
	for (i = 0; i < fci.uidlen; i++)
		snprintf(chip->uidhex + 2 * i, 3, "%02X", fci.uid[i]);
	chip->state = fci.state;

	if (km_kmapp_read(k, KM_SFI_ENVIRONMENT, 1, rec, sizeof(rec), &n,
	    err) == -1)
		return -1;
	if ((rc = km_chip_env_decode(rec, n, &chip->env, err)) == -1)
		return -1;
	chip->hasenv = rc;

	for (i = 0; i < KM_CHIP_NEVENTS; i++) {
		if (km_kmapp_read(k, KM_SFI_EVENTS, (int)i + 1,
		    chip->event[i], sizeof(chip->event[i]), &n, err) == -1) {
			/* A file of fewer records ends here. */
			if (km_kmapp_sw(k) == 0x6A83 && i > 0)
				break;
			return -1;
		}
		chip->eventlen[i] = n;
		chip->nevents++;
	}

	for (p = KM_PURSE_EMONEY; p <= KM_PURSE_POINTS; p++)
		if (km_kmapp_purse_get(k, p, &chip->purse[p - 1], err) == -1)
			return -1;
	return 0;
}

int
km_chip_read(const struct km_card_io *io, struct km_chip *chip,
    struct km_err *err)
{
	struct km_kmapp *k;
	int rc;

	memset(chip, 0, sizeof(*chip));
	if (km_kmapp_new(&k, io, err) == -1)
		return -1;
	rc = read_chip(k, io, chip, err);
	km_kmapp_free(k);
	if (rc == -1)
		return name_reader(io, err);
	return 0;
}

/*
 * The error for no card in any reader: "no card in reader 'NAME'" when
 * there is one, else the readers' names, as many as the message holds.
 */
static int
no_card(struct km_pcsc *p, struct km_err *err)
{
	struct km_reader *rs;
	char names[256];
	size_t n, i, len = 0;
	int w;

	if (km_pcsc_readers(p, &rs, &n, err) == -1)
		return -1;
	if (n == 1) {
		km_errf(err, KM_ETEMP, "no card in reader '%s'", rs[0].name);
		free(rs);
		return -1;
	}
	names[0] = '\0';
	for (i = 0; i < n; i++) {
		w = snprintf(names + len, sizeof(names) - len, "%s'%s'",
		    i > 0 ? ", " : "", rs[i].name);
		if (w < 0 || (size_t)w >= sizeof(names) - len - 5) {
			snprintf(names + len, sizeof(names) - len, ", ...");
			break;
		}
		len += (size_t)w;
	}
	free(rs);
	return km_errf(err, KM_ETEMP, "no card in any reader: %s", names);
}

int
km_chip_read_reader(const char *reader, struct km_chip *chip,
    struct km_err *err)
{
	struct km_pcsc *p = NULL;
	struct km_pcsc_card *c = NULL;
	struct km_card_io io;
	struct km_reader r;
	int rc = -1;

	memset(chip, 0, sizeof(*chip));
	if (km_pcsc_open(&p, err) == -1)
		return -1;
	if (reader == NULL) {
		switch (km_pcsc_wait(p, NULL, 1, 0, &r, err)) {
		case -1:
			goto out;
		case 0:
			no_card(p, err);
			goto out;
		default:
			reader = r.name;
			break;
		}
	}
	if (km_pcsc_connect(p, reader, &c, err) == -1 ||
	    km_pcsc_begin(c, err) == -1)
		goto out;
	km_pcsc_io(c, &io);
	rc = km_chip_read(&io, chip, err);
	/* What was read stands, whatever becomes of the card now. */
	(void)km_pcsc_end(c, 0, NULL);
	if (rc == 0)
		km_strlcpy(chip->reader, km_pcsc_card_reader(c),
		    sizeof(chip->reader));
out:
	km_pcsc_disconnect(c, 0);
	km_pcsc_close(p);
	return rc;
}

unsigned
km_chip_check(const struct km_chip *chip, const struct km_card *card)
{
	unsigned m = 0;

	if (card == NULL)
		return KM_CHIP_UNBOUND;
	if (chip->hasenv && strcmp(chip->env.number, card->number) != 0)
		m |= KM_CHIP_NUMBER;
	switch (card->state) {
	case KM_ST_EXPIRED:
		/* At the end of its validity the chip's own date stops it;
		 * ended before that date (a temporary card whose replacement
		 * was collected), the chip must be invalidated. */
		if (chip->hasenv && chip->env.end <= card->state_at)
			break;
		/* FALLTHROUGH */
	case KM_ST_BLOCKED:
	case KM_ST_REVOKED:
	case KM_ST_REPLACED:
		if (chip->state != KM_KMAPP_INVALIDATED)
			m |= KM_CHIP_STATE;
		break;
	default:
		break;
	}
	if (chip->hasenv && chip->env.type != card->type)
		m |= KM_CHIP_TYPE;
	return m;
}

const char *
km_chip_mismatch_name(unsigned bit)
{
	switch (bit) {
	case KM_CHIP_UNBOUND:
		return "unbound";
	case KM_CHIP_NUMBER:
		return "number";
	case KM_CHIP_STATE:
		return "state";
	case KM_CHIP_TYPE:
		return "type";
	default:
		return NULL;
	}
}

const char *
km_chip_state_name(int state)
{
	switch (state) {
	case KM_KMAPP_BLANK:
		return "blank";
	case KM_KMAPP_PERSONALISED:
		return "personalised";
	case KM_KMAPP_INVALIDATED:
		return "invalidated";
	default:
		return NULL;
	}
}
