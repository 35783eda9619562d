/*
 * t-ocsp.c -- the OCSP responder's side against the openssl command as
 * the client: requests made by `openssl ocsp -reqout` (SHA-1 and SHA-256
 * CertIDs, with and without a nonce) parsed and matched to the issuer,
 * responses (good, revoked with reasons, unknown, errors) checked by
 * `openssl ocsp -respin`, and hostile requests refused.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "km.h"
#include "tap.h"

#define T_NAME "t-ocsp"
#define T_OUTMAX 16384
#include "sh.h"

struct ent {
	struct km_key	*k;
	struct km_cert	*c;
	char		 serial[KM_SERIALSZ];
};

/* The contents of file name, malloc'd; NULL if it cannot be read. */
static unsigned char *
readfile(const char *name, size_t *n)
{
	unsigned char *b;
	FILE *fp;

	*n = 0;
	if ((fp = fopen(P(name), "r")) == NULL)
		return NULL;
	if ((b = malloc(1 << 20)) != NULL)
		*n = fread(b, 1, 1 << 20, fp);
	fclose(fp);
	return b;
}

/* Makes e: a key and a certificate named cn issued by is (NULL:
 * self-signed), written as PEM to file. */
static int
mkcert(struct ent *e, const char *cn, struct ent *is, int ca, unsigned ku,
    unsigned eku, int nocheck, const char *file)
{
	struct km_certreq r;
	struct km_err err;
	time_t now = time(NULL);
	char *pem;
	int rc;

	memset(&r, 0, sizeof(r));
	if (km_key_generate(&e->k, KM_KEY_EC256, &err) == -1)
		goto fail;
	r.key = e->k;
	r.subject[0].attr = "C";
	r.subject[0].value = "PL";
	r.subject[1].attr = "O";
	r.subject[1].value = "Miasto";
	r.subject[2].attr = "CN";
	r.subject[2].value = cn;
	r.nsubject = 3;
	r.seriallen = 16;
	r.not_before = now - 3600;
	r.not_after = now + 30 * 86400;
	r.ku = ku;
	r.eku = eku;
	r.ca = ca;
	r.pathlen = -1;
	r.ocsp_nocheck = nocheck;
	if (km_serial_random(r.serial, r.seriallen, e->serial, &err) == -1 ||
	    km_cert_make(&r, is != NULL ? is->k : e->k, is != NULL ? is->c :
	    NULL, &e->c, &err) == -1 || km_cert_pem(e->c, &pem, &err) == -1)
		goto fail;
	rc = writefile(file, pem, strlen(pem));
	free(pem);
	return rc;
fail:
	printf("# %s: %s\n", cn, err.msg);
	return -1;
}

static struct ent root, ca, rsp, leaf1, leaf2;

static int
setup(void)
{
	if (mkcert(&root, "Root CA", NULL, 1, KM_KU_KEY_CERT_SIGN |
	    KM_KU_CRL_SIGN, 0, 0, "root.pem") == -1 ||
	    mkcert(&ca, "Issuing CA", &root, 1, KM_KU_KEY_CERT_SIGN |
	    KM_KU_CRL_SIGN, 0, 0, "issuing.pem") == -1 ||
	    mkcert(&rsp, "OCSP", &ca, 0, KM_KU_DIGITAL_SIGNATURE,
	    KM_EKU_OCSP_SIGNING, 1, "responder.pem") == -1 ||
	    mkcert(&leaf1, "Jan Kowalski", &ca, 0, KM_KU_DIGITAL_SIGNATURE,
	    KM_EKU_CLIENT_AUTH, 0, "leaf.pem") == -1 ||
	    mkcert(&leaf2, "Anna Nowak", &ca, 0, KM_KU_DIGITAL_SIGNATURE,
	    KM_EKU_CLIENT_AUTH, 0, "leaf2.pem") == -1)
		return -1;
	return run("cat root.pem issuing.pem >chain.pem");
}

static struct km_ocsp_req *
parse(const char *file)
{
	struct km_ocsp_req *r = NULL;
	struct km_err e;
	unsigned char *b;
	size_t n;

	b = readfile(file, &n);
	if (b == NULL || km_ocsp_req_parse(&r, b, n, &e) == -1)
		printf("# %s: %s\n", file, b == NULL ? "unreadable" : e.msg);
	free(b);
	return r;
}

/* "serial=0A1B..." of `openssl x509 -serial` for file. */
static void
x509_serial(const char *file, char *buf, size_t sz)
{
	const char *o, *nl;

	buf[0] = '\0';
	if (run("openssl x509 -noout -serial -in %s", file) != 0)
		return;
	o = output();
	if (strncmp(o, "serial=", 7) != 0)
		return;
	o += 7;
	nl = strchr(o, '\n');
	snprintf(buf, sz, "%.*s", nl != NULL ? (int)(nl - o) : (int)strlen(o),
	    o);
}

static void
test_requests(void)
{
	struct km_ocsp_req *r;
	struct km_err e;
	char serial[KM_SERIALSZ], want1[64], want2[64];
	int ours;

	x509_serial("leaf.pem", want1, sizeof(want1));
	x509_serial("leaf2.pem", want2, sizeof(want2));
	is_str(want1, leaf1.serial, "openssl and km agree on leaf's serial");

	is(run("openssl ocsp -issuer issuing.pem -cert leaf.pem -cert "
	    "leaf2.pem -reqout req.der"), 0, "openssl ocsp -reqout (nonce)");
	if ((r = parse("req.der")) == NULL) {
		ok(0, "nonce request parses");
		return;
	}
	is(km_ocsp_req_count(r), 2, "two CertIDs");
	is(km_ocsp_req_id(r, 0, ca.c, serial, &ours, &e), 0, "id 0");
	is_str(serial, want1, "id 0: serial of leaf.pem");
	is(ours, 1, "id 0: ours (SHA-1)");
	is(km_ocsp_req_id(r, 1, ca.c, serial, &ours, &e), 0, "id 1");
	is_str(serial, want2, "id 1: serial of leaf2.pem");
	is(ours, 1, "id 1: ours");
	is(km_ocsp_req_id(r, 1, root.c, serial, &ours, &e), 0,
	    "id 1 against the root");
	is(ours, 0, "id 1: not the root's");
	is(km_ocsp_req_id(r, 2, ca.c, serial, &ours, &e), -1, "no id 2");
	is(e.eclass, KM_EUSAGE, "no id 2: KM_EUSAGE");
	km_ocsp_req_free(r);

	is(run("openssl ocsp -issuer issuing.pem -cert leaf.pem -no_nonce "
	    "-reqout req-nn.der"), 0, "openssl ocsp -reqout -no_nonce");
	r = parse("req-nn.der");
	ok(r != NULL && km_ocsp_req_count(r) == 1, "no-nonce request parses");
	if (r != NULL) {
		is(km_ocsp_req_id(r, 0, ca.c, serial, &ours, &e), 0,
		    "no-nonce id");
		ok(strcmp(serial, want1) == 0 && ours == 1,
		    "no-nonce: leaf, ours");
	}
	km_ocsp_req_free(r);

	is(run("openssl ocsp -issuer issuing.pem -sha256 -cert leaf.pem "
	    "-reqout req256.der"), 0, "openssl ocsp -reqout -sha256");
	is(run("openssl ocsp -reqin req256.der -req_text | "
	    "grep -q 'Hash Algorithm: sha256'"), 0, "the CertID is SHA-256");
	r = parse("req256.der");
	ok(r != NULL, "SHA-256 request parses");
	if (r != NULL) {
		is(km_ocsp_req_id(r, 0, ca.c, serial, &ours, &e), 0,
		    "SHA-256 id");
		is_str(serial, want1, "SHA-256: serial");
		is(ours, 1, "SHA-256: ours");
		is(km_ocsp_req_id(r, 0, root.c, serial, &ours, &e), 0,
		    "SHA-256 id against the root");
		is(ours, 0, "SHA-256: not the root's");
	}
	km_ocsp_req_free(r);

	is(run("openssl ocsp -issuer root.pem -cert leaf.pem -reqout "
	    "req-other.der"), 0, "a request naming another issuer");
	r = parse("req-other.der");
	ok(r != NULL, "other-issuer request parses");
	if (r != NULL) {
		is(km_ocsp_req_id(r, 0, ca.c, serial, &ours, &e), 0,
		    "other-issuer id");
		is_str(serial, want1, "other issuer: the serial asked");
		is(ours, 0, "other issuer: not ours");
	}
	km_ocsp_req_free(r);
}

/* Makes a response to request file reqfile with st into respfile. */
static int
respond(const char *reqfile, const struct km_ocsp_status *st, long next,
    const char *respfile)
{
	struct km_ocsp_req *r;
	struct km_err e;
	unsigned char *der;
	size_t len;
	int rc;

	if ((r = parse(reqfile)) == NULL)
		return -1;
	rc = km_ocsp_resp_make(r, st, rsp.k, rsp.c, time(NULL), next, &der,
	    &len, &e);
	km_ocsp_req_free(r);
	if (rc == -1) {
		printf("# %s\n", e.msg);
		return -1;
	}
	rc = writefile(respfile, der, len);
	free(der);
	return rc;
}

static int
has(const char *s)
{
	return strstr(output(), s) != NULL;
}

static void
test_responses(void)
{
	struct km_ocsp_status st[2];
	time_t revoked = time(NULL) - 86400;
	char when[64];

	memset(st, 0, sizeof(st));
	st[0].status = KM_OCSP_GOOD;
	st[1].status = KM_OCSP_GOOD;
	is(respond("req.der", st, 3600, "good.der"), 0, "good response");
	/*
	 * -cert makes a request of its own, with a nonce of its own: the
	 * statuses are looked up with -no_nonce, the nonce is checked
	 * against the request itself with -reqin.
	 */
	is(run("openssl ocsp -respin good.der -issuer issuing.pem -CAfile "
	    "chain.pem -no_nonce -cert leaf.pem -cert leaf2.pem"), 0,
	    "openssl ocsp accepts it");
	ok(has("leaf.pem: good"), "leaf.pem: good");
	ok(has("leaf2.pem: good"), "leaf2.pem: good");
	ok(has("Response verify OK"), "Response verify OK");
	ok(has("Next Update:"), "with nextUpdate");
	is(run("openssl ocsp -respin good.der -CAfile chain.pem -reqin "
	    "req.der"), 0, "openssl ocsp -reqin: the nonce");
	ok(has("Response verify OK") && !has("WARNING") &&
	    !has("Nonce Verify error"), "nonce copied");
	is(run("openssl ocsp -respin good.der -CAfile chain.pem -reqin "
	    "req256.der"), 1, "openssl ocsp -reqin: another nonce");
	ok(has("Nonce Verify error"), "another request's nonce differs");
	is(run("openssl ocsp -respin good.der -resp_text -noverify"), 0,
	    "openssl ocsp -resp_text");
	ok(has("Responder Id: ") && !has("Responder Id: C"),
	    "responder ID by key hash");
	ok(has("OCSP Nonce:"), "the nonce is there");
	ok(has("Signature Algorithm: ecdsa-with-SHA256"), "signed SHA-256");
	ok(has("CN=OCSP") || has("CN = OCSP"),
	    "responder certificate included");

	st[0].status = KM_OCSP_REVOKED;
	st[0].revoked_at = revoked;
	st[0].reason = KM_RS_KEY_COMPROMISE;
	is(respond("req-nn.der", st, 0, "revoked.der"), 0, "revoked response");
	is(run("openssl ocsp -respin revoked.der -issuer issuing.pem -CAfile "
	    "chain.pem -no_nonce -cert leaf.pem"), 0,
	    "openssl ocsp accepts it");
	ok(has("leaf.pem: revoked"), "leaf.pem: revoked");
	ok(has("Reason: keyCompromise"), "Reason: keyCompromise");
	strftime(when, sizeof(when), "Revocation Time: %b %e %H:%M:%S %Y GMT",
	    gmtime(&revoked));
	ok(has(when), "%s", when);
	ok(has("Response verify OK"), "revoked: Response verify OK");
	ok(!has("Next Update:"), "no nextUpdate with next 0");
	ok(!has("Nonce Verify error"), "no nonce asked, none given");

	st[0].reason = KM_RS_HOLD;
	is(respond("req256.der", st, 600, "hold.der"), 0, "on-hold response");
	is(run("openssl ocsp -respin hold.der -issuer issuing.pem -CAfile "
	    "chain.pem -no_nonce -sha256 -cert leaf.pem"), 0,
	    "openssl ocsp finds the SHA-256 CertID");
	ok(has("leaf.pem: revoked") && has("Reason: certificateHold"),
	    "revoked, Reason: certificateHold");

	st[0].reason = -1;
	is(respond("req-nn.der", st, 600, "noreason.der"), 0,
	    "revoked without a reason");
	is(run("openssl ocsp -respin noreason.der -issuer issuing.pem "
	    "-CAfile chain.pem -no_nonce -cert leaf.pem"), 0,
	    "openssl ocsp accepts it");
	ok(has("leaf.pem: revoked") && !has("Reason:"), "revoked, no reason");

	/* producedAt and thisUpdate are the caller's now. */
	{
		struct km_ocsp_req *r = parse("req-nn.der");
		struct km_err e;
		unsigned char *der = NULL;
		size_t len = 0;

		ok(r != NULL && km_ocsp_resp_make(r, st, rsp.k, rsp.c,
		    1767225600, 0, &der, &len, &e) == 0 &&
		    writefile("then.der", der, len) == 0,
		    "a response made at 2026-01-01T00:00:00Z");
		free(der);
		km_ocsp_req_free(r);
		run("openssl ocsp -respin then.der -resp_text -noverify");
		ok(has("Produced At: Jan  1 00:00:00 2026 GMT"),
		    "producedAt is now");
		ok(has("This Update: Jan  1 00:00:00 2026 GMT"),
		    "thisUpdate is now");
	}

	st[0].status = KM_OCSP_UNKNOWN;
	is(respond("req-nn.der", st, 600, "unknown.der"), 0,
	    "unknown response");
	is(run("openssl ocsp -respin unknown.der -issuer issuing.pem "
	    "-CAfile chain.pem -no_nonce -cert leaf.pem"), 0,
	    "openssl ocsp accepts it");
	ok(has("leaf.pem: unknown"), "leaf.pem: unknown");
	ok(has("Response verify OK"), "unknown: Response verify OK");

	/* Our responder's certificate is not the root's key. */
	is(run("openssl ocsp -respin unknown.der -issuer issuing.pem "
	    "-CAfile issuing.pem -no_nonce -cert leaf.pem"), 1,
	    "openssl ocsp: issuing.pem alone is no anchor");
}

static void
test_errors(void)
{
	static const unsigned char garbage[] = "GET / HTTP/1.0\r\n\r\n";
	struct km_ocsp_status st = { 42, 0, -1 };
	struct km_ocsp_req *r = NULL;
	struct km_err e;
	unsigned char *der, *b, *big;
	size_t len, n;

	is(km_ocsp_resp_error(KM_OCSP_MALFORMED, &der, &len, &e), 0,
	    "malformedRequest response");
	ok(der != NULL && writefile("err.der", der, len) == 0, "written");
	free(der);
	run("openssl ocsp -respin err.der -resp_text");
	ok(strstr(output(), "malformedrequest") != NULL ||
	    strstr(output(), "malformedRequest") != NULL,
	    "openssl ocsp shows malformedrequest");
	is(km_ocsp_resp_error(KM_OCSP_TRYLATER, &der, &len, &e), 0,
	    "tryLater response");
	ok(der != NULL && writefile("err.der", der, len) == 0, "written");
	free(der);
	run("openssl ocsp -respin err.der -resp_text");
	ok(strstr(output(), "trylater") != NULL ||
	    strstr(output(), "tryLater") != NULL,
	    "openssl ocsp shows trylater");
	is(km_ocsp_resp_error(0, &der, &len, &e), -1, "successful: no error");
	is(e.eclass, KM_EUSAGE, "successful: KM_EUSAGE");

	is(km_ocsp_req_parse(&r, garbage, sizeof(garbage) - 1, &e), -1,
	    "garbage refused");
	ok(r == NULL && e.eclass == KM_EDATA &&
	    strstr(e.msg, "malformed OCSP request") != NULL,
	    "garbage: KM_EDATA malformed OCSP request");
	is(km_ocsp_req_parse(&r, garbage, 0, &e), -1, "empty refused");
	b = readfile("req.der", &n);
	ok(b != NULL && n > 10, "req.der read");
	if (b != NULL && n > 10) {
		is(km_ocsp_req_parse(&r, b, n - 1, &e), -1,
		    "truncated refused");
		is(e.eclass, KM_EDATA, "truncated: KM_EDATA");
		b[n] = 0;
		is(km_ocsp_req_parse(&r, b, n + 1, &e), -1,
		    "trailing garbage refused");
		ok(e.eclass == KM_EDATA && strstr(e.msg, "after its end"),
		    "trailing garbage: %s", e.msg);
		b[1] ^= 0x40;
		is(km_ocsp_req_parse(&r, b, n, &e), -1, "bad length refused");
		b[1] ^= 0x40;
	}
	if ((big = calloc(1, 64 * 1024 + 1)) != NULL) {
		is(km_ocsp_req_parse(&r, big, 64 * 1024 + 1, &e), -1,
		    "over 64 KiB refused");
		free(big);
	}

	if (b != NULL && km_ocsp_req_parse(&r, b, n, &e) == 0) {
		struct km_ocsp_status two[2] = { { KM_OCSP_GOOD, 0, -1 },
		    { KM_OCSP_GOOD, 0, -1 } };

		is(km_ocsp_resp_make(r, two, leaf1.k, rsp.c, time(NULL), 0,
		    &der, &len, &e), -1, "another key than the responder's");
		is(e.eclass, KM_EDATA, "wrong key: KM_EDATA");
		two[1] = st;
		is(km_ocsp_resp_make(r, two, rsp.k, rsp.c, time(NULL), 0,
		    &der, &len, &e), -1, "status 42 refused");
		is(e.eclass, KM_EUSAGE, "status 42: KM_EUSAGE");
		two[1].status = KM_OCSP_REVOKED;
		two[1].reason = 7;
		is(km_ocsp_resp_make(r, two, rsp.k, rsp.c, time(NULL), 0,
		    &der, &len, &e), -1, "reason 7 refused");
		km_ocsp_req_free(r);
	}
	free(b);
}

int
main(void)
{
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	if (!ok(setup() == 0, "a CA, a responder, two leaves")) {
		run("true");
		return done();
	}
	test_requests();
	test_responses();
	test_errors();

	km_key_free(root.k);
	km_key_free(ca.k);
	km_key_free(rsp.k);
	km_key_free(leaf1.k);
	km_key_free(leaf2.k);
	km_cert_free(root.c);
	km_cert_free(ca.c);
	km_cert_free(rsp.c);
	km_cert_free(leaf1.c);
	km_cert_free(leaf2.c);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (getenv("T_KEEP") == NULL && system(cmd) != 0)
		printf("# cannot remove %s\n", dir);
	return done();
}
