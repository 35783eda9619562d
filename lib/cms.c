/*
 * cms.c -- document and e-mail signatures: detached CMS (RFC 5652)
 * signatures in DER or PEM, made CAdES-BES (the signingCertificateV2
 * attribute binds the signer's certificate), and S/MIME (RFC 8551)
 * multipart/signed messages.  One module owns them so that km signs one
 * way (SHA-256, signed attributes, the chain included) and verifies one
 * way (the signer's chain up to the anchors the caller names, with any
 * purpose: card signature certificates may lack emailProtection).  The
 * S/MIME side owns the split of an RFC 5322 message into the headers a
 * mail system reads (From, To, Subject, ...), which stay outside, and
 * the MIME part that is signed; and it refuses to sign mail whose From
 * address the signer's certificate does not carry, since every mail
 * client would flag it.  Documents are streamed; mail and signatures are
 * read into memory under the caps below.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/bio.h>
#include <openssl/pem.h>	/* first: cms.h declares PEM_*_CMS with it */
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include "km-internal.h"
#include "km-ssl.h"

#define SIG_MAX		(10 * 1024 * 1024)	/* a signature or signed mail */
#define MSG_MAX		(8 * 1024 * 1024)	/* mail to sign: room for the
						 * signature and CRLFs under
						 * SIG_MAX */
#define ADDR_MAX	256			/* RFC 5321 4.5.3.1.3 */

static const char defct[] = "Content-Type: text/plain; charset=utf-8\n";

/* A message to sign, split (msg_split()). */
struct msg {
	char	*outer;		/* the headers that stay outside, LF ends */
	size_t	 outerlen;
	char	*part;		/* the MIME part: headers, blank line, body */
	size_t	 partlen;
	char	*from;		/* From's value, unfolded; NULL: none */
	size_t	 fromlen;
};

static void
msg_free(struct msg *m)
{
	free(m->outer);
	free(m->part);
	free(m->from);
	memset(m, 0, sizeof(*m));
}

/*
 * Reads fp to its end into *buf (malloc'd, NUL-terminated, *len bytes
 * before the NUL).  More than max bytes is KM_EDATA "what larger than
 * N MiB"; a read error KM_ESYS.
 */
static int
slurp(FILE *fp, size_t max, const char *what, char **buf, size_t *len,
    struct km_err *err)
{
	char *b, *nb;
	size_t n = 0, sz = 64 * 1024, r;

	*buf = NULL;
	*len = 0;
	if ((b = malloc(sz + 1)) == NULL)
		return km_errf(err, KM_ESYS, "%s: %s", what, strerror(errno));
	for (;;) {
		if (n == sz) {
			if (sz > max) {
				free(b);
				return km_errf(err, KM_EDATA, "%s larger than "
				    "%zu MiB", what, max / (1024 * 1024));
			}
			sz *= 2;
			if ((nb = realloc(b, sz + 1)) == NULL) {
				free(b);
				return km_errf(err, KM_ESYS, "%s: %s", what,
				    strerror(errno));
			}
			b = nb;
		}
		r = fread(b + n, 1, sz - n, fp);
		n += r;
		if (r == 0)
			break;
	}
	if (ferror(fp)) {
		free(b);
		return km_errf(err, KM_ESYS, "cannot read %s: %s", what,
		    strerror(errno));
	}
	if (n > max) {
		free(b);
		return km_errf(err, KM_EDATA, "%s larger than %zu MiB", what,
		    max / (1024 * 1024));
	}
	b[n] = '\0';
	*buf = b;
	*len = n;
	return 0;
}

/* A stack over the X509s of v (not up-referenced: sk_X509_free() it). */
static STACK_OF(X509) *
certstack(struct km_cert *const *v, size_t n)
{
	STACK_OF(X509) *sk;
	size_t i;

	if ((sk = sk_X509_new_null()) == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		if (sk_X509_push(sk, v[i]->x) <= 0) {
			sk_X509_free(sk);
			return NULL;
		}
	}
	return sk;
}

/* 1 if the n bytes of name (a header name) are s, in any case. */
static int
hdr_is(const char *name, size_t n, const char *s)
{
	return strlen(s) == n && strncasecmp(name, s, n) == 0;
}

/*
 * Splits the RFC 5322 message of len bytes at buf (NUL-terminated) into
 * m: the header fields whose names begin "Content-" (RFC 2045 9) and
 * MIME-Version go, with the body after a blank line, into m->part;
 * "Content-Type: text/plain; charset=utf-8" is added when there is no
 * Content-Type.  All the other fields go into m->outer, in their order
 * and with their folding, lines ending in LF.  m->from gets the value of
 * From, unfolded.  A line in the header block that is neither a field
 * nor a continuation, a NUL in it, and a second From are KM_EDATA.
 */
static int
msg_split(const char *buf, size_t len, struct msg *m, struct km_err *err)
{
	const char *line, *colon, *q;
	char *ph = NULL, **dst = NULL;
	size_t i = 0, eol, clen, next, phlen = 0, *dstlen = NULL, lineno = 0;
	int havect = 0, isfrom = 0;

	memset(m, 0, sizeof(*m));
	if ((m->outer = malloc(len + 1)) == NULL ||
	    (ph = malloc(len + 1)) == NULL) {
		free(ph);
		msg_free(m);
		return km_errf(err, KM_ESYS, "message: %s", strerror(errno));
	}
	while (i < len) {
		line = buf + i;
		q = memchr(line, '\n', len - i);
		eol = q != NULL ? (size_t)(q - buf) : len;
		next = q != NULL ? eol + 1 : len;
		clen = eol - i;
		if (clen > 0 && line[clen - 1] == '\r')
			clen--;
		lineno++;
		if (clen == 0) {	/* the blank line: the body follows */
			i = next;
			break;
		}
		if (memchr(line, '\0', clen) != NULL) {
			km_errf(err, KM_EDATA, "message header line %zu: NUL "
			    "byte", lineno);
			goto fail;
		}
		if (line[0] == ' ' || line[0] == '\t') {
			if (dst == NULL) {
				km_errf(err, KM_EDATA, "message header line "
				    "%zu: continuation of no field", lineno);
				goto fail;
			}
			if (isfrom) {
				memcpy(m->from + m->fromlen, line, clen);
				m->fromlen += clen;
			}
		} else {
			colon = memchr(line, ':', clen);
			for (q = line; colon != NULL && q < colon; q++)
				if (*q < 33 || *q > 126)
					break;
			if (colon == NULL || colon == line || q != colon) {
				km_errf(err, KM_EDATA, "message header line "
				    "%zu: not a header field", lineno);
				goto fail;
			}
			if (hdr_is(line, (size_t)(colon - line),
			    "MIME-Version") || ((size_t)(colon - line) >= 8 &&
			    strncasecmp(line, "Content-", 8) == 0)) {
				dst = &ph;
				dstlen = &phlen;
			} else {
				dst = &m->outer;
				dstlen = &m->outerlen;
			}
			if (hdr_is(line, (size_t)(colon - line),
			    "Content-Type"))
				havect = 1;
			isfrom = hdr_is(line, (size_t)(colon - line), "From");
			if (isfrom) {
				if (m->from != NULL) {
					km_errf(err, KM_EDATA, "message has "
					    "more than one From header");
					goto fail;
				}
				if ((m->from = malloc(len + 1)) == NULL) {
					km_errf(err, KM_ESYS, "message: %s",
					    strerror(errno));
					goto fail;
				}
				m->fromlen = clen - (size_t)(colon + 1 - line);
				memcpy(m->from, colon + 1, m->fromlen);
			}
		}
		memcpy(*dst + *dstlen, line, clen);
		(*dst)[*dstlen + clen] = '\n';
		*dstlen += clen + 1;
		i = next;
	}
	if (m->from != NULL)
		m->from[m->fromlen] = '\0';

	m->partlen = (havect ? 0 : sizeof(defct) - 1) + phlen + 1 + (len - i);
	if ((m->part = malloc(m->partlen + 1)) == NULL) {
		km_errf(err, KM_ESYS, "message: %s", strerror(errno));
		goto fail;
	}
	m->partlen = 0;
	if (!havect) {
		memcpy(m->part, defct, sizeof(defct) - 1);
		m->partlen = sizeof(defct) - 1;
	}
	memcpy(m->part + m->partlen, ph, phlen);
	m->partlen += phlen;
	m->part[m->partlen++] = '\n';
	memcpy(m->part + m->partlen, buf + i, len - i);
	m->partlen += len - i;
	m->part[m->partlen] = '\0';
	free(ph);
	return 0;
fail:
	free(ph);
	msg_free(m);
	return -1;
}

/*
 * Copies to addr the address of the one mailbox of a From value v: the
 * addr-spec between angle brackets ("Jan Kowalski <jan@um.pl>"), or else
 * the value less its comments and surrounding blanks ("jan@um.pl (Jan)").
 * Quoted display names may hold anything.  KM_EDATA for no address, for
 * an unclosed quote, comment or bracket, and for more than one mailbox.
 */
static int
from_addr(const char *v, char addr[ADDR_MAX], struct km_err *err)
{
	char bare[ADDR_MAX];
	size_t n = 0, nb = 0, s;
	int depth = 0, quoted = 0, angle = 0, nangle = 0;
	const char *p;

	for (p = v; *p != '\0'; p++) {
		if (*p == '\\' && (quoted || depth > 0) && p[1] != '\0') {
			p++;
			if (quoted && !angle && nb < sizeof(bare) - 2) {
				bare[nb++] = '\\';
				bare[nb++] = *p;
			}
			continue;
		}
		if (depth > 0) {
			if (*p == '(')
				depth++;
			else if (*p == ')')
				depth--;
			continue;
		}
		if (angle) {
			if (*p == '>')
				angle = 0;
			else if (*p == '"')
				quoted = !quoted;
			if (*p != '>' && *p != ' ' && *p != '\t') {
				if (n == ADDR_MAX - 1)
					return km_errf(err, KM_EDATA, "From "
					    "address too long");
				addr[n++] = *p;
			}
			continue;
		}
		if (quoted) {
			if (*p == '"')
				quoted = 0;
		} else if (*p == '"') {
			quoted = 1;
		} else if (*p == '(') {
			depth = 1;
			continue;
		} else if (*p == '<') {
			if (nangle++ > 0)
				return km_errf(err, KM_EDATA, "From names more "
				    "than one mailbox");
			angle = 1;
			continue;
		} else if (*p == ',') {
			return km_errf(err, KM_EDATA, "From names more than "
			    "one mailbox");
		} else if (*p == '>') {
			return km_errf(err, KM_EDATA, "malformed From header");
		}
		if (nb < sizeof(bare) - 1)
			bare[nb++] = *p;
	}
	if (depth > 0 || quoted || angle)
		return km_errf(err, KM_EDATA, "malformed From header");
	if (nangle == 0) {
		for (s = 0; s < nb && (bare[s] == ' ' || bare[s] == '\t'); s++)
			;
		while (nb > s && (bare[nb - 1] == ' ' || bare[nb - 1] == '\t'))
			nb--;
		if (nb - s >= ADDR_MAX)
			return km_errf(err, KM_EDATA, "From address too long");
		memcpy(addr, bare + s, nb - s);
		n = nb - s;
	}
	addr[n] = '\0';
	if (n == 0 || strchr(addr, '@') == NULL)
		return km_errf(err, KM_EDATA, "From has no address");
	return 0;
}

/*
 * Reads the message to sign from in and splits it into m; the signer's
 * certificate must carry its From address as an rfc822Name
 * subjectAltName (KM_EDATA "signer certificate does not carry 'addr'").
 */
static int
msg_read(FILE *in, const struct km_cert *signer, struct msg *m,
    struct km_err *err)
{
	char addr[ADDR_MAX], *buf;
	size_t len;
	int rc;

	if (slurp(in, MSG_MAX, "message", &buf, &len, err) == -1)
		return -1;
	rc = msg_split(buf, len, m, err);
	free(buf);
	if (rc == -1)
		return -1;
	if (m->from == NULL) {
		msg_free(m);
		return km_errf(err, KM_EDATA, "message has no From header");
	}
	if (from_addr(m->from, addr, err) == -1) {
		msg_free(m);
		return -1;
	}
	/* RFC 5280 7.5: the domain in any case, the local part exactly. */
	if (X509_check_email(signer->x, addr, strlen(addr),
	    X509_CHECK_FLAG_NEVER_CHECK_SUBJECT) != 1) {
		ERR_clear_error();
		msg_free(m);
		return km_errf(err, KM_EDATA, "signer certificate does not "
		    "carry '%s'", addr);
	}
	return 0;
}

/*
 * Signs what is read from in to its end with key k, whose certificate is
 * signer, and writes the signature to out.  The signature is CAdES-BES:
 * SHA-256, signed attributes (contentType, signingTime, messageDigest,
 * SMIMECapabilities, signingCertificateV2), the signer's certificate and
 * those of chain included.  KM_CMS_DER and KM_CMS_PEM make a detached
 * signature over the bytes as they are, streamed (in may be any size).
 * KM_CMS_SMIME reads an RFC 5322 message (at most 8 MiB; KM_EDATA
 * otherwise) and writes its headers but the MIME ones, then a
 * multipart/signed entity whose first part is the message's MIME part
 * (its Content-* headers, text/plain UTF-8 if it has no Content-Type, and
 * its body), canonicalised to CRLF; the message's From must be an
 * address of signer (KM_EDATA "signer certificate does not carry
 * 'addr'").  A key that is not signer's is KM_EDATA.  A read or write
 * error is KM_ESYS; out may then hold part of the output.
 */
int
km_cms_sign(struct km_key *k, const struct km_cert *signer,
    struct km_cert *const *chain, size_t nchain, FILE *in, FILE *out,
    enum km_cms_form form, struct km_err *err)
{
	CMS_ContentInfo *cms = NULL;
	STACK_OF(X509) *certs = NULL;
	BIO *data = NULL, *bout = NULL;
	struct msg m;
	unsigned int flags;
	int ok, rv = -1;

	memset(&m, 0, sizeof(m));
	if (form != KM_CMS_DER && form != KM_CMS_PEM && form != KM_CMS_SMIME)
		return km_errf(err, KM_EUSAGE, "no signature form %d",
		    (int)form);
	/*
	 * S/MIME text is canonicalised (not CMS_BINARY) and signed while
	 * it is written (CMS_STREAM): SMIME_write_CMS() signs a detached
	 * part itself, and would sign a second time after CMS_final().
	 */
	if (form == KM_CMS_SMIME) {
		if (msg_read(in, signer, &m, err) == -1)
			return -1;
		data = BIO_new_mem_buf(m.part, (int)m.partlen);
		flags = CMS_DETACHED | CMS_CADES | CMS_STREAM;
	} else {
		data = BIO_new_fp(in, BIO_NOCLOSE);
		flags = CMS_DETACHED | CMS_CADES | CMS_BINARY;
	}
	if (data == NULL || (certs = certstack(chain, nchain)) == NULL ||
	    (cms = CMS_sign(NULL, NULL, certs, NULL, flags | CMS_PARTIAL)) ==
	    NULL) {
		km_ssl_errf(err, KM_ESYS, "cannot sign");
		goto out;
	}
	/* SHA-256 named here, not left to the key's default: CMS_CADES
	 * writes signingCertificateV2 with the signer's digest, and the
	 * v1 (SHA-1) signingCertificate for SHA-1. */
	if (CMS_add1_signer(cms, signer->x, k->pkey, EVP_sha256(),
	    flags | CMS_PARTIAL) == NULL) {
		km_ssl_errf(err, KM_EDATA, "cannot sign");
		goto out;
	}
	if (form != KM_CMS_SMIME) {
		ok = CMS_final(cms, data, NULL, flags);
		if (ferror(in)) {
			km_errf(err, KM_ESYS, "cannot read the document: %s",
			    strerror(errno));
			ERR_clear_error();
			goto out;
		}
		if (ok != 1) {
			km_ssl_errf(err, KM_ESYS, "cannot sign");
			goto out;
		}
	}

	if ((bout = BIO_new_fp(out, BIO_NOCLOSE)) == NULL) {
		km_ssl_errf(err, KM_ESYS, "cannot sign");
		goto out;
	}
	switch (form) {
	case KM_CMS_DER:
		ok = i2d_CMS_bio(bout, cms);
		break;
	case KM_CMS_PEM:
		ok = PEM_write_bio_CMS(bout, cms);
		break;
	default:
		ok = BIO_write(bout, m.outer, (int)m.outerlen) ==
		    (int)m.outerlen &&
		    SMIME_write_CMS(bout, cms, data, (int)flags);
		break;
	}
	if (BIO_flush(bout) != 1 || fflush(out) == EOF || ferror(out)) {
		km_errf(err, KM_ESYS, "cannot write the signature: %s",
		    strerror(errno));
		ERR_clear_error();
		goto out;
	}
	if (ok != 1) {
		km_ssl_errf(err, KM_ESYS, "cannot sign");
		goto out;
	}
	rv = 0;
out:
	BIO_free(bout);
	BIO_free(data);
	CMS_ContentInfo_free(cms);
	sk_X509_free(certs);
	msg_free(&m);
	return rv;
}

/*
 * Parses the signature in the len bytes at buf as form into *cmsp, and
 * for KM_CMS_SMIME the signed content into *cont (NULL if the content is
 * inside).  KM_EDATA for anything but a SignedData with a signer, and for
 * an attached signature in DER or PEM.
 */
static int
sig_parse(const char *buf, size_t len, enum km_cms_form form,
    CMS_ContentInfo **cmsp, BIO **cont, struct km_err *err)
{
	const unsigned char *p = (const unsigned char *)buf;
	CMS_ContentInfo *cms = NULL;
	BIO *b;

	*cmsp = NULL;
	*cont = NULL;
	switch (form) {
	case KM_CMS_DER:
		cms = d2i_CMS_ContentInfo(NULL, &p, (long)len);
		if (cms != NULL && p != (const unsigned char *)buf + len) {
			CMS_ContentInfo_free(cms);
			ERR_clear_error();
			return km_errf(err, KM_EDATA, "not a CMS signature: "
			    "bytes after its end");
		}
		break;
	case KM_CMS_PEM:
	case KM_CMS_SMIME:
		if ((b = BIO_new_mem_buf(buf, (int)len)) == NULL)
			return km_ssl_errf(err, KM_ESYS, "cannot verify");
		if (form == KM_CMS_PEM)
			cms = PEM_read_bio_CMS(b, NULL, NULL, NULL);
		else
			cms = SMIME_read_CMS(b, cont);
		BIO_free(b);
		break;
	}
	ERR_clear_error();
	if (cms == NULL)
		return km_errf(err, KM_EDATA, "not a %s signature",
		    form == KM_CMS_SMIME ? "S/MIME" : "CMS");
	if (OBJ_obj2nid(CMS_get0_type(cms)) != NID_pkcs7_signed ||
	    sk_CMS_SignerInfo_num(CMS_get0_SignerInfos(cms)) < 1) {
		km_errf(err, KM_EDATA, "not a %s signature: no signer",
		    form == KM_CMS_SMIME ? "S/MIME" : "CMS");
		goto fail;
	}
	if (form != KM_CMS_SMIME && CMS_is_detached(cms) != 1) {
		km_errf(err, KM_EDATA, "not a detached signature");
		goto fail;
	}
	*cmsp = cms;
	return 0;
fail:
	CMS_ContentInfo_free(cms);
	BIO_free(*cont);
	*cont = NULL;
	ERR_clear_error();
	return -1;
}

/* 1 if every signer of cms carries an ESS signing certificate. */
static int
all_cades(CMS_ContentInfo *cms)
{
	STACK_OF(CMS_SignerInfo) *sis = CMS_get0_SignerInfos(cms);
	CMS_SignerInfo *si;
	int i;

	for (i = 0; i < sk_CMS_SignerInfo_num(sis); i++) {
		si = sk_CMS_SignerInfo_value(sis, i);
		if (CMS_signed_get_attr_by_NID(si,
		    NID_id_smime_aa_signingCertificateV2, -1) < 0 &&
		    CMS_signed_get_attr_by_NID(si,
		    NID_id_smime_aa_signingCertificate, -1) < 0)
			return 0;
	}
	return 1;
}

/*
 * Sets err (KM_ENOTFOUND) from OpenSSL's error queue after a failed
 * CMS_verify() and empties the queue: the verifier's own words for a
 * chain ("unable to get local issuer certificate") and a plain one for
 * content that does not match.  Returns 1.
 */
static int
verify_errf(struct km_err *err)
{
	const char *data, *why = NULL, *d;
	unsigned long e, last = 0;
	char detail[256] = "";
	int eflags;

	while ((e = ERR_get_error_all(NULL, NULL, NULL, &data, &eflags)) !=
	    0) {
		last = e;
		if ((eflags & ERR_TXT_STRING) && data != NULL &&
		    *data != '\0')
			km_strlcpy(detail, data, sizeof(detail));
	}
	if (last != 0 && ERR_GET_LIB(last) == ERR_LIB_CMS) {
		switch (ERR_GET_REASON(last)) {
		case CMS_R_CERTIFICATE_VERIFY_ERROR:
			/* "Verify error: ..." */
			d = strchr(detail, ':');
			km_errf(err, KM_ENOTFOUND, "signer certificate does "
			    "not verify: %s", d != NULL && d[1] == ' ' ?
			    d + 2 : detail);
			return 1;
		case CMS_R_CONTENT_VERIFY_ERROR:
		case CMS_R_VERIFICATION_FAILURE:
			km_errf(err, KM_ENOTFOUND, "signature does not verify: "
			    "content does not match");
			return 1;
		case CMS_R_SIGNER_CERTIFICATE_NOT_FOUND:
			km_errf(err, KM_ENOTFOUND, "signer certificate not "
			    "found");
			return 1;
		default:
			break;
		}
	}
	if (last != 0)
		why = ERR_reason_error_string(last);
	km_errf(err, KM_ENOTFOUND, "signature does not verify%s%s",
	    why != NULL ? ": " : "", why != NULL ? why : "");
	return 1;
}

/*
 * Verifies a signature read from sig (at most 10 MiB; KM_EDATA
 * otherwise): with KM_CMS_DER or KM_CMS_PEM a detached signature over
 * what is read from data (streamed, as bytes); with KM_CMS_SMIME a signed
 * message (multipart/signed, its text canonicalised to CRLF, or
 * application/pkcs7-mime) and data NULL.  Each signer's certificate must
 * chain to one of trusted through untrusted and the certificates in the
 * signature, for any purpose; keyUsage, validity and the CA constraints
 * are still checked.  A signer with an ESS signing certificate attribute
 * must match it.  *signer (if signer is not NULL) gets the first signer's
 * certificate.  Returns 0 good; 1 (KM_ENOTFOUND, err says why) if the
 * signature or the chain does not verify; -1 with KM_EDATA if sig holds
 * no signature in form, KM_EUSAGE for a wrong data argument, KM_ESYS for
 * a read or library failure.
 */
int
km_cms_verify(FILE *sig, FILE *data, enum km_cms_form form,
    struct km_cert *const *trusted, size_t ntrusted,
    struct km_cert *const *untrusted, size_t nuntrusted,
    struct km_cert **signer, struct km_err *err)
{
	CMS_ContentInfo *cms = NULL;
	STACK_OF(X509) *ucerts = NULL, *signers;
	X509_STORE *store = NULL;
	BIO *cont = NULL;
	X509 *x;
	unsigned int flags;
	size_t len, i;
	char *buf;
	int rv = -1;

	if (signer != NULL)
		*signer = NULL;
	if (form != KM_CMS_DER && form != KM_CMS_PEM && form != KM_CMS_SMIME)
		return km_errf(err, KM_EUSAGE, "no signature form %d",
		    (int)form);
	if ((form == KM_CMS_SMIME) != (data == NULL))
		return km_errf(err, KM_EUSAGE, "%s", form == KM_CMS_SMIME ?
		    "an S/MIME message holds its data" :
		    "a detached signature needs its data");
	if (slurp(sig, SIG_MAX, "signature", &buf, &len, err) == -1)
		return -1;
	rv = sig_parse(buf, len, form, &cms, &cont, err);
	free(buf);
	if (rv == -1)
		return -1;
	rv = -1;

	if (form != KM_CMS_SMIME && (cont = BIO_new_fp(data,
	    BIO_NOCLOSE)) == NULL) {
		km_ssl_errf(err, KM_ESYS, "cannot verify");
		goto out;
	}
	if ((store = X509_STORE_new()) == NULL ||
	    X509_STORE_set_purpose(store, X509_PURPOSE_ANY) != 1 ||
	    (ucerts = certstack(untrusted, nuntrusted)) == NULL) {
		km_ssl_errf(err, KM_ESYS, "cannot verify");
		goto out;
	}
	for (i = 0; i < ntrusted; i++) {
		if (X509_STORE_add_cert(store, trusted[i]->x) != 1) {
			km_ssl_errf(err, KM_ESYS, "cannot verify");
			goto out;
		}
	}
	flags = form == KM_CMS_SMIME ? 0 : CMS_BINARY;
	if (all_cades(cms))
		flags |= CMS_CADES;
	ERR_clear_error();
	if (CMS_verify(cms, ucerts, store, cont, NULL, flags) != 1) {
		if (data != NULL && ferror(data)) {
			km_errf(err, KM_ESYS, "cannot read the signed data: "
			    "%s", strerror(errno));
			ERR_clear_error();
			goto out;
		}
		rv = verify_errf(err);
		goto out;
	}
	if (data != NULL && ferror(data)) {
		km_errf(err, KM_ESYS, "cannot read the signed data: %s",
		    strerror(errno));
		goto out;
	}
	if (signer != NULL) {
		if ((signers = CMS_get0_signers(cms)) == NULL ||
		    (x = sk_X509_value(signers, 0)) == NULL) {
			sk_X509_free(signers);
			km_ssl_errf(err, KM_ESYS, "cannot verify");
			goto out;
		}
		X509_up_ref(x);
		sk_X509_free(signers);
		if ((*signer = km_cert_wrap(x)) == NULL) {
			km_errf(err, KM_ESYS, "cannot verify: %s",
			    strerror(ENOMEM));
			goto out;
		}
	}
	rv = 0;
out:
	ERR_clear_error();
	BIO_free(cont);
	X509_STORE_free(store);
	sk_X509_free(ucerts);
	CMS_ContentInfo_free(cms);
	return rv;
}
