/*
 * kmchip -- the test driver of the chip through the real PC/SC stack:
 * the km application's sessions (lib/kmapp.c) run over lib/pcsc.c on the
 * card in a reader, one subcommand each, for tests/bats/kmcard-sim-pcsc.bats
 * and for `make bench`.  It is built with the programs but not installed:
 * it is not a tool for the scheme's staff, and it reads master keys from a
 * plain file.
 *
 *   kmchip [-r reader] perso keys         personalise a blank card
 *   kmchip [-r reader] load keys purse amount
 *   kmchip [-r reader] debit keys purse amount
 *   kmchip [-r reader] session keys       the multi-write session
 *   kmchip [-r reader] state              what the card holds
 *   kmchip [-r reader] bench keys n       APDUs per second, session times
 *   kmchip verify keys uid purse op counter amount balance mac
 *   kmchip counters last counter ...
 *
 * keys is a file of 4 lines, the scheme's master keys 1 to 4, each 32 hex
 * digits.  Output is tab-separated, key first where there is one.  Exit
 * status as in km(7): 0 done, 1 a certificate that does not verify or
 * counters with a replay or a gap, 2 usage, 3 bad data, 4 no card or
 * pcscd, or the card taken out, 5 system failure.
 *
 * The sessions, command by command (kmcard-sim -x counts these):
 *
 *   perso    SELECT, OPEN 1 (transport key), PUT KEY 1-4, PURSE LIMIT 1
 *            and 2, UPDATE RECORD environment, CLOSE ratified
 *   load     SELECT, OPEN 2, PURSE CREDIT, APPEND RECORD event, CLOSE
 *            ratified
 *   debit    SELECT, OPEN 3, PURSE DEBIT, APPEND RECORD event, CLOSE,
 *            RATIFY
 *   session  SELECT, OPEN 1, UPDATE RECORD contract 1, INCREASE counter 1,
 *            APPEND RECORD event, PURSE DEBIT 10 from purse 1, CLOSE,
 *            RATIFY
 *   state    SELECT, OPEN 1 and CLOSE without data (nothing is written:
 *            only to learn the ratification and the session count), PURSE
 *            GET 1 and 2, READ RECORD environment, events 1-3, contracts
 *            1-4, counters
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

static const char synopsis[] =
    "[-r reader] perso keys\n"
    "[-r reader] load keys purse amount\n"
    "[-r reader] debit keys purse amount\n"
    "[-r reader] session keys\n"
    "[-r reader] state\n"
    "[-r reader] bench keys n\n"
    "verify keys uid purse op counter amount balance mac\n"
    "counters last counter ...";

#define NKEYS		4
#define PURSE1_LIMIT	100000		/* 1,000.00 zł */
#define PURSE2_LIMIT	10000		/* points */
#define SESSION_DEBIT	10		/* grosze, in the session */

static unsigned char master[NKEYS + 1][KM_AES_KEYSZ];	/* [1] to [4] */

/* The card in the reader, connected in one transaction. */
struct chip {
	struct km_pcsc		*p;
	struct km_pcsc_card	*card;
	struct km_card_io	 io;
	struct km_kmapp		*k;
	struct km_kmapp_fci	 fci;
};

static void
wipe_keys(void)
{
	km_wipe(master, sizeof(master));
}

static void __dead
die(const struct km_err *e)
{
	wipe_keys();
	cli_die(NULL, e);
}

static void __dead usage_err(const char *, ...) KM_PRINTF(1, 2);
static void __dead
usage_err(const char *fmt, ...)
{
	struct km_err e;
	va_list ap;

	va_start(ap, fmt);
	km_verrf(&e, KM_EUSAGE, fmt, ap);
	va_end(ap);
	die(&e);
}

/* Hex digits (no separators) into exactly n bytes; 0, or -1. */
static int
unhex(const char *s, unsigned char *b, size_t n)
{
	size_t i;
	unsigned v;

	if (strlen(s) != 2 * n)
		return -1;
	for (i = 0; i < n; i++) {
		if (sscanf(s + 2 * i, "%2x", &v) != 1 ||
		    strchr("0123456789abcdefABCDEF", s[2 * i]) == NULL ||
		    strchr("0123456789abcdefABCDEF", s[2 * i + 1]) == NULL)
			return -1;
		b[i] = (unsigned char)v;
	}
	return 0;
}

static void
hexout(FILE *fp, const unsigned char *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		fprintf(fp, "%02X", b[i]);
}

/* A decimal number from min to max, or a usage error naming what. */
static long long
number(const char *s, long long min, long long max, const char *what)
{
	long long v;
	char *end;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (end == s || *end != '\0' || errno != 0 || v < min || v > max) {
		struct km_err e;

		km_errf(&e, KM_EUSAGE, "%s '%s': not a number from %lld to "
		    "%lld", what, s, min, max);
		die(&e);
	}
	return v;
}

/* Reads the 4 master keys, one line of 32 hex digits each. */
static void
load_keys(const char *path)
{
	struct km_err e;
	FILE *fp;
	char line[128], *s;
	size_t len;
	int n = 0, lineno = 0;

	if ((fp = fopen(path, "r")) == NULL) {
		km_errf(&e, errno == ENOENT ? KM_EDATA : KM_ESYS,
		    "cannot open key file '%s': %s", path, strerror(errno));
		die(&e);
	}
	while (fgets(line, sizeof(line), fp) != NULL) {
		lineno++;
		len = strlen(line);
		while (len > 0 && (line[len - 1] == '\n' ||
		    line[len - 1] == '\r' || line[len - 1] == ' '))
			line[--len] = '\0';
		for (s = line; *s == ' ' || *s == '\t'; s++)
			;
		if (*s == '\0' || *s == '#')
			continue;
		if (n == NKEYS || unhex(s, master[n + 1], KM_AES_KEYSZ) == -1) {
			fclose(fp);
			km_wipe(line, sizeof(line));
			km_errf(&e, KM_EDATA, "%s:%d: %s", path, lineno,
			    n == NKEYS ? "more than 4 keys" :
			    "not a key of 32 hex digits");
			die(&e);
		}
		n++;
	}
	km_wipe(line, sizeof(line));
	if (ferror(fp)) {
		fclose(fp);
		km_errf(&e, KM_ESYS, "cannot read key file '%s'", path);
		die(&e);
	}
	fclose(fp);
	if (n != NKEYS) {
		km_errf(&e, KM_EDATA, "%s: %d keys (4 wanted)", path, n);
		die(&e);
	}
}

static void
chip_close(struct chip *c, int reset)
{
	km_kmapp_free(c->k);
	km_pcsc_disconnect(c->card, reset);
	km_pcsc_close(c->p);
	memset(c, 0, sizeof(*c));
}

/* Closes what is open (resetting the card, which drops any session) and
 * dies with e. */
static void __dead
chip_die(struct chip *c, const struct km_err *e)
{
	chip_close(c, 1);
	die(e);
}

/* Connects to the card in reader (NULL: the first with a card), in one
 * transaction, and selects the km application. */
static void
chip_open(struct chip *c, const char *reader)
{
	struct km_err e;

	memset(c, 0, sizeof(*c));
	if (km_pcsc_open(&c->p, &e) == -1 ||
	    km_pcsc_connect(c->p, reader, &c->card, &e) == -1)
		chip_die(c, &e);
	km_pcsc_io(c->card, &c->io);
	if (km_pcsc_begin(c->card, &e) == -1 ||
	    km_kmapp_new(&c->k, &c->io, &e) == -1 ||
	    km_kmapp_select(c->k, &c->fci, &e) == -1)
		chip_die(c, &e);
}

static void
chip_done(struct chip *c)
{
	struct km_err e;

	if (km_pcsc_end(c->card, 0, &e) == -1)
		chip_die(c, &e);
	chip_close(c, 0);
}

static void
put_be(unsigned char *p, uint32_t v, int n)
{
	int i;

	for (i = n - 1; i >= 0; i--, v >>= 8)
		p[i] = (unsigned char)(v & 0xff);
}

/* An event record: type, purse, amount, balance and counter after. */
static void
event(unsigned char rec[29], int type, int purse, int32_t amount,
    const struct km_purse_op *op)
{
	memset(rec, 0, 29);
	rec[0] = (unsigned char)type;
	rec[1] = (unsigned char)purse;
	put_be(rec + 2, (uint32_t)amount, 4);
	put_be(rec + 6, (uint32_t)op->balance, 4);
	put_be(rec + 10, op->counter, 2);
}

static void
print_op(const struct km_purse_op *op, int ratified)
{
	printf("%ld\t%u\t", (long)op->balance, op->counter);
	hexout(stdout, op->mac, KM_MACSZ);
	if (ratified >= 0)
		printf("\t%d", ratified);
	putchar('\n');
}

static void
perso(struct chip *c)
{
	/* Environment record: version 01, card number 9001 0000 0000 0017
	 * in BCD, resident (01), end 2031-12-31 (8034 days after
	 * 2010-01-01), profile 00. */
	static const unsigned char env[] = {
		0x01, 0x90, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x17, 0x01,
		0x1F, 0x62, 0x00
	};
	unsigned char zero[KM_AES_KEYSZ] = { 0 }, key[KM_AES_KEYSZ];
	struct km_err e;
	int n;

	if (c->fci.state != KM_KMAPP_BLANK) {
		km_errf(&e, KM_EDATA, "the card is not blank");
		chip_die(c, &e);
	}
	if (km_kmapp_open(c->k, 1, zero, NULL, &e) == -1)
		chip_die(c, &e);
	for (n = 1; n <= NKEYS; n++) {
		if (km_diversify(master[n], c->fci.uid, c->fci.uidlen, n, key,
		    &e) == -1 || km_kmapp_put_key(c->k, n, key, &e) == -1) {
			km_wipe(key, sizeof(key));
			chip_die(c, &e);
		}
	}
	km_wipe(key, sizeof(key));
	if (km_kmapp_purse_limit(c->k, KM_PURSE_EMONEY, PURSE1_LIMIT, &e) ==
	    -1 || km_kmapp_purse_limit(c->k, KM_PURSE_POINTS, PURSE2_LIMIT,
	    &e) == -1 || km_kmapp_update(c->k, KM_SFI_ENVIRONMENT, 1, env,
	    sizeof(env), &e) == -1 || km_kmapp_close(c->k, 1, &e) == -1)
		chip_die(c, &e);
	fputs("uid\t", stdout);
	hexout(stdout, c->fci.uid, c->fci.uidlen);
	putchar('\n');
}

static void
load(struct chip *c, int purse, int32_t amount)
{
	unsigned char rec[29];
	struct km_purse_op op;
	struct km_err e;

	if (km_kmapp_open_master(c->k, 2, master[2], NULL, &e) == -1 ||
	    km_kmapp_purse_credit(c->k, purse, amount, &op, &e) == -1)
		chip_die(c, &e);
	event(rec, 'L', purse, amount, &op);
	if (km_kmapp_append(c->k, KM_SFI_EVENTS, rec, sizeof(rec), &e) ==
	    -1 || km_kmapp_close(c->k, 1, &e) == -1)
		chip_die(c, &e);
	print_op(&op, -1);
}

/* A validator's debit: OPEN 3, DEBIT, event, CLOSE, RATIFY.  *prev gets
 * the previous session's ratification as OPEN tells it. */
static int
debit_session(struct chip *c, int purse, int32_t amount,
    struct km_purse_op *op, int *prev, struct km_err *e)
{
	struct km_kmapp_open info;
	unsigned char rec[29];

	if (km_kmapp_open_master(c->k, 3, master[3], &info, e) == -1 ||
	    km_kmapp_purse_debit(c->k, purse, amount, op, e) == -1)
		return -1;
	event(rec, 'D', purse, amount, op);
	if (km_kmapp_append(c->k, KM_SFI_EVENTS, rec, sizeof(rec), e) == -1 ||
	    km_kmapp_close(c->k, 0, e) == -1 || km_kmapp_ratify(c->k, e) == -1)
		return -1;
	*prev = info.ratified;
	return 0;
}

static void
debit(struct chip *c, int purse, int32_t amount)
{
	struct km_purse_op op;
	struct km_err e;
	int prev;

	if (debit_session(c, purse, amount, &op, &prev, &e) == -1)
		chip_die(c, &e);
	print_op(&op, prev);
}

static void
session(struct chip *c)
{
	struct km_kmapp_open info;
	struct km_purse_op op;
	struct km_err e;
	unsigned char contract[29] = { 'C', 0x01 }, rec[29];
	uint32_t count;

	if (km_kmapp_open_master(c->k, 1, master[1], &info, &e) == -1)
		chip_die(c, &e);
	put_be(contract + 2, info.sessions, 4);
	if (km_kmapp_update(c->k, KM_SFI_CONTRACTS, 1, contract,
	    sizeof(contract), &e) == -1 ||
	    km_kmapp_increase(c->k, 1, 1, &count, &e) == -1)
		chip_die(c, &e);
	memset(rec, 0, sizeof(rec));
	rec[0] = 'S';
	put_be(rec + 1, count, 3);
	if (km_kmapp_append(c->k, KM_SFI_EVENTS, rec, sizeof(rec), &e) ==
	    -1 || km_kmapp_purse_debit(c->k, KM_PURSE_EMONEY, SESSION_DEBIT,
	    &op, &e) == -1 || km_kmapp_close(c->k, 0, &e) == -1 ||
	    km_kmapp_ratify(c->k, &e) == -1)
		chip_die(c, &e);
	print_op(&op, info.ratified);
}

static void
record(struct chip *c, const char *name, int sfi, int rec)
{
	unsigned char buf[KM_KMAPP_RECMAX];
	struct km_err e;
	size_t n;

	if (km_kmapp_read(c->k, sfi, rec, buf, sizeof(buf), &n, &e) == -1)
		chip_die(c, &e);
	printf("%s\t", name);
	hexout(stdout, buf, n);
	putchar('\n');
}

static void
state(struct chip *c)
{
	static const char *names[] = { "blank", "personalised", "invalidated" };
	unsigned char zero[KM_AES_KEYSZ] = { 0 };
	struct km_kmapp_open info;
	struct km_purse pu;
	struct km_err e;
	char name[16];
	int i;

	/* OPEN tells the ratification; the host need not know the key for
	 * that, and the session is abandoned unwritten. */
	if (km_kmapp_open(c->k, 1, zero, &info, &e) == -1 ||
	    km_kmapp_abandon(c->k, &e) == -1)
		chip_die(c, &e);
	fputs("uid\t", stdout);
	hexout(stdout, c->fci.uid, c->fci.uidlen);
	printf("\nstate\t%s\n", names[c->fci.state]);
	printf("ratified\t%d\nsessions\t%lu\n", info.ratified,
	    (unsigned long)info.sessions);
	for (i = 1; i <= 2; i++) {
		if (km_kmapp_purse_get(c->k, i, &pu, &e) == -1)
			chip_die(c, &e);
		printf("purse%d\t%ld\t%u\t%ld\n", i, (long)pu.balance,
		    pu.counter, (long)pu.limit);
	}
	record(c, "environment", KM_SFI_ENVIRONMENT, 1);
	for (i = 1; i <= 3; i++) {
		snprintf(name, sizeof(name), "event%d", i);
		record(c, name, KM_SFI_EVENTS, i);
	}
	for (i = 1; i <= 4; i++) {
		snprintf(name, sizeof(name), "contract%d", i);
		record(c, name, KM_SFI_CONTRACTS, i);
	}
	record(c, "counters", KM_SFI_COUNTERS, 1);
}

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* n PURSE GETs, then n debit sessions of 1 grosz (each from SELECT to
 * RATIFY, as a validator runs it), timed. */
static void
bench(struct chip *c, long n)
{
	struct km_purse pu;
	struct km_purse_op op;
	struct km_err e;
	double t0, t1, *ms;
	long i;
	int prev;

	if (km_kmapp_purse_get(c->k, KM_PURSE_EMONEY, &pu, &e) == -1)
		chip_die(c, &e);
	if (pu.balance < n) {
		km_errf(&e, KM_EDATA, "purse 1 holds %ld, less than the %ld "
		    "debits of 1 need", (long)pu.balance, n);
		chip_die(c, &e);
	}
	if ((ms = calloc((size_t)n, sizeof(*ms))) == NULL) {
		km_errf(&e, KM_ESYS, "out of memory");
		chip_die(c, &e);
	}
	t0 = now_ms();
	for (i = 0; i < n; i++)
		if (km_kmapp_purse_get(c->k, KM_PURSE_EMONEY, &pu, &e) == -1) {
			free(ms);
			chip_die(c, &e);
		}
	t1 = now_ms();
	printf("apdu_per_s\t%.0f\n", (double)n / ((t1 - t0) / 1e3));
	for (i = 0; i < n; i++) {
		t0 = now_ms();
		if (km_kmapp_select(c->k, NULL, &e) == -1 ||
		    debit_session(c, KM_PURSE_EMONEY, 1, &op, &prev, &e) ==
		    -1) {
			free(ms);
			chip_die(c, &e);
		}
		ms[i] = now_ms() - t0;
	}
	qsort(ms, (size_t)n, sizeof(*ms), cmp_double);
	printf("session_ms_median\t%.2f\n", n % 2 ? ms[n / 2] :
	    (ms[n / 2 - 1] + ms[n / 2]) / 2);
	/* The nearest-rank 99th percentile. */
	printf("session_ms_p99\t%.2f\n", ms[(99 * n + 99) / 100 - 1]);
	free(ms);
}

static int
verify(char *argv[])
{
	unsigned char uid[KM_UIDMAX], mac[KM_MACSZ];
	char hex[KM_UIDSZ];
	struct km_err e;
	size_t uidlen;
	int purse, op, rc;

	load_keys(argv[0]);
	if (km_uid_check(argv[1], hex, &e) == -1) {
		km_errpre(&e, "uid '%s'", argv[1]);
		e.eclass = KM_EUSAGE;
		die(&e);
	}
	uidlen = strlen(hex) / 2;
	if (unhex(hex, uid, uidlen) == -1)
		usage_err("uid '%s': not hex", argv[1]);
	purse = (int)number(argv[2], 1, 2, "purse");
	if (strcmp(argv[3], "C") == 0 || strcmp(argv[3], "credit") == 0)
		op = KM_PURSE_CREDIT;
	else if (strcmp(argv[3], "D") == 0 || strcmp(argv[3], "debit") == 0)
		op = KM_PURSE_DEBIT;
	else
		usage_err("op '%s': neither C (credit) nor D (debit)",
		    argv[3]);
	if (unhex(argv[7], mac, sizeof(mac)) == -1)
		usage_err("mac '%s': not 16 hex digits", argv[7]);
	rc = km_purse_verify(master[4], uid, uidlen, purse, op,
	    (unsigned)number(argv[4], 0, 65535, "counter"),
	    (int32_t)number(argv[5], INT32_MIN, INT32_MAX, "amount"),
	    (int32_t)number(argv[6], INT32_MIN, INT32_MAX, "balance"), mac,
	    &e);
	wipe_keys();
	if (rc == -1) {
		cli_error(&e);
		return km_exitcode(KM_ENOTFOUND);
	}
	return 0;
}

static int
counters(int argc, char *argv[])
{
	unsigned *v;
	unsigned last;
	struct km_err e;
	size_t replays, gaps;
	int i, rc;

	last = (unsigned)number(argv[0], 0, 65535, "last");
	if ((v = calloc((size_t)argc, sizeof(*v))) == NULL) {
		km_errf(&e, KM_ESYS, "out of memory");
		die(&e);
	}
	for (i = 1; i < argc; i++)
		v[i - 1] = (unsigned)number(argv[i], 1, 65535, "counter");
	rc = km_purse_counters_check(v, (size_t)argc - 1, last, &replays,
	    &gaps, &e);
	free(v);
	if (rc == -1)
		die(&e);
	printf("replays\t%zu\ngaps\t%zu\n", replays, gaps);
	if (rc == 1) {
		cli_error(&e);
		return km_exitcode(KM_ENOTFOUND);
	}
	return 0;
}

enum sub { PERSO, LOAD, DEBIT, SESSION, STATE, BENCH, VERIFY, COUNTERS };

int
main(int argc, char *argv[])
{
	static const struct {
		const char	*name;
		enum sub	 sub;
		int		 nargs;	/* operands after the name; -1: 2 or more */
	} subs[] = {
		{ "perso", PERSO, 1 }, { "load", LOAD, 3 }, { "debit", DEBIT, 3 },
		{ "session", SESSION, 1 }, { "state", STATE, 0 },
		{ "bench", BENCH, 2 }, { "verify", VERIFY, 8 },
		{ "counters", COUNTERS, -1 }
	};
	struct chip c;
	struct km_err e;
	const char *reader = NULL;
	enum sub sub;
	size_t i;
	int ch, purse = 0;
	int32_t amount = 0;
	long n = 1;

	cli_init(argc, argv);
	while ((ch = getopt(argc, argv, "hr:V")) != -1) {
		switch (ch) {
		case 'h':
			cli_help(synopsis);
		case 'r':
			reader = optarg;
			break;
		case 'V':
			cli_version();
		default:
			cli_usage(synopsis);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		cli_usage(synopsis);
	for (i = 0; i < sizeof(subs) / sizeof(subs[0]); i++)
		if (strcmp(argv[0], subs[i].name) == 0)
			break;
	argc--;
	argv++;
	if (i == sizeof(subs) / sizeof(subs[0]) ||
	    (subs[i].nargs >= 0 && argc != subs[i].nargs) ||
	    (subs[i].nargs < 0 && argc < 2))
		cli_usage(synopsis);
	sub = subs[i].sub;
	if (reader != NULL && *reader == '\0')
		usage_err("-r '%s': no reader named", reader);

	switch (sub) {
	case VERIFY:
		return verify(argv);
	case COUNTERS:
		return counters(argc, argv);
	case LOAD:
	case DEBIT:
		purse = (int)number(argv[1], 1, 2, "purse");
		amount = (int32_t)number(argv[2], 1, 1000000, "amount");
		break;
	case BENCH:
		n = (long)number(argv[1], 1, 1000000, "n");
		break;
	default:
		break;
	}
	if (sub != STATE)
		load_keys(argv[0]);

	chip_open(&c, reader);
	switch (sub) {
	case PERSO:
		perso(&c);
		break;
	case LOAD:
		load(&c, purse, amount);
		break;
	case DEBIT:
		debit(&c, purse, amount);
		break;
	case SESSION:
		session(&c);
		break;
	case STATE:
		state(&c);
		break;
	default:
		bench(&c, n);
		break;
	}
	chip_done(&c);
	wipe_keys();
	if (fflush(stdout) == EOF || ferror(stdout)) {
		km_errf(&e, KM_ESYS, "write to stdout: %s", strerror(errno));
		cli_die(NULL, &e);
	}
	return 0;
}
