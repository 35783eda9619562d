/* fuzz-ocsp -- libFuzzer harness for the OCSP request parser
 * (km_ocsp_req_parse, km_ocsp_req_id, lib/ocsp.c): every CertID of a
 * request that parses is matched against the issuer of the seed corpus
 * (tests/fuzz/corpus/ocsp, made by `openssl ocsp -reqout` against the
 * CA below) and against a second one, and a response is made and signed,
 * so that a hostile CertID or nonce reaches OpenSSL's responder side. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "km.h"

int LLVMFuzzerTestOneInput(const unsigned char *, size_t);

/* The issuer of the seed requests ("/C=PL/O=Miasto/CN=Fuzz CA"). */
static const char seedca[] =
    "-----BEGIN CERTIFICATE-----\n"
    "MIIByDCCAW2gAwIBAgIUbuolvKgai4F3iZrIZ/D8xJ63S0AwCgYIKoZIzj0EAwIw\n"
    "MDELMAkGA1UEBhMCUEwxDzANBgNVBAoMBk1pYXN0bzEQMA4GA1UEAwwHRnV6eiBD\n"
    "QTAgFw0yNjExMjgwMjAxMzdaGA8yMTI2MTEwNDAyMDEzN1owMDELMAkGA1UEBhMC\n"
    "UEwxDzANBgNVBAoMBk1pYXN0bzEQMA4GA1UEAwwHRnV6eiBDQTBZMBMGByqGSM49\n"
    "AgEGCCqGSM49AwEHA0IABD7pULpIKH5XJ7Fq5uYGLmDS1qnS8Tp91XhBNrbTomul\n"
    "xGO/jgFqU2wTB3eG8pb3XbVvwSpErRsJxtpL/XBIIayjYzBhMB0GA1UdDgQWBBQ9\n"
    "TBLuhVaPPKpQsQWMwo1QKPh1yjAfBgNVHSMEGDAWgBQ9TBLuhVaPPKpQsQWMwo1Q\n"
    "KPh1yjAPBgNVHRMBAf8EBTADAQH/MA4GA1UdDwEB/wQEAwIBBjAKBggqhkjOPQQD\n"
    "AgNJADBGAiEAmZBKqHEqc99lU3vw1H+h2BjtvExAPfiZUrfbqE0i5UECIQD+spzb\n"
    "3KHzR+5ZDGz2lNpbFxdzatoZrxQtFPFrCuWiDQ==\n"
    "-----END CERTIFICATE-----\n"
    ;

static struct km_cert *issuer, *rc;
static struct km_key *rk;

/* Parses the seed CA and makes a self-signed responder. */
static int
init(void)
{
	struct km_certreq r;
	struct km_err e;

	memset(&r, 0, sizeof(r));
	if (km_cert_parse(&issuer, (const unsigned char *)seedca,
	    sizeof(seedca) - 1, &e) == -1 ||
	    km_key_generate(&rk, KM_KEY_EC256, &e) == -1)
		goto fail;
	r.key = rk;
	r.subject[0].attr = "CN";
	r.subject[0].value = "Fuzz OCSP";
	r.nsubject = 1;
	r.serial[0] = 1;
	r.seriallen = 1;
	r.not_before = 0;
	r.not_after = 4102444800;	/* 2100 */
	r.ku = KM_KU_DIGITAL_SIGNATURE | KM_KU_KEY_CERT_SIGN;
	r.eku = KM_EKU_OCSP_SIGNING;
	r.ca = 1;
	r.pathlen = -1;
	if (km_cert_make(&r, rk, NULL, &rc, &e) == -1)
		goto fail;
	return 0;
fail:
	fprintf(stderr, "fuzz-ocsp: %s\n", e.msg);
	abort();
}

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	static struct km_ocsp_status st[2048];
	static int ready;
	struct km_ocsp_req *req;
	struct km_err e;
	char serial[KM_SERIALSZ];
	unsigned char *der;
	size_t i, n, len;
	int ours;

	if (!ready && init() == 0)
		ready = 1;
	if (km_ocsp_req_parse(&req, data, size, &e) == -1) {
		if (e.eclass != KM_EDATA)
			abort();
		return 0;
	}
	n = km_ocsp_req_count(req);
	if (n == 0)
		abort();	/* the parser refuses requests without CertIDs */
	for (i = 0; i < n; i++) {
		st[i % 2048].status = KM_OCSP_UNKNOWN;
		if (km_ocsp_req_id(req, i, issuer, serial, &ours, &e) == -1) {
			if (e.eclass != KM_EDATA)
				abort();
			continue;
		}
		if (strlen(serial) >= KM_SERIALSZ || strlen(serial) % 2 != 0)
			abort();
		if (ours)
			st[i % 2048] = (struct km_ocsp_status){ KM_OCSP_REVOKED,
			    0, KM_RS_HOLD };
		if (km_ocsp_req_id(req, i, rc, serial, &ours, &e) == 0 && ours)
			abort();	/* no request names the fuzz responder */
	}
	if (n <= 2048 && km_ocsp_resp_make(req, st, rk, rc, time(NULL), 60,
	    &der, &len, &e) == 0)
		free(der);
	km_ocsp_req_free(req);
	return 0;
}
