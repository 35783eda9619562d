/*
 * ocsp.c -- the responder's side of OCSP (RFC 6960): requests parsed,
 * their CertIDs matched against an issuer, responses built and signed.
 * Requests come from the network, so this module is the one place that
 * bounds them (size, no trailing bytes, at least one CertID) before any
 * other code looks at them; what a certificate's status is stays with the
 * caller, which knows the store.  A CertID is matched by recomputing the
 * issuer's name and key hashes with the hash the request itself names, so
 * clients that ask with SHA-1 (openssl's default) and with SHA-256 are
 * both answered.  Responses name the responder by key hash, carry its
 * certificate, and are signed with SHA-256.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/asn1.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/ocsp.h>
#include <openssl/x509.h>

#include "km-internal.h"
#include "km-ssl.h"

#define REQ_MAX	(64 * 1024)	/* far above a request for a few certs */

struct km_ocsp_req {
	OCSP_REQUEST	*req;
};

/*
 * Parses the n bytes at p as one DER OCSPRequest into *rp, to be freed
 * with km_ocsp_req_free().  The bytes come from the network: more than
 * 64 KiB, anything after the DER, a request that is not DER, and one
 * without a single CertID are all KM_EDATA "malformed OCSP request" (the
 * responder answers malformedRequest).  A signature on the request is
 * neither required nor checked.
 */
int
km_ocsp_req_parse(struct km_ocsp_req **rp, const unsigned char *p, size_t n,
    struct km_err *err)
{
	const unsigned char *q = p;
	OCSP_REQUEST *req;

	*rp = NULL;
	if (p == NULL || n == 0 || n > REQ_MAX)
		return km_errf(err, KM_EDATA, "malformed OCSP request: %zu "
		    "bytes", n);
	if ((req = d2i_OCSP_REQUEST(NULL, &q, (long)n)) == NULL) {
		ERR_clear_error();
		return km_errf(err, KM_EDATA, "malformed OCSP request");
	}
	if (q != p + n) {
		OCSP_REQUEST_free(req);
		return km_errf(err, KM_EDATA, "malformed OCSP request: %zu "
		    "bytes after its end", (size_t)(p + n - q));
	}
	if (OCSP_request_onereq_count(req) < 1) {
		OCSP_REQUEST_free(req);
		return km_errf(err, KM_EDATA, "malformed OCSP request: no "
		    "certificate asked about");
	}
	if ((*rp = malloc(sizeof(**rp))) == NULL) {
		OCSP_REQUEST_free(req);
		return km_errf(err, KM_ESYS, "OCSP request: %s",
		    strerror(errno));
	}
	(*rp)->req = req;
	return 0;
}

/* Frees a request from km_ocsp_req_parse(); NULL is fine. */
void
km_ocsp_req_free(struct km_ocsp_req *r)
{
	if (r == NULL)
		return;
	OCSP_REQUEST_free(r->req);
	free(r);
}

/* The number of CertIDs in r: at least 1. */
size_t
km_ocsp_req_count(const struct km_ocsp_req *r)
{
	int n;

	n = OCSP_request_onereq_count(r->req);
	return n > 0 ? (size_t)n : 0;
}

/* The CertID of request i of r; i must be below km_ocsp_req_count(). */
static OCSP_CERTID *
req_certid(const struct km_ocsp_req *r, size_t i)
{
	OCSP_ONEREQ *one;

	if ((one = OCSP_request_onereq_get0(r->req, (int)i)) == NULL)
		return NULL;
	return OCSP_onereq_get0_id(one);
}

/*
 * Request i of r (below km_ocsp_req_count(); KM_EUSAGE otherwise): writes
 * the serial number it asks about to serial, in upper-case hex, two
 * digits a byte as `openssl x509 -serial` prints it, and sets *ours to 1
 * if its issuerNameHash and issuerKeyHash are those of issuer, computed
 * with the hash algorithm the CertID names, else 0 (also for a hash
 * OpenSSL cannot compute).  A negative serial or one longer than the 20
 * bytes RFC 5280 allows is KM_EDATA: no certificate has it.
 */
int
km_ocsp_req_id(const struct km_ocsp_req *r, size_t i,
    const struct km_cert *issuer, char serial[KM_SERIALSZ], int *ours,
    struct km_err *err)
{
	static const char hex[] = "0123456789ABCDEF";
	ASN1_OCTET_STRING *namehash, *keyhash;
	ASN1_OBJECT *mdoid;
	ASN1_INTEGER *sn;
	OCSP_CERTID *cid, *mine;
	const EVP_MD *md;
	const unsigned char *b;
	int j, len;

	serial[0] = '\0';
	*ours = 0;
	if (i >= km_ocsp_req_count(r) || (cid = req_certid(r, i)) == NULL)
		return km_errf(err, KM_EUSAGE, "OCSP request has no CertID "
		    "%zu", i);
	if (OCSP_id_get0_info(&namehash, &mdoid, &keyhash, &sn, cid) != 1 ||
	    sn == NULL) {
		ERR_clear_error();
		return km_errf(err, KM_EDATA, "malformed OCSP request");
	}
	len = ASN1_STRING_length(sn);
	b = ASN1_STRING_get0_data(sn);
	if (ASN1_STRING_type(sn) != V_ASN1_INTEGER)
		return km_errf(err, KM_EDATA, "OCSP request: negative serial "
		    "number");
	if (len > 20)
		return km_errf(err, KM_EDATA, "OCSP request: serial number "
		    "of %d bytes", len);
	if (len == 0) {
		km_strlcpy(serial, "00", KM_SERIALSZ);
	} else {
		for (j = 0; j < len; j++) {
			serial[2 * j] = hex[b[j] >> 4];
			serial[2 * j + 1] = hex[b[j] & 0x0f];
		}
		serial[2 * len] = '\0';
	}

	/*
	 * A hash we cannot compute (unknown, or known but not in the
	 * providers loaded, as MD4) cannot name our issuer; the client
	 * learns "unknown", never an internal error.
	 */
	if ((md = EVP_get_digestbyobj(mdoid)) == NULL ||
	    (mine = OCSP_cert_id_new(md, X509_get_subject_name(issuer->x),
	    X509_get0_pubkey_bitstr(issuer->x), sn)) == NULL) {
		ERR_clear_error();
		return 0;
	}
	*ours = OCSP_id_issuer_cmp(cid, mine) == 0;
	OCSP_CERTID_free(mine);
	ERR_clear_error();
	return 0;
}

/* 1 if reason is an RFC 5280 CRLReason code (7 is unused), or -1. */
static int
reason_valid(int reason)
{
	return reason == -1 || (reason >= KM_RS_UNSPECIFIED &&
	    reason <= KM_RS_AA_COMPROMISE && reason != 7);
}

/* The DER of resp into *der, malloc'd; *len its length.  0 or -1. */
static int
resp_der(OCSP_RESPONSE *resp, unsigned char **der, size_t *len,
    struct km_err *err)
{
	unsigned char *p;
	int n;

	if ((n = i2d_OCSP_RESPONSE(resp, NULL)) <= 0)
		return km_ssl_errf(err, KM_ESYS, "cannot encode OCSP "
		    "response");
	if ((*der = malloc((size_t)n)) == NULL)
		return km_errf(err, KM_ESYS, "OCSP response: %s",
		    strerror(errno));
	p = *der;
	if (i2d_OCSP_RESPONSE(resp, &p) != n) {
		free(*der);
		*der = NULL;
		return km_ssl_errf(err, KM_ESYS, "cannot encode OCSP "
		    "response");
	}
	*len = (size_t)n;
	return 0;
}

/*
 * Adds to bs the SingleResponse for cid with status st: thisUpdate
 * thisupd, nextUpdate nextupd (may be NULL).  0 or -1 (the queue is left
 * to the caller).
 */
static int
add_status(OCSP_BASICRESP *bs, OCSP_CERTID *cid,
    const struct km_ocsp_status *st, ASN1_TIME *thisupd, ASN1_TIME *nextupd)
{
	ASN1_TIME *revtime = NULL;
	int status, reason = OCSP_REVOKED_STATUS_NOSTATUS;
	OCSP_SINGLERESP *single;

	switch (st->status) {
	case KM_OCSP_GOOD:
		status = V_OCSP_CERTSTATUS_GOOD;
		break;
	case KM_OCSP_REVOKED:
		status = V_OCSP_CERTSTATUS_REVOKED;
		if ((revtime = ASN1_TIME_set(NULL, st->revoked_at)) == NULL)
			return -1;
		if (st->reason != -1)
			reason = st->reason;
		break;
	default:
		status = V_OCSP_CERTSTATUS_UNKNOWN;
		break;
	}
	/* The CertID is copied as the request has it: RFC 6960 4.2.1. */
	single = OCSP_basic_add1_status(bs, cid, status, reason, revtime,
	    thisupd, nextupd);
	ASN1_TIME_free(revtime);
	return single != NULL ? 0 : -1;
}

/*
 * Makes the successful basic response to r: SingleResponse i for CertID
 * i with st[i] (the caller gives one per km_ocsp_req_count()), a
 * KM_OCSP_REVOKED one with its revocationTime and, unless reason is -1,
 * its CRLReason (certificateHold included).  producedAt and thisUpdate
 * are now; nextUpdate is now + next seconds, or absent if next is 0.  The
 * request's nonce, if any, is copied.  The responder ID is the key hash
 * of rc; the response is signed with rk (which must be rc's key:
 * KM_EDATA otherwise) and SHA-256, and rc is included.  *der is malloc'd
 * DER, *len bytes.  An unknown status or reason is KM_EUSAGE.
 */
int
km_ocsp_resp_make(const struct km_ocsp_req *r,
    const struct km_ocsp_status *st, struct km_key *rk,
    const struct km_cert *rc, time_t now, long next, unsigned char **der,
    size_t *len, struct km_err *err)
{
	OCSP_BASICRESP *bs = NULL;
	OCSP_RESPONSE *resp = NULL;
	ASN1_TIME *thisupd = NULL, *nextupd = NULL;
	ASN1_GENERALIZEDTIME *produced;
	OCSP_CERTID *cid;
	size_t i, n;
	int rv = -1;

	*der = NULL;
	*len = 0;
	n = km_ocsp_req_count(r);
	for (i = 0; i < n; i++) {
		if (st[i].status != KM_OCSP_GOOD &&
		    st[i].status != KM_OCSP_REVOKED &&
		    st[i].status != KM_OCSP_UNKNOWN)
			return km_errf(err, KM_EUSAGE, "OCSP status %d of "
			    "request %zu: no such status", st[i].status, i);
		if (st[i].status == KM_OCSP_REVOKED &&
		    !reason_valid(st[i].reason))
			return km_errf(err, KM_EUSAGE, "OCSP status of request "
			    "%zu: no revocation reason %d", i, st[i].reason);
	}
	if (next < 0)
		return km_errf(err, KM_EUSAGE, "OCSP nextUpdate before "
		    "thisUpdate");

	if ((bs = OCSP_BASICRESP_new()) == NULL ||
	    (thisupd = ASN1_TIME_set(NULL, now)) == NULL ||
	    (next > 0 &&
	    (nextupd = ASN1_TIME_adj(NULL, now, 0, next)) == NULL)) {
		km_ssl_errf(err, KM_ESYS, "cannot make OCSP response");
		goto out;
	}
	for (i = 0; i < n; i++) {
		if ((cid = req_certid(r, i)) == NULL ||
		    add_status(bs, cid, &st[i], thisupd, nextupd) == -1) {
			km_ssl_errf(err, KM_ESYS, "cannot make OCSP response");
			goto out;
		}
	}
	if (OCSP_copy_nonce(bs, r->req) == 0) {
		km_ssl_errf(err, KM_ESYS, "cannot copy the OCSP nonce");
		goto out;
	}
	/*
	 * OpenSSL has no setter for producedAt and OCSP_basic_sign() would
	 * stamp the clock's time; the field is set in place instead, so
	 * that producedAt and thisUpdate agree.
	 */
	produced = (ASN1_GENERALIZEDTIME *)OCSP_resp_get0_produced_at(bs);
	if (produced == NULL || ASN1_GENERALIZEDTIME_set(produced, now) ==
	    NULL) {
		km_ssl_errf(err, KM_ESYS, "cannot make OCSP response");
		goto out;
	}
	if (OCSP_basic_sign(bs, rc->x, rk->pkey, EVP_sha256(), NULL,
	    OCSP_RESPID_KEY | OCSP_NOTIME) != 1) {
		km_ssl_errf(err, KM_EDATA, "cannot sign OCSP response");
		goto out;
	}
	if ((resp = OCSP_response_create(OCSP_RESPONSE_STATUS_SUCCESSFUL,
	    bs)) == NULL) {
		km_ssl_errf(err, KM_ESYS, "cannot make OCSP response");
		goto out;
	}
	rv = resp_der(resp, der, len, err);
out:
	OCSP_RESPONSE_free(resp);
	OCSP_BASICRESP_free(bs);
	ASN1_TIME_free(thisupd);
	ASN1_TIME_free(nextupd);
	return rv;
}

/*
 * Makes an unsuccessful OCSPResponse, without responseBytes, of status:
 * KM_OCSP_MALFORMED, KM_OCSP_INTERNAL, KM_OCSP_TRYLATER or
 * KM_OCSP_UNAUTHORIZED (anything else is KM_EUSAGE).  *der is malloc'd
 * DER, *len bytes.
 */
int
km_ocsp_resp_error(int status, unsigned char **der, size_t *len,
    struct km_err *err)
{
	OCSP_RESPONSE *resp;
	int rv;

	*der = NULL;
	*len = 0;
	if (status != KM_OCSP_MALFORMED && status != KM_OCSP_INTERNAL &&
	    status != KM_OCSP_TRYLATER && status != KM_OCSP_UNAUTHORIZED)
		return km_errf(err, KM_EUSAGE, "OCSP response status %d: not "
		    "an error status", status);
	if ((resp = OCSP_response_create(status, NULL)) == NULL)
		return km_ssl_errf(err, KM_ESYS, "cannot make OCSP response");
	rv = resp_der(resp, der, len, err);
	OCSP_RESPONSE_free(resp);
	return rv;
}
