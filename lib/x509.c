/*
 * x509.c -- the city CA's certificates, requests and CRLs (RFC 5280):
 * built, signed, parsed and verified.  This module owns every X.509
 * decision km makes: which subject attributes exist and how long each may
 * be (RFC 5280's upper bounds), which extensions a certificate carries and
 * how they are encoded, which digest signs (SHA-256, SHA-384 for a P-384
 * key; PKCS#1 v1.5 for RSA), and how a CRL is laid out.  Extensions are
 * built as ASN.1 structures, never through OpenSSL's configuration
 * strings, so that a URL or an e-mail address from the store cannot smuggle
 * in a second value.  Certificates, CSRs and keys from outside are
 * untrusted: lengths are checked before OpenSSL sees them, the DER must
 * be consumed exactly, and a CSR's self-signature must verify.  As in
 * crypto.c, OpenSSL's error queue is emptied on every path, so that a
 * stale error never surfaces in a later, unrelated call.
 */
#include <assert.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include "km-internal.h"
#include "km-ssl.h"

#define CERTFILE_MAX	(1024 * 1024)	/* far above any certificate */
#define URL_MAX		1024		/* CDP and AIA URIs */
#define EMAIL_MAX	255		/* RFC 5280 ub-emailaddress-length */

static const char hexdigit[] = "0123456789ABCDEF";

/* Key usages: its name, km's bit, the bit's number in the DER BIT STRING
 * (RFC 5280 4.2.1.3). */
static const struct {
	const char	*name;
	unsigned	 bit;
	int		 asn1bit;
} kutab[] = {
	{ "digitalSignature",	KM_KU_DIGITAL_SIGNATURE,	0 },
	{ "nonRepudiation",	KM_KU_NON_REPUDIATION,		1 },
	{ "keyEncipherment",	KM_KU_KEY_ENCIPHERMENT,		2 },
	{ "keyAgreement",	KM_KU_KEY_AGREEMENT,		4 },
	{ "keyCertSign",	KM_KU_KEY_CERT_SIGN,		5 },
	{ "cRLSign",		KM_KU_CRL_SIGN,			6 },
};

static const struct {
	const char	*name;
	unsigned	 bit;
	int		 nid;
} ekutab[] = {
	{ "clientAuth",		KM_EKU_CLIENT_AUTH,	NID_client_auth },
	{ "emailProtection",	KM_EKU_EMAIL_PROTECTION, NID_email_protect },
	{ "OCSPSigning",	KM_EKU_OCSP_SIGNING,	NID_OCSP_sign },
	{ "codeSigning",	KM_EKU_CODE_SIGNING,	NID_code_sign },
	{ "msSmartcardLogin",	KM_EKU_SMARTCARD_LOGON,	NID_ms_smartcard_login },
};

#define KU_ALL	(KM_KU_DIGITAL_SIGNATURE | KM_KU_NON_REPUDIATION | \
	KM_KU_KEY_ENCIPHERMENT | KM_KU_KEY_AGREEMENT | KM_KU_KEY_CERT_SIGN | \
	KM_KU_CRL_SIGN)
#define EKU_ALL	(KM_EKU_CLIENT_AUTH | KM_EKU_EMAIL_PROTECTION | \
	KM_EKU_OCSP_SIGNING | KM_EKU_CODE_SIGNING | KM_EKU_SMARTCARD_LOGON)

/*
 * The subject attributes km writes, with their bounds in characters.
 * RFC 5280 appendix A gives the upper bounds; countryName is exactly two
 * letters.  organizationIdentifier (X.520, ETSI EN 319 412-1) has no
 * bound, and km keeps it to 64 like organizationName.  emailAddress is
 * held to 128, RFC 3280's bound, which OpenSSL's string table still
 * enforces (RFC 5280 raised it to 255).  printable marks the attributes
 * that are PrintableStrings; emailAddress is an IA5String.
 */
static const struct {
	const char	*name;
	int		 nid;
	size_t		 min, max;
	int		 printable;
	int		 ia5;
} attrtab[] = {
	{ "C",			NID_countryName,		2, 2, 1, 0 },
	{ "O",			NID_organizationName,		1, 64, 0, 0 },
	{ "OU",			NID_organizationalUnitName,	1, 64, 0, 0 },
	{ "L",			NID_localityName,		1, 128, 0, 0 },
	{ "CN",			NID_commonName,			1, 64, 0, 0 },
	{ "serialNumber",	NID_serialNumber,		1, 64, 1, 0 },
	{ "GN",			NID_givenName,			1, 32768, 0, 0 },
	{ "SN",			NID_surname,			1, 32768, 0, 0 },
	{ "emailAddress",	NID_pkcs9_emailAddress,		1, 128, 0, 1 },
	{ "organizationIdentifier", NID_organizationIdentifier,	1, 64, 0, 0 },
};

static const char *const reasons[] = {
	"unspecified",		/* 0 */
	"keyCompromise",	/* 1 */
	"cACompromise",		/* 2 */
	"affiliationChanged",	/* 3 */
	"superseded",		/* 4 */
	"cessationOfOperation",	/* 5 */
	"certificateHold",	/* 6 */
	NULL,			/* 7 is not used */
	"removeFromCRL",	/* 8 */
	"privilegeWithdrawn",	/* 9 */
	"aACompromise",		/* 10 */
};

/* The KM_KU_* bit named name (km.yaml(5)); 0 for an unknown name. */
unsigned
km_ku_parse(const char *name)
{
	size_t i;

	for (i = 0; name != NULL && i < nitems(kutab); i++)
		if (strcmp(name, kutab[i].name) == 0)
			return kutab[i].bit;
	return 0;
}

/* The KM_EKU_* bit named name; 0 for an unknown name. */
unsigned
km_eku_parse(const char *name)
{
	size_t i;

	for (i = 0; name != NULL && i < nitems(ekutab); i++)
		if (strcmp(name, ekutab[i].name) == 0)
			return ekutab[i].bit;
	return 0;
}

/* The name of one KM_KU_* bit; NULL for anything else. */
const char *
km_ku_name(unsigned bit)
{
	size_t i;

	for (i = 0; i < nitems(kutab); i++)
		if (bit == kutab[i].bit)
			return kutab[i].name;
	return NULL;
}

/* The name of one KM_EKU_* bit; NULL for anything else. */
const char *
km_eku_name(unsigned bit)
{
	size_t i;

	for (i = 0; i < nitems(ekutab); i++)
		if (bit == ekutab[i].bit)
			return ekutab[i].name;
	return NULL;
}

/* The RFC 5280 name of reason code c; NULL for a code that has none. */
const char *
km_reason_name(int c)
{
	if (c < 0 || (size_t)c >= nitems(reasons))
		return NULL;
	return reasons[c];
}

/* The code of the RFC 5280 reason named name; -1 for an unknown name. */
int
km_reason_parse(const char *name)
{
	size_t i;

	for (i = 0; name != NULL && i < nitems(reasons); i++)
		if (reasons[i] != NULL && strcmp(name, reasons[i]) == 0)
			return (int)i;
	return -1;
}

/* Wraps x in a struct km_cert, taking its reference over. */
struct km_cert *
km_cert_wrap(X509 *x)
{
	struct km_cert *c;

	if ((c = malloc(sizeof(*c))) == NULL) {
		X509_free(x);
		return NULL;
	}
	c->x = x;
	return c;
}

/*
 * Fills serial with n (8 to 20) bytes from OpenSSL's CSPRNG, the first in
 * 0x01..0x7f so that the DER INTEGER is positive and exactly n bytes long;
 * hex (may be NULL) gets the upper-case hex.  Returns 0; -1 with KM_EUSAGE
 * for a bad n, KM_ESYS if the generator fails.
 */
int
km_serial_random(unsigned char *serial, size_t n, char hex[KM_SERIALSZ],
    struct km_err *err)
{
	size_t i;

	if (n < 8 || n > 20)
		return km_errf(err, KM_EUSAGE,
		    "serial of %zu bytes: must be 8 to 20", n);
	if (RAND_bytes(serial, (int)n) != 1)
		return km_ssl_errf(err, KM_ESYS, "cannot draw a serial");
	/* Redraw a zero first byte rather than set a bit: uniform. */
	serial[0] &= 0x7f;
	while (serial[0] == 0) {
		if (RAND_bytes(serial, 1) != 1)
			return km_ssl_errf(err, KM_ESYS,
			    "cannot draw a serial");
		serial[0] &= 0x7f;
	}
	if (hex != NULL) {
		for (i = 0; i < n; i++) {
			hex[2 * i] = hexdigit[serial[i] >> 4];
			hex[2 * i + 1] = hexdigit[serial[i] & 0x0f];
		}
		hex[2 * n] = '\0';
	}
	return 0;
}

/*
 * Counts the characters of the NUL-terminated UTF-8 string s into *nchar.
 * Returns 0, or -1 if s is not well-formed UTF-8 (overlong forms,
 * surrogates and code points above U+10FFFF are not).
 */
static int
utf8_count(const char *s, size_t *nchar)
{
	const unsigned char *p = (const unsigned char *)s;
	unsigned long cp;
	size_t n = 0;
	int more, i;

	while (*p != '\0') {
		if (*p < 0x80) {
			cp = *p;
			more = 0;
		} else if ((*p & 0xe0) == 0xc0) {
			cp = *p & 0x1f;
			more = 1;
		} else if ((*p & 0xf0) == 0xe0) {
			cp = *p & 0x0f;
			more = 2;
		} else if ((*p & 0xf8) == 0xf0) {
			cp = *p & 0x07;
			more = 3;
		} else
			return -1;
		p++;
		for (i = 0; i < more; i++, p++) {
			if ((*p & 0xc0) != 0x80)
				return -1;
			cp = cp << 6 | (*p & 0x3f);
		}
		if ((more == 1 && cp < 0x80) || (more == 2 && cp < 0x800) ||
		    (more == 3 && cp < 0x10000) || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return -1;
		n++;
	}
	*nchar = n;
	return 0;
}

/* 1 if every character of s belongs to PrintableString (X.680). */
static int
isprintablestring(const char *s)
{
	for (; *s != '\0'; s++)
		if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
		    (*s >= '0' && *s <= '9') || strchr(" '()+,-./:=?", *s)))
			return 0;
	return 1;
}

/* 1 if s is printable ASCII without spaces: a URI or an address. */
static int
isgraphascii(const char *s)
{
	for (; *s != '\0'; s++)
		if (*s <= ' ' || *s > '~')
			return 0;
	return 1;
}

/* Adds the subject's attributes to name, checking each. */
static int
add_subject(X509_NAME *name, const struct km_certreq *r, struct km_err *err)
{
	const struct km_rdn *a;
	size_t i, j, nchar;

	if (r->nsubject == 0)
		return km_errf(err, KM_EDATA, "subject: empty");
	if (r->nsubject > KM_RDNMAX)
		return km_errf(err, KM_EDATA,
		    "subject: more than %d attributes", KM_RDNMAX);
	for (i = 0; i < r->nsubject; i++) {
		a = &r->subject[i];
		if (a->attr == NULL)
			return km_errf(err, KM_EDATA,
			    "subject attribute %zu: no name", i + 1);
		for (j = 0; j < nitems(attrtab); j++)
			if (strcmp(a->attr, attrtab[j].name) == 0)
				break;
		if (j == nitems(attrtab))
			return km_errf(err, KM_EDATA,
			    "subject attribute '%.64s': unknown", a->attr);
		if (a->value == NULL || a->value[0] == '\0')
			return km_errf(err, KM_EDATA, "subject '%s': empty",
			    a->attr);
		if (utf8_count(a->value, &nchar) == -1)
			return km_errf(err, KM_EDATA,
			    "subject '%s': not valid UTF-8", a->attr);
		if (nchar > attrtab[j].max)
			return km_errf(err, KM_EDATA,
			    "subject '%s': longer than %zu characters",
			    a->attr, attrtab[j].max);
		if (nchar < attrtab[j].min)
			return km_errf(err, KM_EDATA,
			    "subject '%s': shorter than %zu characters",
			    a->attr, attrtab[j].min);
		if (attrtab[j].printable && !isprintablestring(a->value))
			return km_errf(err, KM_EDATA,
			    "subject '%s': characters outside PrintableString",
			    a->attr);
		if (attrtab[j].ia5 && !isgraphascii(a->value))
			return km_errf(err, KM_EDATA,
			    "subject '%s': characters outside ASCII", a->attr);
		if (strlen(a->value) > INT_MAX ||
		    X509_NAME_add_entry_by_NID(name, attrtab[j].nid,
		    MBSTRING_UTF8, (const unsigned char *)a->value, -1, -1,
		    0) != 1)
			return km_ssl_errf(err, KM_EDATA, "subject '%s'",
			    a->attr);
	}
	return 0;
}

/* A GENERAL_NAME of type (GEN_EMAIL, GEN_URI) holding s; NULL. */
static GENERAL_NAME *
gen_ia5(int type, const char *s)
{
	GENERAL_NAME *g;
	ASN1_IA5STRING *ia5;

	if ((ia5 = ASN1_IA5STRING_new()) == NULL)
		return NULL;
	if (ASN1_STRING_set(ia5, s, -1) != 1 ||
	    (g = GENERAL_NAME_new()) == NULL) {
		ASN1_IA5STRING_free(ia5);
		return NULL;
	}
	GENERAL_NAME_set0_value(g, type, ia5);
	return g;
}

/* GENERAL_NAMES of one name (see gen_ia5); NULL. */
static GENERAL_NAMES *
gens_ia5(int type, const char *s)
{
	GENERAL_NAMES *gs;
	GENERAL_NAME *g;

	if ((gs = GENERAL_NAMES_new()) == NULL)
		return NULL;
	if ((g = gen_ia5(type, s)) == NULL) {
		GENERAL_NAMES_free(gs);
		return NULL;
	}
	if (sk_GENERAL_NAME_push(gs, g) == 0) {
		GENERAL_NAME_free(g);
		GENERAL_NAMES_free(gs);
		return NULL;
	}
	return gs;
}

/*
 * The keyIdentifier of issuer's key: its subjectKeyIdentifier if it has
 * one, else the SHA-1 of its subjectPublicKey (RFC 5280 4.2.1.2 (1)), the
 * way km makes them.  NULL on failure.
 */
static ASN1_OCTET_STRING *
issuer_keyid(X509 *issuer)
{
	const ASN1_OCTET_STRING *ski;
	ASN1_OCTET_STRING *os;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen;

	if ((ski = X509_get0_subject_key_id(issuer)) != NULL)
		return ASN1_OCTET_STRING_dup(ski);
	ERR_clear_error();
	if (X509_pubkey_digest(issuer, EVP_sha1(), md, &mdlen) != 1)
		return NULL;
	if ((os = ASN1_OCTET_STRING_new()) == NULL)
		return NULL;
	if (ASN1_OCTET_STRING_set(os, md, (int)mdlen) != 1) {
		ASN1_OCTET_STRING_free(os);
		return NULL;
	}
	return os;
}

/* An AUTHORITY_KEYID with issuer's key identifier only; NULL. */
static AUTHORITY_KEYID *
akid_of(X509 *issuer)
{
	AUTHORITY_KEYID *akid;

	if ((akid = AUTHORITY_KEYID_new()) == NULL)
		return NULL;
	if ((akid->keyid = issuer_keyid(issuer)) == NULL) {
		AUTHORITY_KEYID_free(akid);
		return NULL;
	}
	return akid;
}

/* Adds basicConstraints (critical) and keyUsage (critical, if any). */
static int
add_bc_ku(X509 *x, const struct km_certreq *r)
{
	BASIC_CONSTRAINTS *bc;
	ASN1_BIT_STRING *ku;
	size_t i;
	int ok;

	if ((bc = BASIC_CONSTRAINTS_new()) == NULL)
		return -1;
	bc->ca = r->ca ? 0xff : 0;
	if (r->ca && r->pathlen >= 0 &&
	    ((bc->pathlen = ASN1_INTEGER_new()) == NULL ||
	    ASN1_INTEGER_set(bc->pathlen, r->pathlen) != 1)) {
		BASIC_CONSTRAINTS_free(bc);
		return -1;
	}
	ok = X509_add1_ext_i2d(x, NID_basic_constraints, bc, 1,
	    X509V3_ADD_DEFAULT) == 1;
	BASIC_CONSTRAINTS_free(bc);
	if (!ok)
		return -1;
	if (r->ku == 0)
		return 0;
	if ((ku = ASN1_BIT_STRING_new()) == NULL)
		return -1;
	for (i = 0; i < nitems(kutab); i++)
		if ((r->ku & kutab[i].bit) &&
		    ASN1_BIT_STRING_set_bit(ku, kutab[i].asn1bit, 1) != 1) {
			ASN1_BIT_STRING_free(ku);
			return -1;
		}
	ok = X509_add1_ext_i2d(x, NID_key_usage, ku, 1,
	    X509V3_ADD_DEFAULT) == 1;
	ASN1_BIT_STRING_free(ku);
	return ok ? 0 : -1;
}

/* Adds extendedKeyUsage, if any. */
static int
add_eku(X509 *x, unsigned eku)
{
	EXTENDED_KEY_USAGE *s;
	ASN1_OBJECT *o;
	size_t i;
	int ok;

	if (eku == 0)
		return 0;
	if ((s = sk_ASN1_OBJECT_new_null()) == NULL)
		return -1;
	for (i = 0; i < nitems(ekutab); i++) {
		if ((eku & ekutab[i].bit) == 0)
			continue;
		if ((o = OBJ_nid2obj(ekutab[i].nid)) == NULL ||
		    sk_ASN1_OBJECT_push(s, o) == 0) {
			sk_ASN1_OBJECT_free(s);
			return -1;
		}
	}
	/* The objects are OpenSSL's static ones: nothing to free. */
	ok = X509_add1_ext_i2d(x, NID_ext_key_usage, s, 0,
	    X509V3_ADD_DEFAULT) == 1;
	sk_ASN1_OBJECT_free(s);
	return ok ? 0 : -1;
}

/* Adds the subjectKeyIdentifier (SHA-1 of the key) and, if issuer is not
 * NULL, the authorityKeyIdentifier. */
static int
add_keyids(X509 *x, X509 *issuer)
{
	AUTHORITY_KEYID *akid;
	ASN1_OCTET_STRING *os;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen;
	int ok;

	if (X509_pubkey_digest(x, EVP_sha1(), md, &mdlen) != 1 ||
	    (os = ASN1_OCTET_STRING_new()) == NULL)
		return -1;
	ok = ASN1_OCTET_STRING_set(os, md, (int)mdlen) == 1 &&
	    X509_add1_ext_i2d(x, NID_subject_key_identifier, os, 0,
	    X509V3_ADD_DEFAULT) == 1;
	ASN1_OCTET_STRING_free(os);
	if (!ok)
		return -1;
	if (issuer == NULL)
		return 0;
	if ((akid = akid_of(issuer)) == NULL)
		return -1;
	ok = X509_add1_ext_i2d(x, NID_authority_key_identifier, akid, 0,
	    X509V3_ADD_DEFAULT) == 1;
	AUTHORITY_KEYID_free(akid);
	return ok ? 0 : -1;
}

/* Adds subjectAltName, cRLDistributionPoints, authorityInfoAccess and
 * id-pkix-ocsp-nocheck as r asks. */
static int
add_names(X509 *x, const struct km_certreq *r)
{
	GENERAL_NAMES *gs;
	CRL_DIST_POINTS *cdp;
	DIST_POINT *dp;
	AUTHORITY_INFO_ACCESS *aia;
	ACCESS_DESCRIPTION *ad;
	ASN1_NULL *null;
	int ok;

	if (r->email != NULL) {
		if ((gs = gens_ia5(GEN_EMAIL, r->email)) == NULL)
			return -1;
		ok = X509_add1_ext_i2d(x, NID_subject_alt_name, gs, 0,
		    X509V3_ADD_DEFAULT) == 1;
		GENERAL_NAMES_free(gs);
		if (!ok)
			return -1;
	}
	if (r->crl_url != NULL) {
		if ((cdp = CRL_DIST_POINTS_new()) == NULL)
			return -1;
		if ((dp = DIST_POINT_new()) == NULL ||
		    sk_DIST_POINT_push(cdp, dp) == 0) {
			DIST_POINT_free(dp);
			CRL_DIST_POINTS_free(cdp);
			return -1;
		}
		if ((dp->distpoint = DIST_POINT_NAME_new()) == NULL ||
		    (dp->distpoint->name.fullname = gens_ia5(GEN_URI,
		    r->crl_url)) == NULL) {
			CRL_DIST_POINTS_free(cdp);
			return -1;
		}
		dp->distpoint->type = 0;	/* fullName */
		ok = X509_add1_ext_i2d(x, NID_crl_distribution_points, cdp, 0,
		    X509V3_ADD_DEFAULT) == 1;
		CRL_DIST_POINTS_free(cdp);
		if (!ok)
			return -1;
	}
	if (r->ocsp_url != NULL) {
		if ((aia = AUTHORITY_INFO_ACCESS_new()) == NULL)
			return -1;
		if ((ad = ACCESS_DESCRIPTION_new()) == NULL ||
		    sk_ACCESS_DESCRIPTION_push(aia, ad) == 0) {
			ACCESS_DESCRIPTION_free(ad);
			AUTHORITY_INFO_ACCESS_free(aia);
			return -1;
		}
		ASN1_OBJECT_free(ad->method);
		ad->method = OBJ_nid2obj(NID_ad_OCSP);
		GENERAL_NAME_free(ad->location);
		if ((ad->location = gen_ia5(GEN_URI, r->ocsp_url)) == NULL) {
			AUTHORITY_INFO_ACCESS_free(aia);
			return -1;
		}
		ok = X509_add1_ext_i2d(x, NID_info_access, aia, 0,
		    X509V3_ADD_DEFAULT) == 1;
		AUTHORITY_INFO_ACCESS_free(aia);
		if (!ok)
			return -1;
	}
	if (r->ocsp_nocheck) {
		if ((null = ASN1_NULL_new()) == NULL)
			return -1;
		ok = X509_add1_ext_i2d(x, NID_id_pkix_OCSP_noCheck, null, 0,
		    X509V3_ADD_DEFAULT) == 1;
		ASN1_NULL_free(null);
		if (!ok)
			return -1;
	}
	return 0;
}

/* The digest a signature by k uses: SHA-384 for EC P-384, SHA-256 for the
 * rest. */
static const EVP_MD *
sigmd(EVP_PKEY *k)
{
	if (EVP_PKEY_get_base_id(k) == EVP_PKEY_EC &&
	    EVP_PKEY_get_bits(k) == 384)
		return EVP_sha384();
	return EVP_sha256();
}

/* The decoded extension nid of x; NULL if it is absent, appears twice
 * or does not decode. */
static void *
ext_get(const X509 *x, int nid)
{
	void *v;
	int crit;

	v = X509_get_ext_d2i(x, nid, &crit, NULL);
	ERR_clear_error();
	return v;
}

/* 1 if x says it is a CA (basicConstraints cA TRUE). */
static int
is_ca(const X509 *x)
{
	BASIC_CONSTRAINTS *bc;
	int ca;

	if ((bc = ext_get(x, NID_basic_constraints)) == NULL)
		return 0;
	ca = bc->ca != 0;
	BASIC_CONSTRAINTS_free(bc);
	return ca;
}

/* The KM_KU_* bits of x's keyUsage; -1 without the extension. */
static long
ku_of(const X509 *x)
{
	ASN1_BIT_STRING *bs;
	unsigned ku = 0;
	size_t i;

	if ((bs = ext_get(x, NID_key_usage)) == NULL)
		return -1;
	for (i = 0; i < nitems(kutab); i++)
		if (ASN1_BIT_STRING_get_bit(bs, kutab[i].asn1bit))
			ku |= kutab[i].bit;
	ASN1_BIT_STRING_free(bs);
	return (long)ku;
}

/*
 * Checks that ik may sign for issuer (NULL: for a self-signed subject
 * key sk): the public halves must match and issuer must be a CA whose
 * keyUsage, if it has one, allows use (a KM_KU_* bit).
 */
static int
check_signer(struct km_key *ik, const struct km_cert *issuer,
    const struct km_key *sk, unsigned use, struct km_err *err)
{
	EVP_PKEY *ipk;
	long ku;

	if (ik == NULL || ik->pkey == NULL)
		return km_errf(err, KM_EUSAGE, "no signing key");
	if (issuer == NULL) {
		if (EVP_PKEY_eq(ik->pkey, sk->pkey) != 1) {
			ERR_clear_error();
			return km_errf(err, KM_EUSAGE,
			    "self-signed: the signing key is not the "
			    "subject's key");
		}
		return 0;
	}
	if ((ipk = X509_get0_pubkey(issuer->x)) == NULL ||
	    EVP_PKEY_eq(ik->pkey, ipk) != 1) {
		ERR_clear_error();
		return km_errf(err, KM_EUSAGE,
		    "the signing key is not the issuer's key");
	}
	if (!is_ca(issuer->x))
		return km_errf(err, KM_EDATA, "issuer: not a CA certificate");
	if ((ku = ku_of(issuer->x)) != -1 && (ku & use) == 0)
		return km_errf(err, KM_EDATA, "issuer: keyUsage lacks %s",
		    km_ku_name(use));
	return 0;
}

/* Checks r but for its subject (add_subject() checks that). */
static int
check_req(const struct km_certreq *r, struct km_err *err)
{
	size_t i;

	if (r->key == NULL || r->key->pkey == NULL)
		return km_errf(err, KM_EDATA, "certificate: no subject key");
	if (r->seriallen < 1 || r->seriallen > 20)
		return km_errf(err, KM_EDATA,
		    "serial: %zu bytes, must be 1 to 20", r->seriallen);
	for (i = 0; i < r->seriallen && r->serial[i] == 0; i++)
		;
	if (i == r->seriallen)
		return km_errf(err, KM_EDATA, "serial: zero");
	/* A first byte >= 0x80 costs a 0x00 in DER: 21 octets. */
	if (i == 0 && r->seriallen == 20 && (r->serial[0] & 0x80))
		return km_errf(err, KM_EDATA,
		    "serial: longer than 20 octets in DER");
	if (r->not_after <= r->not_before)
		return km_errf(err, KM_EDATA,
		    "validity: notAfter is not after notBefore");
	if (r->ku & ~(unsigned)KU_ALL)
		return km_errf(err, KM_EDATA, "keyUsage: unknown bits 0x%x",
		    r->ku & ~(unsigned)KU_ALL);
	if (r->eku & ~(unsigned)EKU_ALL)
		return km_errf(err, KM_EDATA,
		    "extendedKeyUsage: unknown bits 0x%x",
		    r->eku & ~(unsigned)EKU_ALL);
	if ((r->ku & (KM_KU_KEY_CERT_SIGN | KM_KU_CRL_SIGN)) && !r->ca)
		return km_errf(err, KM_EDATA,
		    "keyUsage: keyCertSign or cRLSign without cA");
	if (r->email != NULL && (r->email[0] == '\0' ||
	    strlen(r->email) > EMAIL_MAX || !isgraphascii(r->email) ||
	    strchr(r->email, '@') == NULL || r->email[0] == '@' ||
	    strchr(r->email, '@')[1] == '\0'))
		return km_errf(err, KM_EDATA, "e-mail '%.64s': not an address",
		    r->email);
	if (r->crl_url != NULL && (r->crl_url[0] == '\0' ||
	    strlen(r->crl_url) > URL_MAX || !isgraphascii(r->crl_url) ||
	    strchr(r->crl_url, ':') == NULL))
		return km_errf(err, KM_EDATA, "CRL URL '%.64s': not a URI",
		    r->crl_url);
	if (r->ocsp_url != NULL && (r->ocsp_url[0] == '\0' ||
	    strlen(r->ocsp_url) > URL_MAX || !isgraphascii(r->ocsp_url) ||
	    strchr(r->ocsp_url, ':') == NULL))
		return km_errf(err, KM_EDATA, "OCSP URL '%.64s': not a URI",
		    r->ocsp_url);
	return 0;
}

/* Sets *t to time t (UTCTime to 2049, GeneralizedTime after). */
static int
set_time(ASN1_TIME *at, time_t t)
{
	return ASN1_TIME_set(at, t) == NULL ? -1 : 0;
}

/*
 * Puts k's public key into x.  A key that came from a CSR goes in as the
 * CSR encoded it (algorithm and key bits copied); X509_set_pubkey() would
 * send it through OpenSSL 3.0's encoder and decoder, which costs more
 * than the signature.  Returns 0 or -1 (OpenSSL's queue set).
 */
static int
set_pubkey(X509 *x, const struct km_key *k)
{
	ASN1_OBJECT *alg;
	const ASN1_OBJECT *o;
	const void *pval;
	const unsigned char *bits;
	unsigned char *copy;
	X509_ALGOR *pa;
	void *param = NULL;
	int bitslen, ptype;

	if (k->req == NULL)
		return X509_set_pubkey(x, k->pkey) == 1 ? 0 : -1;
	if (X509_PUBKEY_get0_param(&alg, &bits, &bitslen, &pa,
	    X509_REQ_get_X509_PUBKEY(k->req)) != 1 || bitslen <= 0)
		return -1;
	X509_ALGOR_get0(&o, &ptype, &pval, pa);
	if (ptype == V_ASN1_OBJECT &&
	    (param = OBJ_dup((const ASN1_OBJECT *)pval)) == NULL)
		return -1;
	if (ptype == V_ASN1_SEQUENCE && (param = ASN1_STRING_dup(
	    (const ASN1_STRING *)pval)) == NULL)
		return -1;
	if (ptype != V_ASN1_OBJECT && ptype != V_ASN1_SEQUENCE &&
	    ptype != V_ASN1_NULL && ptype != V_ASN1_UNDEF)
		return -1;
	if ((copy = OPENSSL_memdup(bits, (size_t)bitslen)) == NULL ||
	    (alg = OBJ_dup(o)) == NULL) {
		OPENSSL_free(copy);
		ptype == V_ASN1_OBJECT ? ASN1_OBJECT_free(param) :
		    ASN1_STRING_free(param);
		return -1;
	}
	if (X509_PUBKEY_set0_param(X509_get_X509_PUBKEY(x), alg, ptype, param,
	    copy, bitslen) != 1) {
		OPENSSL_free(copy);
		ASN1_OBJECT_free(alg);
		ptype == V_ASN1_OBJECT ? ASN1_OBJECT_free(param) :
		    ASN1_STRING_free(param);
		return -1;
	}
	return 0;
}

/*
 * Makes a certificate from r, signed by ik for issuer, or self-signed by
 * ik (which must be r->key's pair) when issuer is NULL: v3, the serial,
 * subject and validity of r, the issuer's subject as issuer name,
 * basicConstraints (critical), keyUsage (critical) when r->ku is not 0,
 * extendedKeyUsage, subjectKeyIdentifier (SHA-1 of the key), the
 * authorityKeyIdentifier for an issued one, subjectAltName,
 * cRLDistributionPoints, authorityInfoAccess and id-pkix-ocsp-nocheck
 * as r asks.  The issuer must be a CA whose keyUsage allows keyCertSign,
 * and ik must hold its key.  Returns 0 and *cp (free with km_cert_free());
 * -1 with KM_EDATA for a bad request, KM_EUSAGE for a wrong key, KM_ESYS
 * if OpenSSL fails.
 */
int
km_cert_make(const struct km_certreq *r, struct km_key *ik,
    const struct km_cert *issuer, struct km_cert **cp, struct km_err *err)
{
	X509 *x;
	X509_NAME *name;
	ASN1_INTEGER *sn = NULL;
	BIGNUM *bn = NULL;

	*cp = NULL;
	if (check_req(r, err) == -1 ||
	    check_signer(ik, issuer, r->key, KM_KU_KEY_CERT_SIGN, err) == -1)
		return -1;
	if ((x = X509_new()) == NULL || (name = X509_NAME_new()) == NULL) {
		X509_free(x);
		return km_ssl_errf(err, KM_ESYS, "cannot make a certificate");
	}
	if (add_subject(name, r, err) == -1) {
		X509_NAME_free(name);
		X509_free(x);
		return -1;
	}
	if (X509_set_subject_name(x, name) != 1 ||
	    X509_set_issuer_name(x, issuer != NULL ?
	    X509_get_subject_name(issuer->x) : name) != 1) {
		X509_NAME_free(name);
		goto fail;
	}
	X509_NAME_free(name);
	if (X509_set_version(x, X509_VERSION_3) != 1 ||
	    (bn = BN_bin2bn(r->serial, (int)r->seriallen, NULL)) == NULL ||
	    (sn = BN_to_ASN1_INTEGER(bn, NULL)) == NULL ||
	    X509_set_serialNumber(x, sn) != 1 ||
	    set_pubkey(x, r->key) == -1)
		goto fail;
	if (set_time(X509_getm_notBefore(x), r->not_before) == -1 ||
	    set_time(X509_getm_notAfter(x), r->not_after) == -1) {
		ASN1_INTEGER_free(sn);
		BN_free(bn);
		X509_free(x);
		return km_ssl_errf(err, KM_EDATA, "validity: out of range");
	}
	if (add_bc_ku(x, r) == -1 || add_eku(x, r->eku) == -1 ||
	    add_keyids(x, issuer != NULL ? issuer->x : NULL) == -1 ||
	    add_names(x, r) == -1)
		goto fail;
	if (X509_sign(x, ik->pkey, sigmd(ik->pkey)) <= 0) {
		ASN1_INTEGER_free(sn);
		BN_free(bn);
		X509_free(x);
		return km_ssl_errf(err, KM_ESYS, "cannot sign the certificate");
	}
	/* Handed back as built: parsing its DER again would decode the
	 * public key through OpenSSL 3.0's decoders, the dearest step of
	 * all. */
	ASN1_INTEGER_free(sn);
	BN_free(bn);
	if ((*cp = km_cert_wrap(x)) == NULL)
		return km_errf(err, KM_ESYS, "out of memory");
	return 0;
fail:
	ASN1_INTEGER_free(sn);
	BN_free(bn);
	X509_free(x);
	return km_ssl_errf(err, KM_ESYS, "cannot make a certificate");
}

/* 1 if the n bytes at p look like PEM (a "-----BEGIN " line). */
static int
ispem(const unsigned char *p, size_t n)
{
	static const char tag[] = "-----BEGIN ";
	size_t i;

	for (i = 0; i + sizeof(tag) - 1 <= n; i++)
		if (p[i] == '-' && memcmp(p + i, tag, sizeof(tag) - 1) == 0)
			return 1;
	return 0;
}

/*
 * Parses n bytes of a PEM ("CERTIFICATE") or DER certificate into *cp;
 * DER must be exactly one certificate.  Returns 0, or -1 with KM_EDATA
 * "not a certificate".
 */
int
km_cert_parse(struct km_cert **cp, const unsigned char *p, size_t n,
    struct km_err *err)
{
	X509 *x = NULL;
	BIO *bio;
	const unsigned char *q = p;

	*cp = NULL;
	if (n == 0 || n > INT_MAX)
		return km_errf(err, KM_EDATA, "not a certificate");
	if (ispem(p, n)) {
		if ((bio = BIO_new_mem_buf(p, (int)n)) == NULL)
			return km_ssl_errf(err, KM_ESYS, "out of memory");
		x = PEM_read_bio_X509(bio, NULL, NULL, NULL);
		BIO_free(bio);
	} else {
		x = d2i_X509(NULL, &q, (long)n);
		if (x != NULL && q != p + n) {
			X509_free(x);
			ERR_clear_error();
			return km_errf(err, KM_EDATA,
			    "not a certificate: trailing data");
		}
	}
	if (x == NULL)
		return km_ssl_errf(err, KM_EDATA, "not a certificate");
	ERR_clear_error();
	if ((*cp = km_cert_wrap(x)) == NULL)
		return km_errf(err, KM_ESYS, "out of memory");
	return 0;
}

/* Reads path (at most max bytes) into a malloc'd buffer. */
static int
readfile(const char *path, size_t max, unsigned char **buf, size_t *len,
    struct km_err *err)
{
	FILE *fp;
	unsigned char *b;
	size_t n;

	*buf = NULL;
	*len = 0;
	if ((fp = fopen(path, "rb")) == NULL)
		return km_errf(err, KM_EDATA, "cannot read '%s': %s", path,
		    strerror(errno));
	if ((b = malloc(max + 1)) == NULL) {
		fclose(fp);
		return km_errf(err, KM_ESYS, "out of memory");
	}
	n = fread(b, 1, max + 1, fp);
	if (ferror(fp)) {
		fclose(fp);
		free(b);
		return km_errf(err, KM_EDATA, "cannot read '%s'", path);
	}
	fclose(fp);
	if (n > max) {
		free(b);
		return km_errf(err, KM_EDATA, "'%s': larger than %zu bytes",
		    path, max);
	}
	*buf = b;
	*len = n;
	return 0;
}

/* Loads a certificate (PEM or DER) from path; errors name path. */
int
km_cert_load(struct km_cert **cp, const char *path, struct km_err *err)
{
	unsigned char *buf;
	size_t len;
	int rc;

	*cp = NULL;
	if (readfile(path, CERTFILE_MAX, &buf, &len, err) == -1)
		return -1;
	rc = km_cert_parse(cp, buf, len, err);
	free(buf);
	if (rc == -1)
		return km_errpre(err, "certificate '%s'", path);
	return 0;
}

/* Frees the n certificates of v, and v. */
static void
certv_free(struct km_cert **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		km_cert_free(v[i]);
	free(v);
}

/*
 * Loads every PEM certificate of path, in order, into *v (n of them; free
 * each with km_cert_free() and v with free()).  A file without any, or
 * with a broken one, is KM_EDATA naming path.
 */
int
km_cert_load_all(struct km_cert ***vp, size_t *np, const char *path,
    struct km_err *err)
{
	struct km_cert **v = NULL, **nv, *c;
	size_t n = 0, cap = 0;
	unsigned long e;
	BIO *bio;
	X509 *x;

	*vp = NULL;
	*np = 0;
	if ((bio = BIO_new_file(path, "r")) == NULL) {
		ERR_clear_error();
		return km_errf(err, KM_EDATA, "cannot read '%s': %s", path,
		    strerror(errno));
	}
	while ((x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
		if ((c = km_cert_wrap(x)) == NULL)
			goto nomem;
		if (n == cap) {
			cap = cap ? 2 * cap : 4;
			if ((nv = reallocarray(v, cap,
			    sizeof(struct km_cert *))) == NULL) {
				km_cert_free(c);
				goto nomem;
			}
			v = nv;
		}
		v[n++] = c;
	}
	e = ERR_peek_last_error();
	BIO_free(bio);
	if (ERR_GET_LIB(e) != ERR_LIB_PEM ||
	    ERR_GET_REASON(e) != PEM_R_NO_START_LINE) {
		certv_free(v, n);
		return km_ssl_errf(err, KM_EDATA, "certificates '%s'", path);
	}
	ERR_clear_error();
	if (n == 0) {
		free(v);
		return km_errf(err, KM_EDATA,
		    "certificates '%s': none in the file", path);
	}
	*vp = v;
	*np = n;
	return 0;
nomem:
	BIO_free(bio);
	certv_free(v, n);
	ERR_clear_error();
	return km_errf(err, KM_ESYS, "out of memory");
}

/* Frees a certificate; NULL is fine. */
void
km_cert_free(struct km_cert *c)
{
	if (c == NULL)
		return;
	X509_free(c->x);
	free(c);
}

/* A new reference to c's certificate; NULL on no memory. */
struct km_cert *
km_cert_dup(const struct km_cert *c)
{
	if (X509_up_ref(c->x) != 1)
		return NULL;
	return km_cert_wrap(c->x);
}

/* The DER of c in *out (malloc'd, *len bytes). */
int
km_cert_der(const struct km_cert *c, unsigned char **out, size_t *len,
    struct km_err *err)
{
	unsigned char *b, *q;
	int n;

	*out = NULL;
	*len = 0;
	if ((n = i2d_X509(c->x, NULL)) <= 0)
		return km_ssl_errf(err, KM_ESYS, "cannot encode certificate");
	if ((b = malloc((size_t)n)) == NULL)
		return km_errf(err, KM_ESYS, "out of memory");
	q = b;
	if (i2d_X509(c->x, &q) != n) {
		free(b);
		return km_ssl_errf(err, KM_ESYS, "cannot encode certificate");
	}
	*out = b;
	*len = (size_t)n;
	return 0;
}

/* Copies what bio holds into a malloc'd NUL-terminated string. */
static int
bio_string(BIO *bio, char **out, struct km_err *err)
{
	char *data, *s;
	long n;

	if ((n = BIO_get_mem_data(bio, &data)) < 0)
		return km_ssl_errf(err, KM_ESYS, "out of memory");
	if ((s = malloc((size_t)n + 1)) == NULL)
		return km_errf(err, KM_ESYS, "out of memory");
	memcpy(s, data, (size_t)n);
	s[n] = '\0';
	*out = s;
	return 0;
}

/* The PEM of c in *out (malloc'd, NUL-terminated). */
int
km_cert_pem(const struct km_cert *c, char **out, struct km_err *err)
{
	BIO *bio;
	int rc;

	*out = NULL;
	if ((bio = BIO_new(BIO_s_mem())) == NULL)
		return km_ssl_errf(err, KM_ESYS, "out of memory");
	if (PEM_write_bio_X509(bio, c->x) != 1) {
		BIO_free(bio);
		return km_ssl_errf(err, KM_ESYS, "cannot encode certificate");
	}
	rc = bio_string(bio, out, err);
	BIO_free(bio);
	return rc;
}

/*
 * Copies n bytes of s into buf (sz bytes), cut at a character boundary
 * if need be, with control characters and NULs as '?': a value from an
 * untrusted certificate must not break a message or a TSV line.
 */
static void
copy_clean(char *buf, size_t sz, const unsigned char *s, size_t n)
{
	size_t i;

	if (n > sz - 1) {
		n = sz - 1;
		while (n > 0 && (s[n] & 0xc0) == 0x80)
			n--;
	}
	for (i = 0; i < n; i++)
		buf[i] = s[i] < 0x20 || s[i] == 0x7f ? '?' : (char)s[i];
	buf[n] = '\0';
}

/* name in RFC 2253 form, UTF-8 kept, into buf. */
static int
dn_string(const X509_NAME *name, char *buf, size_t sz)
{
	BIO *bio;
	char *data;
	long n;

	buf[0] = '\0';
	if ((bio = BIO_new(BIO_s_mem())) == NULL)
		return -1;
	if (X509_NAME_print_ex(bio, name, 0,
	    XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) < 0 ||
	    (n = BIO_get_mem_data(bio, &data)) < 0) {
		BIO_free(bio);
		return -1;
	}
	copy_clean(buf, sz, (const unsigned char *)data, (size_t)n);
	BIO_free(bio);
	return 0;
}

/* The first attribute nid of name, as UTF-8, into buf; "" if none. */
static void
dn_attr(const X509_NAME *name, int nid, char *buf, size_t sz)
{
	const X509_NAME_ENTRY *ne;
	unsigned char *u;
	int i, n;

	buf[0] = '\0';
	if ((i = X509_NAME_get_index_by_NID(name, nid, -1)) < 0 ||
	    (ne = X509_NAME_get_entry(name, i)) == NULL)
		return;
	if ((n = ASN1_STRING_to_UTF8(&u,
	    X509_NAME_ENTRY_get_data(ne))) < 0) {
		ERR_clear_error();
		return;
	}
	copy_clean(buf, sz, u, (size_t)n);
	OPENSSL_free(u);
}

/*
 * A non-negative INTEGER of at most 20 octets (leading zeros aside) in
 * upper-case hex, into hex; -1 for a negative or longer one.
 */
static int
int_hex(const ASN1_INTEGER *ai, char hex[KM_SERIALSZ])
{
	const unsigned char *d = ASN1_STRING_get0_data(ai);
	int n = ASN1_STRING_length(ai), i;

	hex[0] = '\0';
	if (ASN1_STRING_type(ai) == V_ASN1_NEG_INTEGER)
		return -1;
	while (n > 0 && d[0] == 0) {
		d++;
		n--;
	}
	if (n > 20)
		return -1;
	if (n == 0) {
		memcpy(hex, "00", 3);
		return 0;
	}
	for (i = 0; i < n; i++) {
		hex[2 * i] = hexdigit[d[i] >> 4];
		hex[2 * i + 1] = hexdigit[d[i] & 0x0f];
	}
	hex[2 * n] = '\0';
	return 0;
}

/* SHA-256 of pkey's DER SubjectPublicKeyInfo in lower-case hex. */
static int
spki_id(const X509_PUBKEY *pub, char hex[65])
{
	unsigned char *der = NULL;
	int n, rc;

	/* The encoded SubjectPublicKeyInfo: OpenSSL 3.0 would re-encode the
	 * key through its encoders for i2d_PUBKEY(), 100 times slower. */
	if ((n = i2d_X509_PUBKEY(pub, &der)) <= 0)
		return -1;
	rc = km_sha256_hex(der, (size_t)n, hex);
	OPENSSL_free(der);
	return rc;
}

/*
 * Describes c in *ci: serial, subject and issuer (RFC 2253, UTF-8; cut
 * at a character boundary if longer than the buffer), commonName,
 * serialNumber attribute and first rfc822Name (control characters as
 * '?'), validity, the km_key_id() of its key, cA, and the KM_KU_* and
 * KM_EKU_* bits it asserts (0 without the extension).  Returns 0; -1 with
 * KM_EDATA for a negative or over-long serial, a missing or malformed
 * time or key.
 */
int
km_cert_info(const struct km_cert *c, struct km_certinfo *ci,
    struct km_err *err)
{
	const X509 *x = c->x;
	GENERAL_NAMES *gs;
	const GENERAL_NAME *g;
	EXTENDED_KEY_USAGE *eku;
	struct tm tm;
	long ku;
	int i, j, nid;

	memset(ci, 0, sizeof(*ci));
	if (int_hex(X509_get0_serialNumber(x), ci->serial) == -1)
		return km_errf(err, KM_EDATA,
		    "certificate: serial negative or over 20 octets");
	if (dn_string(X509_get_subject_name(x), ci->subject,
	    sizeof(ci->subject)) == -1 ||
	    dn_string(X509_get_issuer_name(x), ci->issuer,
	    sizeof(ci->issuer)) == -1)
		return km_ssl_errf(err, KM_ESYS, "cannot print a name");
	dn_attr(X509_get_subject_name(x), NID_commonName, ci->cn,
	    sizeof(ci->cn));
	dn_attr(X509_get_subject_name(x), NID_serialNumber,
	    ci->serial_number, sizeof(ci->serial_number));
	if ((gs = ext_get(x, NID_subject_alt_name)) != NULL) {
		for (i = 0; i < sk_GENERAL_NAME_num(gs); i++) {
			g = sk_GENERAL_NAME_value(gs, i);
			if (g->type == GEN_EMAIL) {
				copy_clean(ci->email, sizeof(ci->email),
				    ASN1_STRING_get0_data(g->d.rfc822Name),
				    (size_t)ASN1_STRING_length(
				    g->d.rfc822Name));
				break;
			}
		}
		GENERAL_NAMES_free(gs);
	}
	if (ASN1_TIME_to_tm(X509_get0_notBefore(x), &tm) != 1 ||
	    (ci->not_before = timegm(&tm)) == (time_t)-1 ||
	    ASN1_TIME_to_tm(X509_get0_notAfter(x), &tm) != 1 ||
	    (ci->not_after = timegm(&tm)) == (time_t)-1)
		return km_ssl_errf(err, KM_EDATA, "certificate: bad validity");
	if (X509_get_X509_PUBKEY(x) == NULL ||
	    spki_id(X509_get_X509_PUBKEY(x), ci->key_id) == -1)
		return km_ssl_errf(err, KM_EDATA,
		    "certificate: unusable public key");
	ci->ca = is_ca(x);
	if ((ku = ku_of(x)) != -1)
		ci->ku = (unsigned)ku;
	if ((eku = ext_get(x, NID_ext_key_usage)) != NULL) {
		for (i = 0; i < sk_ASN1_OBJECT_num(eku); i++) {
			nid = OBJ_obj2nid(sk_ASN1_OBJECT_value(eku, i));
			for (j = 0; j < (int)nitems(ekutab); j++)
				if (nid == ekutab[j].nid)
					ci->eku |= ekutab[j].bit;
		}
		EXTENDED_KEY_USAGE_free(eku);
	}
	ERR_clear_error();
	return 0;
}

/* The public key of c as a new key (free with km_key_free()). */
int
km_cert_pubkey(const struct km_cert *c, struct km_key **kp,
    struct km_err *err)
{
	EVP_PKEY *pkey;

	*kp = NULL;
	if ((pkey = X509_get_pubkey(c->x)) == NULL)
		return km_ssl_errf(err, KM_EDATA,
		    "certificate: unusable public key");
	if ((*kp = km_key_wrap(pkey)) == NULL)
		return km_errf(err, KM_ESYS, "out of memory");
	return 0;
}

/*
 * Verifies c up to one of the ntrusted anchors, through the nuntrusted
 * intermediates, at time at (0: now), as RFC 5280 and OpenSSL's strict
 * mode (X509_V_FLAG_X509_STRICT) want it; revocation is not checked (the
 * caller asks the store).  Returns 0 good; 1 not, with KM_ENOTFOUND and
 * OpenSSL's reason ("certificate has expired"); -1 on failure.
 */
int
km_cert_verify(const struct km_cert *c, struct km_cert *const *trusted,
    size_t ntrusted, struct km_cert *const *untrusted, size_t nuntrusted,
    time_t at, struct km_err *err)
{
	X509_STORE *store;
	X509_STORE_CTX *ctx = NULL;
	X509_VERIFY_PARAM *param;
	STACK_OF(X509) *chain = NULL;
	size_t i;
	int rc, e;

	if ((store = X509_STORE_new()) == NULL)
		return km_ssl_errf(err, KM_ESYS, "cannot verify");
	for (i = 0; i < ntrusted; i++)
		if (X509_STORE_add_cert(store, trusted[i]->x) != 1)
			goto fail;
	if ((chain = sk_X509_new_null()) == NULL)
		goto fail;
	for (i = 0; i < nuntrusted; i++)
		if (sk_X509_push(chain, untrusted[i]->x) == 0)
			goto fail;
	if ((ctx = X509_STORE_CTX_new()) == NULL ||
	    X509_STORE_CTX_init(ctx, store, c->x, chain) != 1)
		goto fail;
	param = X509_STORE_CTX_get0_param(ctx);
	X509_VERIFY_PARAM_set_flags(param, X509_V_FLAG_X509_STRICT);
	if (at != 0)
		X509_VERIFY_PARAM_set_time(param, at);	/* USE_CHECK_TIME */
	rc = X509_verify_cert(ctx);
	e = X509_STORE_CTX_get_error(ctx);
	X509_STORE_CTX_free(ctx);
	sk_X509_free(chain);
	X509_STORE_free(store);
	ERR_clear_error();
	if (rc == 1)
		return 0;
	if (e == X509_V_OK)
		return km_errf(err, KM_ESYS, "cannot verify");
	km_errf(err, KM_ENOTFOUND, "%s", X509_verify_cert_error_string(e));
	return 1;
fail:
	X509_STORE_CTX_free(ctx);
	sk_X509_free(chain);
	X509_STORE_free(store);
	return km_ssl_errf(err, KM_ESYS, "cannot verify");
}

/* Parses a CSR (PEM or exactly one DER) from the n bytes at p; NULL. */
static X509_REQ *
req_read(const unsigned char *p, size_t n)
{
	const unsigned char *q = p;
	X509_REQ *req;
	BIO *bio;

	if (ispem(p, n)) {
		if ((bio = BIO_new_mem_buf(p, (int)n)) == NULL)
			return NULL;
		req = PEM_read_bio_X509_REQ(bio, NULL, NULL, NULL);
		BIO_free(bio);
		return req;
	}
	req = d2i_X509_REQ(NULL, &q, (long)n);
	if (req != NULL && q != p + n) {
		X509_REQ_free(req);
		return NULL;
	}
	return req;
}

/* Parses a SubjectPublicKeyInfo (PEM or exactly one DER); NULL. */
static EVP_PKEY *
pubkey_read(const unsigned char *p, size_t n)
{
	const unsigned char *q = p;
	EVP_PKEY *pkey;
	BIO *bio;

	if (ispem(p, n)) {
		if ((bio = BIO_new_mem_buf(p, (int)n)) == NULL)
			return NULL;
		pkey = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
		BIO_free(bio);
		return pkey;
	}
	pkey = d2i_PUBKEY(NULL, &q, (long)n);
	if (pkey != NULL && q != p + n) {
		EVP_PKEY_free(pkey);
		return NULL;
	}
	return pkey;
}

/*
 * Reads a request from the n bytes at p: a PKCS#10 CSR, PEM or DER, whose
 * self-signature must verify under its own key, or else a bare public
 * key, PEM or DER SubjectPublicKeyInfo.  *key gets the public key (free
 * with km_key_free()), *iscsr 1 for a CSR and 0 for a key.  Returns 0, or
 * -1 with KM_EDATA naming name.  Only the key is taken from a CSR: the
 * subject and extensions it asks for are the CA's to decide.
 */
int
km_req_parse(const unsigned char *p, size_t n, const char *name,
    struct km_key **key, int *iscsr, struct km_err *err)
{
	X509_REQ *req;
	EVP_PKEY *pkey;
	int ok;

	*key = NULL;
	*iscsr = 0;
	if (name == NULL)
		name = "-";
	if (n == 0 || n > INT_MAX) {
		km_errf(err, KM_EDATA,
		    "request '%s': neither a CSR nor a public key", name);
		return -1;
	}
	if ((req = req_read(p, n)) != NULL) {
		if ((pkey = X509_REQ_get_pubkey(req)) == NULL) {
			X509_REQ_free(req);
			ERR_clear_error();
			return km_errf(err, KM_EDATA,
			    "request '%s': unusable public key", name);
		}
		ok = X509_REQ_verify(req, pkey) == 1;
		ERR_clear_error();
		if (!ok) {
			X509_REQ_free(req);
			EVP_PKEY_free(pkey);
			return km_errf(err, KM_EDATA,
			    "request '%s': self-signature does not verify",
			    name);
		}
		*iscsr = 1;
		if ((*key = km_key_wrap(pkey)) == NULL) {
			X509_REQ_free(req);
			return km_errf(err, KM_ESYS, "out of memory");
		}
		(*key)->req = req;	/* its key, encoded, for the cert */
		return 0;
	} else if ((pkey = pubkey_read(p, n)) == NULL) {
		ERR_clear_error();
		return km_errf(err, KM_EDATA,
		    "request '%s': neither a CSR nor a public key", name);
	}
	ERR_clear_error();
	if ((*key = km_key_wrap(pkey)) == NULL)
		return km_errf(err, KM_ESYS, "out of memory");
	return 0;
}

/* Decodes 1 to 40 hex digits (s is read up to KM_SERIALSZ bytes) into
 * bytes (at most 20) without leading zero bytes; -1 if s is not such a
 * string. */
static int
hex_serial(const char *s, unsigned char out[20], size_t *n)
{
	size_t len = strnlen(s, KM_SERIALSZ), i, k;
	int v, hi = 0;

	if (len == 0 || len > 40)
		return -1;
	*n = 0;
	k = len % 2;	/* an odd count: the first digit is a low nibble */
	for (i = 0; i < len; i++) {
		if (s[i] >= '0' && s[i] <= '9')
			v = s[i] - '0';
		else if (s[i] >= 'A' && s[i] <= 'F')
			v = s[i] - 'A' + 10;
		else if (s[i] >= 'a' && s[i] <= 'f')
			v = s[i] - 'a' + 10;
		else
			return -1;
		if ((i + k) % 2 == 0)
			hi = v;
		else {
			if (*n > 0 || hi != 0 || v != 0)
				out[(*n)++] = (unsigned char)(hi << 4 | v);
		}
	}
	return 0;
}

/*
 * CRLs.  OpenSSL's template encoder measures every nested structure
 * again at each level above it and keeps no encoding it made, so a CRL
 * built of X509_REVOKED objects is encoded four times over (to sign, to
 * measure, to write), about 1.5 s for 100,000 entries.  Here OpenSSL
 * builds and signs the CRL without its entries (the template: version,
 * issuer, times, extensions, signature algorithm), OpenSSL encodes each
 * entry once (an X509_REVOKED, i2d_X509_REVOKED()), and the entries are
 * spliced into the template's TBSCertList before [0] crlExtensions, under
 * the SEQUENCE OF header; the result is signed again with the same key
 * and digest.  Only the headers of the two SEQUENCEs that grow are
 * written here.  Everything is linear but the sort.
 */
struct crlent {
	unsigned char	 ser[20];	/* magnitude, no leading zero bytes */
	unsigned char	 slen;
	time_t		 at;		/* revocationDate */
	int		 reason;	/* -1: none */
};

/* Orders entries by serial number, as X509_CRL_sort() does: the shorter
 * magnitude first, then bytewise. */
static int
crlent_cmp(const void *a, const void *b)
{
	const struct crlent *x = a, *y = b;

	if (x->slen != y->slen)
		return x->slen < y->slen ? -1 : 1;
	return memcmp(x->ser, y->ser, x->slen);
}

/* Writes a DER length (definite form) to out if not NULL; returns the
 * number of bytes it takes. */
static size_t
der_len(size_t n, unsigned char *out)
{
	unsigned char b[sizeof(size_t)];
	size_t k = 0, i;

	if (n < 128) {
		if (out != NULL)
			out[0] = (unsigned char)n;
		return 1;
	}
	for (; n > 0; n >>= 8)
		b[k++] = (unsigned char)(n & 0xff);
	if (out != NULL) {
		out[0] = (unsigned char)(0x80 | k);
		for (i = 0; i < k; i++)
			out[1 + i] = b[k - 1 - i];
	}
	return 1 + k;
}

/*
 * Reads the tag and length of the DER object at p (before end): *tag, its
 * header's length *hl and its contents' length *cl.  Single-byte tags and
 * definite lengths only.  Returns 0, or -1 if it does not fit.
 */
static int
der_hdr(const unsigned char *p, const unsigned char *end, int *tag,
    size_t *hl, size_t *cl)
{
	size_t n = 0, k, i;

	if (end - p < 2 || (p[0] & 0x1f) == 0x1f)
		return -1;
	*tag = p[0];
	if (p[1] < 0x80) {
		*hl = 2;
		*cl = p[1];
	} else {
		k = p[1] & 0x7f;
		if (k == 0 || k > sizeof(size_t) || (size_t)(end - p) < 2 + k)
			return -1;
		for (i = 0; i < k; i++)
			n = n << 8 | p[2 + i];
		*hl = 2 + k;
		*cl = n;
	}
	if (*cl > (size_t)(end - p) - *hl)
		return -1;
	return 0;
}

#define ENTRY_MAX	64

/*
 * The DER of revokedCertificates, the SEQUENCE OF the n entries of v,
 * each encoded by OpenSSL, into *out (malloc'd) and *len.
 */
static int
revoked_der(const struct crlent *v, size_t n, unsigned char **out,
    size_t *len, struct km_err *err)
{
	X509_REVOKED *r = NULL;
	X509_EXTENSION *ex;
	ASN1_INTEGER *ser = NULL;
	ASN1_TIME *t = NULL;
	ASN1_ENUMERATED *re = NULL;
	unsigned char *buf = NULL, *p, *nb;
	size_t cap = 0, used = 0, hl, i;
	int k;

	*out = NULL;
	*len = 0;
	if ((r = X509_REVOKED_new()) == NULL ||
	    (ser = ASN1_INTEGER_new()) == NULL ||
	    (t = ASN1_TIME_new()) == NULL ||
	    (re = ASN1_ENUMERATED_new()) == NULL)
		goto fail;
	for (i = 0; i < n; i++) {
		/* The last entry's reason, if any, goes. */
		while ((ex = X509_REVOKED_delete_ext(r, 0)) != NULL)
			X509_EXTENSION_free(ex);
		if (ASN1_STRING_set(ser, v[i].ser, v[i].slen) != 1 ||
		    X509_REVOKED_set_serialNumber(r, ser) != 1 ||
		    ASN1_TIME_set(t, v[i].at) == NULL ||
		    X509_REVOKED_set_revocationDate(r, t) != 1)
			goto fail;
		if (v[i].reason >= 0 &&
		    (ASN1_ENUMERATED_set(re, v[i].reason) != 1 ||
		    X509_REVOKED_add1_ext_i2d(r, NID_crl_reason, re, 0,
		    X509V3_ADD_REPLACE) != 1))
			goto fail;
		/* An entry takes at most 62 bytes: SEQUENCE { INTEGER of up
		 * to 21, GeneralizedTime of 17, the reason's extensions of
		 * 14 }; so one pass of the encoder writes it in place. */
		if (used + ENTRY_MAX + 16 > cap) {
			cap = cap ? 2 * cap : ENTRY_MAX * (n + 1) + 16;
			if ((nb = realloc(buf, cap)) == NULL) {
				km_errf(err, KM_ESYS, "out of memory");
				goto out;
			}
			buf = nb;
		}
		/* Room for the SEQUENCE OF header is kept at the front. */
		p = buf + 16 + used;
		if ((k = i2d_X509_REVOKED(r, &p)) <= 0 || k > ENTRY_MAX)
			goto fail;
		used += (size_t)k;
	}
	if (buf == NULL && (buf = malloc(16)) == NULL) {
		km_errf(err, KM_ESYS, "out of memory");
		goto out;
	}
	hl = 1 + der_len(used, NULL);
	buf[16 - hl] = 0x30;
	der_len(used, buf + 16 - hl + 1);
	memmove(buf, buf + 16 - hl, hl + used);
	*out = buf;
	*len = hl + used;
	buf = NULL;
	goto out;
fail:
	km_ssl_errf(err, KM_ESYS, "cannot encode the CRL entries");
out:
	free(buf);
	X509_REVOKED_free(r);
	ASN1_INTEGER_free(ser);
	ASN1_TIME_free(t);
	ASN1_ENUMERATED_free(re);
	return *out != NULL ? 0 : -1;
}

/* Checks the n entries and converts them into *vp, sorted by serial. */
static int
crl_sorted(const struct km_crl_entry *ent, size_t n, struct crlent **vp,
    struct km_err *err)
{
	struct crlent *v;
	size_t i, len;
	char hex[KM_SERIALSZ];

	*vp = NULL;
	if ((v = calloc(n ? n : 1, sizeof(*v))) == NULL)
		return km_errf(err, KM_ESYS, "out of memory");
	for (i = 0; i < n; i++) {
		if (hex_serial(ent[i].serial, v[i].ser, &len) == -1 ||
		    len == 0) {
			free(v);
			return km_errf(err, KM_EDATA,
			    "CRL entry '%.40s': not a serial", ent[i].serial);
		}
		v[i].slen = (unsigned char)len;
		if (ent[i].reason != -1 &&
		    (km_reason_name(ent[i].reason) == NULL ||
		    ent[i].reason == KM_RS_REMOVE)) {
			/* removeFromCRL belongs in delta CRLs only. */
			free(v);
			return km_errf(err, KM_EDATA,
			    "CRL entry '%.40s': bad reason code %d",
			    ent[i].serial, ent[i].reason);
		}
		v[i].reason = ent[i].reason;
		v[i].at = ent[i].at;
		if (ent[i].at < 0 || ent[i].at > (time_t)253402300799LL) {
			free(v);
			return km_errf(err, KM_EDATA,
			    "CRL entry '%.40s': date out of range",
			    ent[i].serial);
		}
	}
	qsort(v, n, sizeof(*v), crlent_cmp);
	for (i = 1; i < n; i++)
		if (crlent_cmp(&v[i - 1], &v[i]) == 0) {
			for (len = 0; len < v[i].slen; len++) {
				hex[2 * len] = hexdigit[v[i].ser[len] >> 4];
				hex[2 * len + 1] =
				    hexdigit[v[i].ser[len] & 0xf];
			}
			hex[2 * len] = '\0';
			free(v);
			return km_errf(err, KM_EDATA,
			    "CRL entry '%s': listed twice", hex);
		}
	*vp = v;
	return 0;
}

/*
 * The template: a signed v2 CRL of issuer without entries, its DER
 * malloc'd in *der.
 */
static int
crl_template(struct km_key *ik, const struct km_cert *issuer,
    long long number, time_t this_update, time_t next_update,
    unsigned char **der, size_t *len, struct km_err *err)
{
	X509_CRL *crl;
	ASN1_TIME *t = NULL;
	ASN1_INTEGER *num = NULL;
	AUTHORITY_KEYID *akid = NULL;
	unsigned char *b = NULL, *q;
	int dlen, rc = -1;

	*der = NULL;
	*len = 0;
	if ((crl = X509_CRL_new()) == NULL)
		return km_ssl_errf(err, KM_ESYS, "cannot make the CRL");
	if (X509_CRL_set_version(crl, X509_CRL_VERSION_2) != 1 ||
	    X509_CRL_set_issuer_name(crl,
	    X509_get_subject_name(issuer->x)) != 1 ||
	    (t = ASN1_TIME_new()) == NULL)
		goto fail;
	if (set_time(t, this_update) == -1 ||
	    X509_CRL_set1_lastUpdate(crl, t) != 1 ||
	    set_time(t, next_update) == -1 ||
	    X509_CRL_set1_nextUpdate(crl, t) != 1) {
		km_ssl_errf(err, KM_EDATA, "CRL: time out of range");
		goto out;
	}
	if ((num = ASN1_INTEGER_new()) == NULL ||
	    ASN1_INTEGER_set_int64(num, number) != 1 ||
	    X509_CRL_add1_ext_i2d(crl, NID_crl_number, num, 0,
	    X509V3_ADD_DEFAULT) != 1 ||
	    (akid = akid_of(issuer->x)) == NULL ||
	    X509_CRL_add1_ext_i2d(crl, NID_authority_key_identifier, akid, 0,
	    X509V3_ADD_DEFAULT) != 1 ||
	    X509_CRL_sign(crl, ik->pkey, sigmd(ik->pkey)) <= 0 ||
	    (dlen = i2d_X509_CRL(crl, NULL)) <= 0)
		goto fail;
	if ((b = malloc((size_t)dlen)) == NULL) {
		km_errf(err, KM_ESYS, "out of memory");
		goto out;
	}
	q = b;
	if (i2d_X509_CRL(crl, &q) != dlen)
		goto fail;
	*der = b;
	*len = (size_t)dlen;
	b = NULL;
	rc = 0;
	goto out;
fail:
	km_ssl_errf(err, KM_ESYS, "cannot make the CRL");
out:
	free(b);
	ASN1_TIME_free(t);
	ASN1_INTEGER_free(num);
	AUTHORITY_KEYID_free(akid);
	X509_CRL_free(crl);
	return rc;
}

/* Signs the n bytes at p with k and md as X509_CRL_sign() does (RSA
 * PKCS#1 v1.5, ECDSA DER); *sig malloc'd. */
static int
sign_bytes(EVP_PKEY *k, const EVP_MD *md, const unsigned char *p, size_t n,
    unsigned char **sig, size_t *siglen)
{
	EVP_MD_CTX *ctx;
	EVP_PKEY_CTX *pctx = NULL;
	unsigned char *s = NULL;
	size_t len;

	*sig = NULL;
	if ((ctx = EVP_MD_CTX_new()) == NULL)
		return -1;
	if (EVP_DigestSignInit(ctx, &pctx, md, NULL, k) != 1 ||
	    (EVP_PKEY_get_base_id(k) == EVP_PKEY_RSA &&
	    EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) <= 0) ||
	    EVP_DigestSign(ctx, NULL, &len, p, n) != 1 ||
	    (s = malloc(len)) == NULL ||
	    EVP_DigestSign(ctx, s, &len, p, n) != 1) {
		EVP_MD_CTX_free(ctx);
		free(s);
		return -1;
	}
	EVP_MD_CTX_free(ctx);
	*sig = s;
	*siglen = len;
	return 0;
}

/*
 * Makes a v2 CRL of issuer, signed by ik (the key of issuer, a CA whose
 * keyUsage, if any, allows cRLSign) with SHA-256 (SHA-384 for P-384):
 * thisUpdate and nextUpdate (after it), cRLNumber number (0 or more),
 * the authorityKeyIdentifier, and the n entries sorted by serial, each
 * with its revocationDate and, but for reason -1, its reasonCode; no
 * revokedCertificates when n is 0.  A serial that is not 1 to 40 hex
 * digits, one listed twice, and a reason that is no RFC 5280 code (or
 * removeFromCRL, for delta CRLs only) are KM_EDATA.  *der is malloc'd,
 * *len bytes.  The work is linear but for the sort: 100,000 entries take
 * a fraction of a second.
 */
int
km_crl_make(struct km_key *ik, const struct km_cert *issuer,
    long long number, time_t this_update, time_t next_update,
    const struct km_crl_entry *ent, size_t n, unsigned char **der,
    size_t *len, struct km_err *err)
{
	struct crlent *v;
	unsigned char *tmpl = NULL, *tbs, *sig, *out, *p, *end, *c, *rev;
	size_t tlen = 0, hl, cl, tbshl, tbscl, ins, revlen, tbslen, siglen;
	size_t alglen, outcl, off;
	const unsigned char *alg;
	int tag, i;

	*der = NULL;
	*len = 0;
	if (issuer == NULL)
		return km_errf(err, KM_EUSAGE, "CRL: no issuer");
	if (check_signer(ik, issuer, NULL, KM_KU_CRL_SIGN, err) == -1)
		return -1;
	if (number < 0)
		return km_errf(err, KM_EDATA, "CRL: negative cRLNumber");
	if (next_update <= this_update)
		return km_errf(err, KM_EDATA,
		    "CRL: nextUpdate is not after thisUpdate");
	if (n > (size_t)INT_MAX / 64)
		return km_errf(err, KM_EDATA, "CRL: too many entries");
	if (crl_sorted(ent, n, &v, err) == -1)
		return -1;
	if (crl_template(ik, issuer, number, this_update, next_update, &tmpl,
	    &tlen, err) == -1) {
		free(v);
		return -1;
	}
	if (n == 0) {
		free(v);
		*der = tmpl;
		*len = tlen;
		return 0;
	}

	/* CertificateList: TBSCertList, AlgorithmIdentifier, BIT STRING. */
	end = tmpl + tlen;
	if (der_hdr(tmpl, end, &tag, &hl, &cl) == -1 || tag != 0x30)
		goto bad;
	p = tmpl + hl;
	if (der_hdr(p, end, &tag, &tbshl, &tbscl) == -1 || tag != 0x30)
		goto bad;
	alg = p + tbshl + tbscl;
	if (der_hdr(alg, end, &tag, &hl, &cl) == -1 || tag != 0x30)
		goto bad;
	alglen = hl + cl;
	/* TBSCertList: version, signature, issuer, thisUpdate, nextUpdate,
	 * then revokedCertificates goes before [0] crlExtensions. */
	c = p + tbshl;
	for (i = 0; i < 5; i++) {
		if (der_hdr(c, alg, &tag, &hl, &cl) == -1)
			goto bad;
		c += hl + cl;
	}
	ins = (size_t)(c - (p + tbshl));
	if (revoked_der(v, n, &rev, &revlen, err) == -1) {
		free(v);
		free(tmpl);
		return -1;
	}
	free(v);
	tbslen = 1 + der_len(tbscl + revlen, NULL) + tbscl + revlen;
	if ((tbs = malloc(tbslen)) == NULL) {
		free(rev);
		free(tmpl);
		return km_errf(err, KM_ESYS, "out of memory");
	}
	tbs[0] = 0x30;
	off = 1 + der_len(tbscl + revlen, tbs + 1);
	memcpy(tbs + off, p + tbshl, ins);
	off += ins;
	memcpy(tbs + off, rev, revlen);
	off += revlen;
	memcpy(tbs + off, p + tbshl + ins, tbscl - ins);
	off += tbscl - ins;
	assert(off == tbslen);
	free(rev);

	if (sign_bytes(ik->pkey, sigmd(ik->pkey), tbs, tbslen, &sig,
	    &siglen) == -1) {
		free(tbs);
		free(tmpl);
		return km_ssl_errf(err, KM_ESYS, "cannot sign the CRL");
	}
	outcl = tbslen + alglen + 1 + der_len(siglen + 1, NULL) + 1 + siglen;
	*len = 1 + der_len(outcl, NULL) + outcl;
	if ((out = malloc(*len)) == NULL) {
		free(sig);
		free(tbs);
		free(tmpl);
		*len = 0;
		return km_errf(err, KM_ESYS, "out of memory");
	}
	out[0] = 0x30;
	off = 1 + der_len(outcl, out + 1);
	memcpy(out + off, tbs, tbslen);
	off += tbslen;
	memcpy(out + off, alg, alglen);
	off += alglen;
	out[off++] = V_ASN1_BIT_STRING;
	off += der_len(siglen + 1, out + off);
	out[off++] = 0;		/* no unused bits */
	memcpy(out + off, sig, siglen);
	assert(off + siglen == *len);
	free(sig);
	free(tbs);
	free(tmpl);
	*der = out;
	return 0;
bad:
	free(v);
	free(tmpl);
	return km_errf(err, KM_ESYS, "CRL: unexpected template encoding");
}

/*
 * Armours n bytes of DER as PEM under label ("X509 CRL", "CERTIFICATE")
 * into *pem, malloc'd and NUL-terminated.  Returns 0 or -1.
 */
int
km_pem_encode(const char *label, const unsigned char *p, size_t n,
    char **pem, struct km_err *err)
{
	BIO *bio;
	int rc;

	*pem = NULL;
	if (label == NULL || label[0] == '\0' || !isprintablestring(label))
		return km_errf(err, KM_EUSAGE, "PEM: bad label");
	if (n > LONG_MAX || n > INT_MAX)
		return km_errf(err, KM_EDATA, "PEM: too long");
	if ((bio = BIO_new(BIO_s_mem())) == NULL)
		return km_ssl_errf(err, KM_ESYS, "out of memory");
	if (PEM_write_bio(bio, label, "", p, (long)n) <= 0) {
		BIO_free(bio);
		return km_ssl_errf(err, KM_ESYS, "cannot write PEM");
	}
	rc = bio_string(bio, pem, err);
	BIO_free(bio);
	return rc;
}
