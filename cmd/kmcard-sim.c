/*
 * kmcard-sim -- a virtual km card in a virtual reader: makes blank card
 * files, and inserts one into vsmartcard's vpcd reader inside pcscd, so
 * that every km program reaches it through the real PC/SC stack.  See
 * kmcard-sim(1); the card itself is lib/vcard.c and lib/vcard-km.c.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static const char synopsis[] =
    "-n [-f] -u uid file\n"
    "[-v] [-H host] [-p port] [-x n] file";

static volatile sig_atomic_t stop;
static int verbose;

static void
onsignal(int sig)
{
	(void)sig;
	stop = 1;
}

static void
logmsg(void *arg, int level, const char *msg)
{
	(void)arg;
	if (level == KM_VPCD_WARN)
		fprintf(stderr, "%s: warning: %s\n", cli_progname(), msg);
	else if (level == KM_VPCD_INFO && verbose >= 1)
		fprintf(stderr, "%s: info: %s\n", cli_progname(), msg);
	else if (level == KM_VPCD_DEBUG && verbose >= 2)
		fprintf(stderr, "%s: debug: %s\n", cli_progname(), msg);
}

/* A decimal number from min to max, or a usage error naming opt. */
static unsigned long
number(const char *s, unsigned long min, unsigned long max, const char *opt)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (s[0] < '0' || s[0] > '9' || *end != '\0' || errno != 0 ||
	    v < min || v > max) {
		struct km_err e;

		km_errf(&e, KM_EUSAGE, "%s '%s': not a number from %lu to %lu",
		    opt, s, min, max);
		cli_die(NULL, &e);
	}
	return v;
}

static void
create(const char *path, const char *uidarg, int force)
{
	unsigned char uid[10];
	char hex[KM_UIDSZ];
	struct km_err e;
	size_t i, n;

	if (km_uid_check(uidarg, hex, &e) == -1) {
		km_errpre(&e, "-u '%s'", uidarg);
		e.eclass = KM_EUSAGE;
		cli_die(NULL, &e);
	}
	/* Checked: 8, 14 or 20 upper-case hex digits. */
	n = strlen(hex) / 2;
	for (i = 0; i < n; i++) {
		char byte[3] = { hex[2 * i], hex[2 * i + 1], '\0' };

		uid[i] = (unsigned char)strtoul(byte, NULL, 16);
	}
	if (km_vcard_create(path, uid, n, force, &e) == -1) {
		if (e.eclass == KM_EDATA && !force && access(path, F_OK) == 0)
			km_errf(&e, KM_EDATA, "card file '%s' exists "
			    "(overwrite with -f)", path);
		cli_die(NULL, &e);
	}
	if (verbose)
		fprintf(stderr, "%s: info: blank card %s written to '%s'\n",
		    cli_progname(), hex, path);
}

static int
insert(const char *path, const char *host, const char *port,
    unsigned long pull)
{
	static const int sigs[] = { SIGHUP, SIGINT, SIGTERM };
	struct km_vpcd_opt o;
	struct sigaction sa;
	struct km_vcard *vc;
	struct km_vpcd *v;
	enum km_vpcd_end end;
	struct km_err e;
	sigset_t block, waitmask;
	size_t i;

	/* The signals that stop the card wait their turn: they are let in
	 * only while it waits for the reader, never mid-exchange. */
	sigemptyset(&block);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaddset(&block, sigs[i]);
	sigprocmask(SIG_BLOCK, &block, &waitmask);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigdelset(&waitmask, sigs[i]);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = onsignal;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);

	if (km_vcard_open(&vc, path, KM_VCARD_LOCK, &e) == -1)
		cli_die(NULL, &e);
	if (km_vpcd_connect(&v, host, port, &e) == -1) {
		km_vcard_free(vc);
		cli_die(NULL, &e);
	}
	memset(&o, 0, sizeof(o));
	o.pull = pull;
	o.stop = &stop;
	o.waitmask = &waitmask;
	o.log = logmsg;
	if (verbose)
		fprintf(stderr, "%s: info: card '%s' inserted into vpcd "
		    "'%s:%s'\n", cli_progname(), path, host, port);
	if (km_vpcd_serve(v, vc, &o, &end, &e) == -1) {
		km_vpcd_close(v);
		km_vcard_free(vc);
		cli_die(NULL, &e);
	}
	km_vpcd_close(v);
	km_vcard_free(vc);
	if (verbose && end == KM_VPCD_STOPPED)
		fprintf(stderr, "%s: info: stopped: card removed\n",
		    cli_progname());
	return 0;
}

int
main(int argc, char *argv[])
{
	const char *host = KM_VPCD_HOST, *port = KM_VPCD_PORT, *uid = NULL;
	unsigned long pull = 0;
	int ch, make = 0, force = 0, served = 0;

	cli_init(argc, argv);
	while ((ch = getopt(argc, argv, "fH:hnp:u:Vvx:")) != -1) {
		switch (ch) {
		case 'f':
			force = 1;
			break;
		case 'H':
			host = optarg;
			served = 1;
			break;
		case 'h':
			cli_help(synopsis);
		case 'n':
			make = 1;
			break;
		case 'p':
			number(optarg, 1, 65535, "-p");
			port = optarg;
			served = 1;
			break;
		case 'u':
			uid = optarg;
			break;
		case 'V':
			cli_version();
		case 'v':
			verbose++;
			break;
		case 'x':
			pull = number(optarg, 1, 1000000000, "-x");
			served = 1;
			break;
		default:
			cli_usage(synopsis);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != 1 || argv[0][0] == '\0')
		cli_usage(synopsis);
	if (make) {
		if (uid == NULL || served)
			cli_usage(synopsis);
		create(argv[0], uid, force);
		return 0;
	}
	if (uid != NULL || force)
		cli_usage(synopsis);
	return insert(argv[0], host, port, pull);
}
