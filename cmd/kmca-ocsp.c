/*
 * kmca-ocsp -- the OCSP responder (RFC 6960) the Unix way: one DER request
 * on stdin, the DER response on stdout, answered from the store, so that
 * it runs under inetd, or as a CGI program (-g) behind any web server.
 * See kmca-ocsp(1).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

#define REQ_MAX	(64 * 1024)

static const char synopsis[] = "[-g] [-c config]";

static int cgi;

/* Writes the response, with the CGI header in CGI mode. */
static void
send_resp(const unsigned char *der, size_t len)
{
	if (cgi)
		printf("Content-Type: application/ocsp-response\r\n"
		    "Content-Length: %zu\r\n\r\n", len);
	fwrite(der, 1, len, stdout);
}

/* Sends an unsuccessful response of status, if one can be made. */
static void
send_error(int status)
{
	unsigned char *der;
	size_t len;
	struct km_err e;

	if (km_ocsp_resp_error(status, &der, &len, &e) == 0) {
		send_resp(der, len);
		free(der);
	}
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * A GET request (RFC 6960 A.1): the URL-encoded base64 of the DER request
 * at the end of PATH_INFO.  Where it starts is not marked: base64 has
 * '/' of its own, which the web server may have decoded from %2F, and
 * PATH_INFO may begin with the responder's own path ("/ocsp/...").  So
 * each '/' is tried from the left, and the first rest that decodes to an
 * OCSP request is taken.
 */
static int
get_request(unsigned char **req, size_t *len, struct km_err *err)
{
	const char *pi = getenv("PATH_INFO"), *p, *start;
	struct km_ocsp_req *r;
	struct km_err e2;
	char *b64, *o;
	int hi, lo;

	if (pi == NULL || pi[0] != '/' || pi[1] == '\0')
		return km_errf(err, KM_EDATA, "malformed OCSP request: no "
		    "request in PATH_INFO");
	if (strlen(pi) > REQ_MAX * 2)
		return km_errf(err, KM_EDATA, "malformed OCSP request: longer "
		    "than %d KiB", REQ_MAX / 1024);
	if ((b64 = malloc(strlen(pi) + 1)) == NULL)
		return km_errf(err, KM_ESYS, "out of memory");
	for (start = pi; start != NULL; start = strchr(start + 1, '/')) {
		for (o = b64, p = start + 1; *p != '\0'; p++) {
			if (*p == '%' && (hi = hexval(p[1])) != -1 &&
			    (lo = hexval(p[2])) != -1) {
				*o++ = (char)(hi << 4 | lo);
				p += 2;
			} else
				*o++ = *p;
		}
		*o = '\0';
		if (km_b64_decode(b64, req, len, &e2) == -1)
			continue;
		if (km_ocsp_req_parse(&r, *req, *len, &e2) == 0) {
			km_ocsp_req_free(r);
			free(b64);
			return 0;
		}
		free(*req);
		*req = NULL;
	}
	free(b64);
	return km_errf(err, KM_EDATA, "malformed OCSP request: no base64 "
	    "OCSP request in PATH_INFO");
}

static int
read_request(unsigned char **req, size_t *len, struct km_err *err)
{
	const char *m = getenv("REQUEST_METHOD");
	const char *cl = getenv("CONTENT_LENGTH");
	unsigned char *b;
	char *end;
	long want = -1;
	size_t n;

	if (cgi && m != NULL && strcmp(m, "GET") == 0)
		return get_request(req, len, err);
	/* A CGI POST says how long its body is; the server need not close
	 * the pipe after it. */
	if (cgi && cl != NULL && *cl != '\0') {
		want = strtol(cl, &end, 10);
		if (*end != '\0' || want < 0 || want > REQ_MAX)
			return km_errf(err, KM_EDATA, "malformed OCSP request: "
			    "CONTENT_LENGTH '%.20s'", cl);
	}
	if ((b = malloc(REQ_MAX + 1)) == NULL)
		return km_errf(err, KM_ESYS, "out of memory");
	n = fread(b, 1, want >= 0 ? (size_t)want : REQ_MAX + 1, stdin);
	if (ferror(stdin)) {
		free(b);
		return km_errf(err, KM_ESYS, "read from stdin: %s",
		    strerror(errno));
	}
	if (n > REQ_MAX) {
		free(b);
		return km_errf(err, KM_EDATA, "malformed OCSP request: longer "
		    "than %d KiB", REQ_MAX / 1024);
	}
	*req = b;
	*len = n;
	return 0;
}

int
main(int argc, char *argv[])
{
	struct cli c;
	struct km_err e;
	struct km_ca *ca;
	unsigned char *req = NULL, *resp;
	size_t len = 0, rlen = 0;
	const char *cfgpath = NULL;
	int ch, rc;

	cli_init(argc, argv);
	while ((ch = getopt(argc, argv, "c:ghV")) != -1) {
		switch (ch) {
		case 'c':
			cfgpath = optarg;
			break;
		case 'g':
			cgi = 1;
			break;
		case 'h':
			cli_help(synopsis);
		case 'V':
			cli_version();
		default:
			cli_usage(synopsis);
		}
	}
	if (optind != argc)
		cli_usage(synopsis);

	cli_open(&c, cfgpath, KM_ROLE_DEVICE | KM_ROLE_ADMIN, KM_DB_RDONLY);
	if (read_request(&req, &len, &e) == -1) {
		send_error(e.eclass == KM_EDATA ? KM_OCSP_MALFORMED :
		    KM_OCSP_INTERNAL);
		cli_die(&c, &e);
	}
	if (km_ca_open(&ca, c.db, c.cfg, KM_CA_OCSP_KEY, &e) == -1) {
		free(req);
		send_error(e.eclass == KM_ETEMP ? KM_OCSP_TRYLATER :
		    KM_OCSP_INTERNAL);
		cli_die(&c, &e);
	}
	rc = km_ca_ocsp(ca, req, len, km_db_now(c.db), &resp, &rlen, &e);
	free(req);
	km_ca_free(ca);
	if (rc == -1) {
		send_error(e.eclass == KM_ETEMP ? KM_OCSP_TRYLATER :
		    KM_OCSP_INTERNAL);
		cli_die(&c, &e);
	}
	send_resp(resp, rlen);
	free(resp);
	if (rc == 1)
		cli_error(&e);
	return cli_close(&c, rc == 1 ? km_exitcode(e.eclass) : 0);
}
