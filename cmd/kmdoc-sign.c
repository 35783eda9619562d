/*
 * kmdoc-sign -- signs a document as a detached CMS signature (CAdES-BES),
 * or an e-mail message as S/MIME, with a key in a file or in the HSM and
 * its certificate from the city CA.  See kmdoc-sign(1).
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static const char synopsis[] =
    "[-a] [-c config] -k key -C cert [-o output] [file]\n"
    "[-c config] -m -k key -C cert [-o output] [message]";

int
main(int argc, char *argv[])
{
	struct cli c;
	struct km_err e;
	enum km_cms_form form = KM_CMS_DER;
	const char *cfgpath = NULL, *key = NULL, *cert = NULL, *output = NULL;
	char serial[KM_SERIALSZ], sha[65], tmp[4096];
	FILE *in = stdin, *out = stdout;
	int ch, mime = 0, armour = 0, fd = -1;

	cli_init(argc, argv);
	while ((ch = getopt(argc, argv, "aC:c:hk:mo:V")) != -1) {
		switch (ch) {
		case 'a':
			armour = 1;
			break;
		case 'C':
			cert = optarg;
			break;
		case 'c':
			cfgpath = optarg;
			break;
		case 'h':
			cli_help(synopsis);
		case 'k':
			key = optarg;
			break;
		case 'm':
			mime = 1;
			break;
		case 'o':
			output = optarg;
			break;
		case 'V':
			cli_version();
		default:
			cli_usage(synopsis);
		}
	}
	argc -= optind;
	argv += optind;
	if (key == NULL || cert == NULL || argc > 1 || (mime && armour))
		cli_usage(synopsis);
	form = mime ? KM_CMS_SMIME : armour ? KM_CMS_PEM : KM_CMS_DER;

	cli_open(&c, cfgpath, KM_ROLE_CLERK | KM_ROLE_ADMIN, KM_DB_RDWR);
	if (argc == 1 && strcmp(argv[0], "-") != 0 &&
	    (in = fopen(argv[0], "rb")) == NULL) {
		km_errf(&e, KM_EDATA, "cannot read '%s': %s", argv[0],
		    strerror(errno));
		cli_die(&c, &e);
	}
	/* The output takes its name only once all is signed and stored. */
	if (output != NULL) {
		snprintf(tmp, sizeof(tmp), "%s.XXXXXX", output);
		if ((fd = mkstemp(tmp)) == -1 || fchmod(fd, 0644) == -1 ||
		    (out = fdopen(fd, "wb")) == NULL) {
			km_errf(&e, KM_EDATA, "cannot write '%s': %s", output,
			    strerror(errno));
			cli_die(&c, &e);
		}
	}
	if (km_db_begin(c.db, &e) == -1)
		goto fail;
	if (km_doc_sign(c.db, c.cfg, key, cert, in, out, form, serial, sha,
	    &e) == -1) {
		km_db_rollback(c.db);
		goto fail;
	}
	if (output != NULL && (fflush(out) == EOF || fsync(fd) == -1 ||
	    fclose(out) == EOF)) {
		out = NULL;
		km_db_rollback(c.db);
		km_errf(&e, KM_ESYS, "cannot write '%s': %s", output,
		    strerror(errno));
		goto fail;
	}
	if (output != NULL)
		out = NULL;
	if (km_db_commit(c.db, &e) == -1)
		goto fail;
	if (output != NULL && rename(tmp, output) == -1) {
		km_errf(&e, KM_ESYS, "cannot write '%s': %s", output,
		    strerror(errno));
		goto fail;
	}
	if (in != stdin)
		fclose(in);
	return cli_close(&c, 0);
fail:
	if (output != NULL) {
		if (out != NULL)
			fclose(out);
		unlink(tmp);
	}
	cli_die(&c, &e);
}
