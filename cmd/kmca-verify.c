/*
 * kmca-verify -- verifies a document's detached CMS signature or a signed
 * S/MIME message against the city CA, checks the signer's certificate in
 * the store, and tells whose card and holder signed.  See kmca-verify(1).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static const char synopsis[] =
    "[-jt] [-c config] file signature\n"
    "[-jt] [-c config] -m [message]";

#define ALL_ROLES (KM_ROLE_CLERK | KM_ROLE_HELPDESK | KM_ROLE_ADMIN | \
	KM_ROLE_CRON | KM_ROLE_DEVICE | KM_ROLE_AUDITOR)

static FILE *
open_in(struct cli *c, const char *path)
{
	struct km_err e;
	FILE *fp;

	if (strcmp(path, "-") == 0)
		return stdin;
	if ((fp = fopen(path, "rb")) == NULL) {
		km_errf(&e, KM_EDATA, "cannot read '%s': %s", path,
		    strerror(errno));
		cli_die(c, &e);
	}
	return fp;
}

/* PEM if the file starts with "-----BEGIN", else DER; rewinds. */
static enum km_cms_form
sniff(FILE *fp)
{
	char buf[10];
	size_t n;

	n = fread(buf, 1, sizeof(buf), fp);
	rewind(fp);
	return n == sizeof(buf) && memcmp(buf, "-----BEGIN", 10) == 0 ?
	    KM_CMS_PEM : KM_CMS_DER;
}

int
main(int argc, char *argv[])
{
	struct cli c;
	struct km_err e;
	struct km_ca *ca;
	struct km_signer s;
	enum km_outfmt fmt = KM_OUT_HUMAN;
	enum km_cms_form form;
	const char *cfgpath = NULL;
	char buf[KM_TIME_BUFSZ], name[2 * KM_NAMESZ + 2];
	FILE *sig, *data = NULL;
	int ch, mime = 0, rc;

	cli_init(argc, argv);
	while ((ch = getopt(argc, argv, "c:hjmtV")) != -1) {
		switch (ch) {
		case 'c':
			cfgpath = optarg;
			break;
		case 'h':
			cli_help(synopsis);
		case 'j':
			fmt = KM_OUT_JSON;
			break;
		case 'm':
			mime = 1;
			break;
		case 't':
			fmt = KM_OUT_TSV;
			break;
		case 'V':
			cli_version();
		default:
			cli_usage(synopsis);
		}
	}
	argc -= optind;
	argv += optind;
	if ((mime && argc > 1) || (!mime && argc != 2))
		cli_usage(synopsis);

	cli_open(&c, cfgpath, ALL_ROLES, KM_DB_RDONLY);
	km_out_init(&c.out, stdout, fmt);
	if (mime) {
		sig = open_in(&c, argc > 0 ? argv[0] : "-");
		form = KM_CMS_SMIME;
	} else {
		data = open_in(&c, argv[0]);
		sig = open_in(&c, argv[1]);
		form = sniff(sig);
	}
	if (km_ca_open(&ca, c.db, c.cfg, 0, &e) == -1)
		cli_die(&c, &e);
	rc = km_ca_verify(ca, sig, data, form, &s, &e);
	km_ca_free(ca);
	if (sig != stdin)
		fclose(sig);
	if (data != NULL && data != stdin)
		fclose(data);
	if (rc == -1)
		cli_die(&c, &e);
	if (s.cert.serial[0] != '\0') {
		km_out_begin(&c.out);
		km_out_bool(&c.out, "valid", rc == 0);
		km_out_str(&c.out, "serial", s.cert.serial);
		km_out_str(&c.out, "status", !s.known ? "unknown" :
		    s.st.status == KM_OCSP_GOOD ? "good" : s.st.hold ? "hold" :
		    "revoked");
		km_out_str(&c.out, "reason", s.known &&
		    s.st.status != KM_OCSP_GOOD ? km_reason_name(s.st.reason) :
		    NULL);
		km_out_str(&c.out, "profile", s.known ? s.st.profile : NULL);
		km_out_str(&c.out, "card", s.st.card_id ? s.card.number : NULL);
		km_out_str(&c.out, "card_state", s.st.card_id ?
		    km_state_name(s.card.state) : NULL);
		snprintf(name, sizeof(name), "%s %s", s.holder.first_name,
		    s.holder.surname);
		km_out_str(&c.out, "holder", s.st.card_id ? name : NULL);
		km_out_str(&c.out, "company", s.st.card_id &&
		    s.holder.company[0] ? s.holder.company : NULL);
		km_out_str(&c.out, "email", s.cert.email[0] ? s.cert.email :
		    NULL);
		km_out_str(&c.out, "not_after", km_time_iso(s.cert.not_after,
		    buf));
		km_out_str(&c.out, "subject", s.cert.subject);
		km_out_end(&c.out);
	}
	if (rc == 1)
		cli_error(&e);
	return cli_close(&c, rc == 1 ? km_exitcode(KM_ENOTFOUND) : 0);
}
