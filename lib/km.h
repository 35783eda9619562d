/*
 * km.h -- the public interface of libkm, the library every km program
 * shares.  Sections follow the source files of lib/.  Library functions
 * never print and never exit: they return 0 (or a count) on success and -1
 * on failure, with the failure described in a struct km_err.  The command
 * decides what to print and which exit status to use (km(7)).
 */
#ifndef KM_H
#define KM_H

#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#ifndef __dead
#define __dead __attribute__((noreturn))
#endif
#define KM_PRINTF(a, b) __attribute__((format(printf, a, b)))

#define KM_VERSION "0.1.0"

/* err.c */

/* Error classes; km_exitcode() maps them to the exit statuses of km(7). */
enum km_errclass {
	KM_EOK,		/* 0 ok */
	KM_ENOTFOUND,	/* 1 a negative answer: not found, refused */
	KM_EUSAGE,	/* 2 usage */
	KM_EDATA,	/* 3 bad data or config: do not retry */
	KM_ETEMP,	/* 4 temporary: store busy, no card: retry */
	KM_ESYS		/* 5 system or library failure */
};

struct km_err {
	enum km_errclass eclass;
	char msg[512];
};

/* Set err (may be NULL) from a format and arguments. */
void	km_verrf(struct km_err *, enum km_errclass, const char *, va_list);
void	km_verrpre(struct km_err *, const char *, va_list);

/* Sets err (may be NULL) to class and message; always returns -1.  Inline,
 * so that callers (and static analysers) see the -1. */
static inline int km_errf(struct km_err *, enum km_errclass, const char *,
    ...) KM_PRINTF(3, 4);
static inline int
km_errf(struct km_err *e, enum km_errclass c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	km_verrf(e, c, fmt, ap);
	va_end(ap);
	return -1;
}

/* Puts "prefix: " before the message already in err; returns -1. */
static inline int km_errpre(struct km_err *, const char *, ...)
    KM_PRINTF(2, 3);
static inline int
km_errpre(struct km_err *e, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	km_verrpre(e, fmt, ap);
	va_end(ap);
	return -1;
}

int	km_exitcode(enum km_errclass);
void	km_errclear(struct km_err *);

/* id.c -- Polish identifiers and card numbers; all take ASCII strings.
 * Error messages name the fault, never the number itself. */
struct km_pesel {
	int	year, month, day;
	char	sex;		/* 'F' or 'M' */
};
/* 0 if s is a valid PESEL (11 digits, check digit, real date); fills *p
 * when p is not NULL. */
int	km_pesel_check(const char *s, struct km_pesel *p, struct km_err *);
/* Strips "PL", spaces and dashes; writes the 10 digits to out. */
int	km_nip_check(const char *s, char out[11], struct km_err *);
int	km_regon_check(const char *s, struct km_err *);	/* 9 or 14 digits */
int	km_idcard_check(const char *s, struct km_err *);	/* AAA999999 */
/* NRB (26 digits) or IBAN PL...; spaces allowed; writes the 26 digits. */
int	km_nrb_check(const char *s, char out[27], struct km_err *);
/* Makes an NRB from a 24-digit BBAN (sort code and account). */
int	km_nrb_make(const char *bban24, char out[27], struct km_err *);
int	km_luhn_valid(const char *digits);		/* 1 valid, 0 not */
char	km_luhn_digit(const char *payload);		/* the digit to append */
/* Masks all but the last n characters with '*'. */
char   *km_mask(const char *s, size_t keep, char *buf, size_t bufsz);

/* util.c -- files. */
/* Writes n bytes to path atomically: a temporary file in its directory
 * with mode, fsync'd and renamed into place (with KM_FILE_EXCL, linked:
 * an existing path is KM_EDATA and left alone; with KM_FILE_NOSYNC, not
 * fsync'd); a full disk is KM_ETEMP. */
enum { KM_FILE_EXCL = 1, KM_FILE_NOSYNC = 2 };
int	km_file_write(const char *path, const void *, size_t n, int mode,
	    int flags, struct km_err *);

/* money.c -- amounts are int64_t grosze, never floating point. */
#define KM_MONEY_BUFSZ 32
/* Parses "12", "12.5", "12.50", "12,50", "-3.00", "1 234,56"; at most two
 * decimals; overflow is an error. */
int	km_money_parse(const char *s, int64_t *grosze, struct km_err *);
/* "12.50", "-0.05"; returns buf. */
char   *km_money_fmt(int64_t grosze, char buf[KM_MONEY_BUFSZ]);
/* Adds with overflow check: 0, or -1 on overflow. */
int	km_money_add(int64_t a, int64_t b, int64_t *sum, struct km_err *);

/* time.c -- stored in UTC; the business day is Europe/Warsaw (EU rules:
 * CEST from the last Sunday of March 01:00 UTC to the last Sunday of
 * October 01:00 UTC). */
#define KM_TIME_BUFSZ 32
/* "2026-11-27T22:15:00Z" */
char   *km_time_iso(time_t, char buf[KM_TIME_BUFSZ]);
int	km_time_parse(const char *s, time_t *, struct km_err *); /* ISO UTC */
/* "YYYY-MM-DD" checked against the calendar (leap days); *t is 00:00 UTC
 * of that date. */
int	km_date_parse(const char *s, time_t *t, struct km_err *);
/* Europe/Warsaw offset from UTC at t, in seconds (3600 or 7200). */
int	km_time_warsaw_offset(time_t);
/* Business day of t in Europe/Warsaw as "YYYY-MM-DD". */
char   *km_time_bday(time_t, char buf[KM_TIME_BUFSZ]);
/* Local Warsaw time "YYYY-MM-DD HH:MM" for people. */
char   *km_time_local(time_t, char buf[KM_TIME_BUFSZ]);
/* UTC time_t of a civil date-time (no time zone). */
time_t	km_time_civil(int y, int mon, int d, int h, int min, int s);
/* Midnight in Warsaw that starts business day y-m-d, as UTC time_t. */
time_t	km_time_bday_start(int y, int mon, int d);
/* t plus n calendar years (29 Feb becomes 28 Feb). */
time_t	km_time_add_years(time_t, int n);
int	km_leap_year(int y);

/* out.c -- records in three formats: human (aligned "key  value"), TSV
 * (-t: values only, key first, no header; tab, newline, CR and
 * backslash escaped as \t \n \r \\) and JSON (-j: one object per
 * line).  Lists of sub-records appear in JSON and in human output only. */
enum km_outfmt { KM_OUT_HUMAN, KM_OUT_TSV, KM_OUT_JSON };

struct km_out {
	FILE		*fp;
	enum km_outfmt	 fmt;
	int		 nfield;	/* fields written in this record */
	int		 nitem;		/* items written in this list */
	int		 inlist;	/* inside km_out_list_begin() */
	int		 initem;
	int		 nrec;		/* records written so far */
	int		 inobj;		/* inside km_out_obj_begin(): 1 + its
					 * fields written so far */
};

void	km_out_init(struct km_out *, FILE *, enum km_outfmt);
void	km_out_begin(struct km_out *);
/* val NULL: JSON null, TSV empty, left out of human output. */
void	km_out_str(struct km_out *, const char *key, const char *val);
void	km_out_int(struct km_out *, const char *key, long long);
void	km_out_bool(struct km_out *, const char *key, int);
/* A list of strings: JSON array, TSV joined with ',', human with ', '. */
void	km_out_strv(struct km_out *, const char *key, const char *const *,
	    size_t);
void	km_out_list_begin(struct km_out *, const char *key);
void	km_out_item_begin(struct km_out *);
void	km_out_item_end(struct km_out *);
void	km_out_list_end(struct km_out *);
/* A nested object named key: JSON {...}; TSV its fields flat, in line
 * with the record's; people see the key on a line of its own and each
 * field on an indented line.  Objects do not nest, nor hold lists. */
void	km_out_obj_begin(struct km_out *, const char *key);
void	km_out_obj_end(struct km_out *);
void	km_out_end(struct km_out *);
/* Writes s as a JSON string with its quotes; invalid UTF-8 becomes U+FFFD. */
void	km_json_str(FILE *, const char *s);

/* crypto.c -- the one door to OpenSSL for hashing and signatures. */
struct km_key;
int	km_sha256_hex(const void *, size_t, char out[65]);
/* Loads a PEM private key; the file must not be readable by group or
 * others. */
int	km_key_load(struct km_key **, const char *path, struct km_err *);
/* Loads a PEM public key (SubjectPublicKeyInfo), for verifying only. */
int	km_key_load_public(struct km_key **, const char *path,
	    struct km_err *);
void	km_key_free(struct km_key *);
/* SHA-256 signature (ECDSA DER or RSA PKCS#1 v1.5); *sig is malloc'd. */
int	km_key_sign(struct km_key *, const void *, size_t, unsigned char **sig,
	    size_t *siglen, struct km_err *);
/* Verifies with the public half of key: 0 good, -1 bad (KM_EDATA). */
int	km_key_verify(struct km_key *, const void *, size_t,
	    const unsigned char *sig, size_t siglen, struct km_err *);
/* Base64 without line breaks; *out is malloc'd and NUL-terminated. */
int	km_b64_encode(const unsigned char *, size_t, char **out,
	    struct km_err *);
int	km_b64_decode(const char *, unsigned char **out, size_t *outlen,
	    struct km_err *);
void	km_wipe(void *, size_t);

/* AES-128 for the chip: CMAC (NIST SP 800-38B), NXP AN10922 key
 * diversification, and the MACs of the km application (kmcard-apdu(7)). */
#define KM_AES_KEYSZ 16
#define KM_MACSZ 8
/* Incremental AES-128-CMAC; opaque. */
struct km_cmac;
int	km_cmac_new(struct km_cmac **, const unsigned char key[KM_AES_KEYSZ],
	    struct km_err *);
int	km_cmac_update(struct km_cmac *, const void *, size_t);
/* The MAC of the data so far followed by tail (taillen bytes, may be 0),
 * without ending the computation: the context goes on taking data as if
 * tail had not been given. */
int	km_cmac_peek(struct km_cmac *, const void *tail, size_t taillen,
	    unsigned char out[16]);
void	km_cmac_free(struct km_cmac *);
int	km_aes_cmac(const unsigned char key[KM_AES_KEYSZ], const void *,
	    size_t, unsigned char out[16], struct km_err *);
/* One AES-128 block, encrypted (decrypt 0) or decrypted (decrypt 1). */
int	km_aes_block(const unsigned char key[KM_AES_KEYSZ],
	    const unsigned char in[16], unsigned char out[16], int decrypt,
	    struct km_err *);
/* The key that wraps PUT KEY data in a session (kmcard-apdu(7)):
 * AES-CMAC(Ks, "KMKEYWRAP"). */
int	km_keywrap_key(const unsigned char ks[16], unsigned char kw[16],
	    struct km_err *);
/* AN10922 AES-128 diversification: CMAC over m (1..31 bytes) padded to 32
 * bytes by the note's rule. */
int	km_an10922(const unsigned char master[KM_AES_KEYSZ],
	    const unsigned char *m, size_t mlen,
	    unsigned char out[KM_AES_KEYSZ], struct km_err *);
/* A card's key number keyno (kmcard-apdu(7)) from its master key and the
 * chip UID (4, 7 or 10 bytes): AN10922 over 01 || UID || "KMA" || keyno. */
int	km_diversify(const unsigned char master[KM_AES_KEYSZ],
	    const unsigned char *uid, size_t uidlen, int keyno,
	    unsigned char out[KM_AES_KEYSZ], struct km_err *);
/* The purse certificate of kmcard-apdu(7): the first 8 bytes of
 * CMAC(purse key, "KMPURSE" || uidlen || uid || purse || op || counter(2)
 * || amount(4) || balance(4)), integers big-endian. */
int	km_purse_mac(const unsigned char key[KM_AES_KEYSZ],
	    const unsigned char *uid, size_t uidlen, int purse, int op,
	    unsigned counter, int32_t amount, int32_t balance,
	    unsigned char mac[KM_MACSZ], struct km_err *);

/* pkey.c -- key material of the CA and of signers: generated, written as
 * passphrase-protected PEM files readable by their owner only, read back
 * from such files or from an HSM through PKCS#11 (OpenSSL's pkcs11
 * ENGINE, keys named by RFC 7512 URIs). */
enum km_keytype {
	KM_KEY_NONE,		/* none of the types below */
	KM_KEY_EC256,		/* "ec256": EC P-256 */
	KM_KEY_EC384,		/* "ec384": EC P-384 */
	KM_KEY_RSA2048,		/* "rsa2048" */
	KM_KEY_RSA3072,		/* "rsa3072" */
	KM_KEY_RSA4096		/* "rsa4096" */
};
#define KM_NKEYTYPES 6
/* "ec256" ... ; KM_KEY_NONE for an unknown name. */
int	km_keytype_parse(const char *);
/* "ec256" ...; "none" for KM_KEY_NONE or out of range. */
const char *km_keytype_name(int);
/* Describes a key for messages: "ec256", "rsa1024", "ec secp256k1". */
void	km_key_describe(const struct km_key *, char *buf, size_t sz);
/* The KM_KEY_* type of a key (KM_KEY_NONE: another size or curve). */
int	km_key_type(const struct km_key *);
/* A new key pair of type (not KM_KEY_NONE). */
int	km_key_generate(struct km_key **, int type, struct km_err *);
/* Writes the private key to path as PKCS#8 PEM encrypted with
 * AES-256-CBC under pass (at least 8 bytes; KM_EUSAGE otherwise), with
 * mode 0600, atomically.  An existing file is KM_EDATA. */
int	km_key_write(const struct km_key *, const char *path,
	    const char *pass, struct km_err *);
/* Where the secrets that open a key come from. */
struct km_keyopt {
	const char	*passphrase;	/* of PEM files; NULL: unencrypted */
	const char	*module;	/* PKCS#11 module, for pkcs11: URIs */
	const char	*pin;		/* PKCS#11 user PIN; NULL: in the URI */
};
/* Opens the private key named by ref: an RFC 7512 URI ("pkcs11:...")
 * through the pkcs11 ENGINE with opt->module and opt->pin, or else a PEM
 * file readable by its owner only (km_key_load()'s checks), encrypted
 * under opt->passphrase or not encrypted.  A wrong passphrase or PIN is
 * KM_EDATA "key 'ref': wrong passphrase" ("wrong PIN"); a missing module,
 * token or object KM_EDATA naming it. */
int	km_key_open(struct km_key **, const char *ref, const struct km_keyopt *,
	    struct km_err *);
/* A public key from n bytes of PEM or DER SubjectPublicKeyInfo. */
int	km_pubkey_parse(struct km_key **, const unsigned char *, size_t,
	    struct km_err *);
/* The public half of k as a PEM SubjectPublicKeyInfo; *pem malloc'd and
 * NUL-terminated. */
int	km_key_public_pem(const struct km_key *, char **pem, struct km_err *);
/* SHA-256 of the DER SubjectPublicKeyInfo, in lower-case hex: what the
 * store knows a key by. */
int	km_key_id(const struct km_key *, char hex[65], struct km_err *);
/* 1 if a and b hold the same public key, 0 if not. */
int	km_key_same(const struct km_key *, const struct km_key *);

/* x509.c -- certificates, requests and CRLs (RFC 5280): built, signed,
 * parsed and verified. */
struct km_cert;		/* a certificate; opaque */
#define KM_SERIALSZ 41	/* up to 20 bytes in upper-case hex */
#define KM_DNSZ 512
enum {	/* key usage */
	KM_KU_DIGITAL_SIGNATURE = 1 << 0,
	KM_KU_NON_REPUDIATION = 1 << 1,
	KM_KU_KEY_ENCIPHERMENT = 1 << 2,
	KM_KU_KEY_AGREEMENT = 1 << 3,
	KM_KU_KEY_CERT_SIGN = 1 << 4,
	KM_KU_CRL_SIGN = 1 << 5
};
enum {	/* extended key usage */
	KM_EKU_CLIENT_AUTH = 1 << 0,
	KM_EKU_EMAIL_PROTECTION = 1 << 1,
	KM_EKU_OCSP_SIGNING = 1 << 2,
	KM_EKU_CODE_SIGNING = 1 << 3,
	KM_EKU_SMARTCARD_LOGON = 1 << 4	/* 1.3.6.1.4.1.311.20.2.2 */
};
/* Names as km.yaml(5) writes them: "digitalSignature", "nonRepudiation",
 * "keyEncipherment", "keyAgreement", "keyCertSign", "cRLSign";
 * "clientAuth", "emailProtection", "OCSPSigning", "codeSigning",
 * "msSmartcardLogin".  0 for an unknown name. */
unsigned km_ku_parse(const char *);
unsigned km_eku_parse(const char *);
const char *km_ku_name(unsigned bit);
const char *km_eku_name(unsigned bit);

struct km_rdn {		/* one attribute of a name */
	const char	*attr;	/* "C", "O", "OU", "L", "CN", "serialNumber",
				 * "GN", "SN", "emailAddress",
				 * "organizationIdentifier" */
	const char	*value;	/* UTF-8 */
};
#define KM_RDNMAX 8
struct km_certreq {	/* what goes into a certificate */
	const struct km_key *key;	/* the subject's public key */
	struct km_rdn	 subject[KM_RDNMAX];
	size_t		 nsubject;
	const char	*email;		/* rfc822Name in subjectAltName; NULL */
	unsigned char	 serial[20];	/* big-endian, positive */
	size_t		 seriallen;
	time_t		 not_before, not_after;
	unsigned	 ku, eku;	/* KM_KU_*, KM_EKU_* (0: none) */
	int		 ca;		/* basicConstraints cA TRUE */
	int		 pathlen;	/* with ca: -1 no limit */
	const char	*crl_url;	/* cRLDistributionPoints; NULL none */
	const char	*ocsp_url;	/* authorityInfoAccess; NULL none */
	int		 ocsp_nocheck;	/* id-pkix-ocsp-nocheck */
};
/* Fills serial with n (8 to 20) random bytes from OpenSSL's CSPRNG, as a
 * positive integer whose first byte is not zero; hex gets it in
 * upper-case hex. */
int	km_serial_random(unsigned char *serial, size_t n,
	    char hex[KM_SERIALSZ], struct km_err *);
/* Makes an X.509 v3 certificate from r, signed with SHA-256 (or SHA-384
 * for an EC P-384 issuer key) by ik, the private key of issuer (NULL:
 * self-signed; ik must then hold r->key's private half).  Adds the
 * subjectKeyIdentifier and, but for a self-signed one, the
 * authorityKeyIdentifier; basicConstraints (critical) and keyUsage
 * (critical) always.  A value too long for its attribute or an unknown
 * attribute is KM_EDATA. */
int	km_cert_make(const struct km_certreq *, struct km_key *ik,
	    const struct km_cert *issuer, struct km_cert **,
	    struct km_err *);
/* A certificate from n bytes of PEM or DER. */
int	km_cert_parse(struct km_cert **, const unsigned char *, size_t,
	    struct km_err *);
/* From a file (PEM or DER); errors name path. */
int	km_cert_load(struct km_cert **, const char *path, struct km_err *);
/* All the certificates of a PEM file, in order; *v malloc'd. */
int	km_cert_load_all(struct km_cert ***v, size_t *n, const char *path,
	    struct km_err *);
void	km_cert_free(struct km_cert *);
/* A new reference to the same certificate. */
struct km_cert *km_cert_dup(const struct km_cert *);
/* DER and PEM encodings; *out malloc'd (PEM NUL-terminated). */
int	km_cert_der(const struct km_cert *, unsigned char **out, size_t *len,
	    struct km_err *);
int	km_cert_pem(const struct km_cert *, char **out, struct km_err *);
struct km_certinfo {
	char		 serial[KM_SERIALSZ];	/* upper-case hex */
	char		 subject[KM_DNSZ];	/* RFC 2253, UTF-8 */
	char		 issuer[KM_DNSZ];
	char		 cn[KM_DNSZ];		/* commonName; "" if none */
	char		 serial_number[KM_DNSZ];/* serialNumber attribute */
	char		 email[KM_DNSZ];	/* first rfc822Name; "" */
	time_t		 not_before, not_after;
	char		 key_id[65];		/* km_key_id() of its key */
	int		 ca;			/* basicConstraints cA */
	unsigned	 ku, eku;
};
int	km_cert_info(const struct km_cert *, struct km_certinfo *,
	    struct km_err *);
/* The certificate's public key, a new key. */
int	km_cert_pubkey(const struct km_cert *, struct km_key **,
	    struct km_err *);
/* Verifies cert up to one of trusted (anchors), through untrusted, at
 * time at (0: now): 0 good; 1 not (err, KM_ENOTFOUND, says why as
 * OpenSSL's verifier does: "certificate has expired"); -1 error. */
int	km_cert_verify(const struct km_cert *, struct km_cert *const *trusted,
	    size_t ntrusted, struct km_cert *const *untrusted,
	    size_t nuntrusted, time_t at, struct km_err *);
/* A request: a PKCS#10 CSR (PEM or DER), whose self-signature must
 * verify, or a bare public key (PEM or DER SubjectPublicKeyInfo).
 * *key gets the public key, *iscsr whether it was a CSR; name is for
 * messages: KM_EDATA "request 'name': self-signature does not verify",
 * "request 'name': neither a CSR nor a public key". */
int	km_req_parse(const unsigned char *, size_t, const char *name,
	    struct km_key **key, int *iscsr, struct km_err *);

/* RFC 5280 revocation reasons, by their codes. */
enum km_reason {
	KM_RS_UNSPECIFIED = 0,
	KM_RS_KEY_COMPROMISE = 1,
	KM_RS_CA_COMPROMISE = 2,
	KM_RS_AFFILIATION_CHANGED = 3,
	KM_RS_SUPERSEDED = 4,
	KM_RS_CESSATION = 5,		/* cessationOfOperation */
	KM_RS_HOLD = 6,			/* certificateHold */
	KM_RS_REMOVE = 8,		/* removeFromCRL */
	KM_RS_PRIVILEGE_WITHDRAWN = 9,
	KM_RS_AA_COMPROMISE = 10
};
/* "keyCompromise", ...; NULL for a code that is none of those. */
const char *km_reason_name(int);
/* -1 for an unknown name. */
int	km_reason_parse(const char *);
struct km_crl_entry {
	char		 serial[KM_SERIALSZ];	/* upper-case hex */
	time_t		 at;			/* revocationDate */
	int		 reason;		/* KM_RS_*; -1: no reasonCode */
};
/* Makes a v2 CRL of issuer signed by ik: cRLNumber number,
 * authorityKeyIdentifier, thisUpdate and nextUpdate, and the entries (in
 * any order; sorted by serial in the CRL) with their reason codes.
 * *der malloc'd. */
int	km_crl_make(struct km_key *ik, const struct km_cert *issuer,
	    long long number, time_t this_update, time_t next_update,
	    const struct km_crl_entry *, size_t n, unsigned char **der,
	    size_t *len, struct km_err *);
/* PEM armour of n bytes of DER under label ("X509 CRL"); *pem malloc'd
 * and NUL-terminated. */
int	km_pem_encode(const char *label, const unsigned char *der, size_t n,
	    char **pem, struct km_err *);

/* ocsp.c -- OCSP (RFC 6960): the responder's side. */
struct km_ocsp_req;	/* a parsed request; opaque */
/* Parses n bytes of DER: KM_EDATA "malformed OCSP request". */
int	km_ocsp_req_parse(struct km_ocsp_req **, const unsigned char *,
	    size_t, struct km_err *);
void	km_ocsp_req_free(struct km_ocsp_req *);
size_t	km_ocsp_req_count(const struct km_ocsp_req *);
/* Request i: the serial it asks about, and *ours whether its CertID
 * names issuer (issuerNameHash and issuerKeyHash match, with whatever
 * hash the request used). */
int	km_ocsp_req_id(const struct km_ocsp_req *, size_t i,
	    const struct km_cert *issuer, char serial[KM_SERIALSZ], int *ours,
	    struct km_err *);
enum { KM_OCSP_GOOD, KM_OCSP_REVOKED, KM_OCSP_UNKNOWN };
struct km_ocsp_status {
	int		 status;	/* KM_OCSP_* */
	time_t		 revoked_at;	/* KM_OCSP_REVOKED */
	int		 reason;	/* KM_RS_*, -1 none */
};
/* A successful basic response to req: one SingleResponse per request,
 * in order, with st[i]; producedAt and thisUpdate now, nextUpdate
 * now + next seconds (0: none); the request's nonce copied; responder ID
 * by key hash; signed by rk and rc's certificate included. */
int	km_ocsp_resp_make(const struct km_ocsp_req *,
	    const struct km_ocsp_status *st, struct km_key *rk,
	    const struct km_cert *rc, time_t now, long next,
	    unsigned char **der, size_t *len, struct km_err *);
enum {	/* OCSPResponseStatus */
	KM_OCSP_MALFORMED = 1,
	KM_OCSP_INTERNAL = 2,
	KM_OCSP_TRYLATER = 3,
	KM_OCSP_UNAUTHORIZED = 6
};
/* An unsuccessful response of status (KM_OCSP_MALFORMED, ...). */
int	km_ocsp_resp_error(int status, unsigned char **der, size_t *len,
	    struct km_err *);

/* cms.c -- document and e-mail signatures: CMS (RFC 5652) detached,
 * CAdES-BES (signingCertificateV2), and S/MIME (RFC 8551). */
enum km_cms_form {
	KM_CMS_DER,		/* a detached signature, DER (.p7s) */
	KM_CMS_PEM,		/* the same, PEM ("CMS") */
	KM_CMS_SMIME		/* an RFC 5322 message in, multipart/signed
				 * out: the message's own headers (From, To,
				 * Subject, ...) stay outside; its MIME part
				 * (text/plain if it has no Content-Type) is
				 * signed */
};
/* Signs what is read from in (to its end) with key k and its
 * certificate signer, adding the certificates of chain (may be NULL)
 * to the signature, and writes the result to out. */
int	km_cms_sign(struct km_key *k, const struct km_cert *signer,
	    struct km_cert *const *chain, size_t nchain, FILE *in, FILE *out,
	    enum km_cms_form, struct km_err *);
/* Verifies a signature: with form KM_CMS_DER or KM_CMS_PEM, sig holds a
 * detached signature over data; with KM_CMS_SMIME, sig holds the signed
 * message and data is NULL.  The signer's certificate must chain to
 * trusted through untrusted (and the certificates in the signature);
 * *signer gets it.  Returns 0 good; 1 the signature or the chain does
 * not verify (err, KM_ENOTFOUND, says why); -1 on input that is not a
 * signature (KM_EDATA) or a failure. */
int	km_cms_verify(FILE *sig, FILE *data, enum km_cms_form,
	    struct km_cert *const *trusted, size_t ntrusted,
	    struct km_cert *const *untrusted, size_t nuntrusted,
	    struct km_cert **signer, struct km_err *);

/* csv.c -- RFC 4180 CSV: comma separated, double-quoted fields may hold
 * commas, quotes ("") and newlines; CRLF or LF line ends. */
#define KM_CSV_MAXFIELDS 64
struct km_csv {
	FILE	*fp;
	const char *name;	/* for messages, e.g. "<stdin>"; NULL: "line" */
	size_t	 line;		/* next physical line to read */
	size_t	 recline;	/* line on which the last record started */
	char	*buf;		/* field storage */
	size_t	 bufsz;
	size_t	 nfield;
	char	*field[KM_CSV_MAXFIELDS];
};
void	km_csv_init(struct km_csv *, FILE *);
/* 1 a record read, 0 end of input, -1 error: "NAME:LINE: why" (KM_EDATA
 * for malformed input, KM_ESYS for a read error).  After a malformed
 * record the reader has skipped to the end of its line, so the caller may
 * report it and read on. */
int	km_csv_next(struct km_csv *, struct km_err *);
void	km_csv_free(struct km_csv *);

/* cfg.c -- km.yaml(5), parsed once into a plain struct. */
enum km_role {
	KM_ROLE_CLERK = 1 << 0,
	KM_ROLE_HELPDESK = 1 << 1,
	KM_ROLE_ADMIN = 1 << 2,
	KM_ROLE_CRON = 1 << 3,
	KM_ROLE_DEVICE = 1 << 4,
	KM_ROLE_AUDITOR = 1 << 5
};
#define KM_NROLES 6

enum km_service {
	KM_SVC_ID = 1 << 0,		/* identification */
	KM_SVC_ETICKET = 1 << 1,	/* eticket */
	KM_SVC_PAYMENTS = 1 << 2,	/* payments */
	KM_SVC_ESIGN = 1 << 3,		/* esignature */
	KM_SVC_BENEFITS = 1 << 4	/* benefits */
};
#define KM_NSERVICES 5

struct km_cfg {
	char	*path;			/* the file read */
	struct {
		char	*path;		/* store.path */
		int	 busy_timeout;	/* store.busy_timeout, ms */
	} store;
	/* roles.<name>: users, and groups written "@group"; NULL-terminated,
	 * indexed by the bit number of enum km_role */
	char	**roles[KM_NROLES];
	struct {
		char	 iin[7];	/* cards.iin: first 6 digits */
		int	 validity_years;	/* cards.validity_years */
		int	 temporary_days;	/* cards.temporary_days */
		unsigned resident;	/* cards.resident.services */
		unsigned entrepreneur;	/* cards.entrepreneur.services */
	} cards;
	struct {
		char	*hotlist_signer;	/* keys.hotlist_signer */
		char	*hotlist_verify;	/* keys.hotlist_verify */
	} keys;
	struct {
		int	 max_add;	/* blacklist.max_add */
	} blacklist;
	struct {
		char	*name;		/* reader.name; NULL: the first reader
					 * that holds a card */
	} reader;
	/* ca: the city's CA (kmca-init(1)).  Key references are PEM file
	 * paths or RFC 7512 "pkcs11:" URIs. */
	struct {
		int	 set;		/* the file has a ca section */
		char	*dir;		/* ca.dir; default "ca" */
		char	*name;		/* ca.name: O= of every subject */
		char	 country[3];	/* ca.country */
		int	 key_type;	/* ca.key_type: KM_KEY_* */
		char	*root_key;	/* ca.root_key; default DIR/root.key */
		char	*issuing_key;	/* ca.issuing_key */
		char	*ocsp_key;	/* ca.ocsp_key */
		char	*passphrase_file;	/* ca.passphrase_file */
		char	*pkcs11_module;	/* ca.pkcs11_module */
		char	*pkcs11_pin_file;	/* ca.pkcs11_pin_file */
		int	 root_days;	/* ca.root_days */
		int	 issuing_days;	/* ca.issuing_days */
		int	 crl_days;	/* ca.crl_days: nextUpdate */
		char	*crl_url;	/* ca.crl_url */
		char	*ocsp_url;	/* ca.ocsp_url */
		/* ca.profiles.<name>, indexed by enum km_profile */
		struct km_profile {
			int	 days;		/* .days */
			unsigned keys;		/* .keys: 1 << KM_KEY_* */
			unsigned ku;		/* .key_usage: KM_KU_* */
			unsigned eku;		/* .extended_key_usage */
		} profile[4];
	} ca;
};

/* The certificate profiles of the CA. */
enum km_profile_id {
	KM_PROF_CARD_AUTH,	/* "card-auth": the card's authentication */
	KM_PROF_CARD_SIGN,	/* "card-sign": signature and S/MIME */
	KM_PROF_OCSP,		/* "ocsp": the OCSP responder */
	KM_PROF_HOTLIST		/* "hotlist": the hotlist signer */
};
#define KM_NPROFILES 4
const char *km_profile_name(int);
int	km_profile_parse(const char *);		/* -1 if unknown */

/* path NULL: $KM_CONFIG, then /etc/km/km.yaml.  Unknown keys and wrong
 * types are KM_EDATA errors "file:line:col: ...".  Relative paths in the
 * file are taken relative to the file's directory. */
int	km_cfg_load(struct km_cfg **, const char *path, struct km_err *);
void	km_cfg_free(struct km_cfg *);
/* Service names <-> bits: "identification eticket ..."; separators may be
 * spaces, commas or '+'. */
int	km_services_parse(const char *, unsigned *, struct km_err *);
const char *km_service_name(unsigned bit);
const char *km_role_name(unsigned bit);

/* db.c -- the SQLite store: one file, WAL, synchronous=FULL, foreign keys,
 * busy timeout; numbered migrations tracked by user_version. */
struct km_db;
enum { KM_DB_RDONLY = 0, KM_DB_RDWR = 1, KM_DB_CREATE = 2 };
/* Opens the store named by the config.  Without KM_DB_CREATE a missing
 * store or one at another schema version is KM_EDATA. */
int	km_db_open(struct km_db **, const struct km_cfg *, int flags,
	    struct km_err *);
void	km_db_close(struct km_db *);
/* Runs the migrations the store lacks; *from and *to tell which. */
int	km_db_migrate(struct km_db *, int *from, int *to, struct km_err *);
int	km_db_schema_version(void);
/* BEGIN IMMEDIATE; a busy store is KM_ETEMP. */
int	km_db_begin(struct km_db *, struct km_err *);
int	km_db_commit(struct km_db *, struct km_err *);
void	km_db_rollback(struct km_db *);
/* Savepoints, for batches that keep their good rows. */
int	km_db_savepoint(struct km_db *, struct km_err *);
int	km_db_release(struct km_db *, struct km_err *);
void	km_db_rollback_to(struct km_db *);
/* Who acts and when: recorded in every audit row and event. */
void	km_db_set_actor(struct km_db *, const char *user);
const char *km_db_actor(const struct km_db *);
time_t	km_db_now(const struct km_db *);
void	km_db_set_now(struct km_db *, time_t);

/* role.c -- who the user is and what they may do. */
/* Fills *roles with the roles the real user has in the config, and user
 * with the user's name. */
int	km_role_get(const struct km_cfg *, unsigned *roles, char *user,
	    size_t usersz, struct km_err *);
/* 0 if roles has one of allowed, else -1 (KM_EDATA, naming both). */
int	km_role_require(unsigned roles, unsigned allowed, const char *user,
	    struct km_err *);

/* audit.c -- a hash-chained row for every mutation, written in the
 * mutation's own transaction. */
int	km_audit(struct km_db *, const char *action, const char *subject,
	    const char *detail, struct km_err *);
/* Walks the chain: 0 all good (*rows counted), 1 a row does not verify
 * (*bad is its seq, err says why), -1 error. */
/* The hash of row seq into hash: 1, or 0 if there is no such row. */
int	km_audit_hash(struct km_db *, long long seq, char hash[65],
	    struct km_err *);
int	km_audit_verify(struct km_db *, long long *rows, long long *bad,
	    struct km_err *);

/* card.c -- holders, applications and cards. */
enum km_card_type {
	KM_CARD_RESIDENT = 1,
	KM_CARD_ENTREPRENEUR = 2,
	KM_CARD_TEMPORARY = 9
};

#define KM_NAMESZ 65
#define KM_TEXTSZ 129
#define KM_CARDNO_LEN 16
#define KM_UIDSZ 21		/* up to 10 bytes in hex */

/* An application, as key=value operands or a CSV row. */
struct km_app {
	int	 type;				/* type= resident|entrepreneur */
	char	 pesel[12];			/* pesel= (the representative's) */
	char	 first_name[KM_NAMESZ];		/* first_name= */
	char	 surname[KM_NAMESZ];		/* surname= */
	char	 street[KM_TEXTSZ];		/* street= */
	char	 postcode[7];			/* postcode= NN-NNN */
	char	 city[KM_NAMESZ];		/* city= */
	char	 email[KM_TEXTSZ];		/* email= */
	char	 phone[17];			/* phone= */
	char	 nip[11];			/* nip= */
	char	 regon[15];			/* regon= */
	char	 company[KM_TEXTSZ];		/* company= */
	unsigned services;			/* services= (0: all the type has) */
	unsigned set;				/* which fields were given */
};
void	km_app_init(struct km_app *);
/* Sets one field by name, checking its form (checksums, lengths). */
int	km_app_set(struct km_app *, const char *key, const char *val,
	    struct km_err *);
/* Checks the application is whole and its services allowed. */
int	km_app_check(struct km_app *, const struct km_cfg *, struct km_err *);

struct km_holder {
	long long id;
	int	 kind;				/* KM_CARD_RESIDENT or _ENTREPRENEUR */
	char	 pesel[12];
	char	 first_name[KM_NAMESZ];
	char	 surname[KM_NAMESZ];
	char	 street[KM_TEXTSZ];
	char	 postcode[7];
	char	 city[KM_NAMESZ];
	char	 email[KM_TEXTSZ];
	char	 phone[17];
	char	 nip[11];
	char	 regon[15];
	char	 company[KM_TEXTSZ];
};

struct km_card {
	long long id;
	char	 number[KM_CARDNO_LEN + 1];
	int	 type;
	int	 state;
	char	 chip_uid[KM_UIDSZ];		/* "" until bound */
	unsigned services;
	long long holder_id;
	time_t	 ordered_at;
	time_t	 state_at;			/* when the state was entered */
	time_t	 expires_at;
	char	 reason[KM_NAMESZ];		/* of the last transition */
	char	 replaces[KM_CARDNO_LEN + 1];	/* "" if none */
	char	 replaced_by[KM_CARDNO_LEN + 1];
	int	 listed;			/* on the hotlist now */
};

struct km_event {
	time_t	 at;
	int	 from, to;			/* states; from 0 at order */
	char	 reason[KM_NAMESZ];
	char	 actor[KM_NAMESZ];
	char	 note[KM_TEXTSZ];
};

const char *km_card_type_name(int);		/* "resident", ... */
const char *km_card_type_title(int);		/* "Resident Card", ... */
/* In a transaction: registers (or finds) the holder and orders a card;
 * fills *card. */
int	km_card_issue(struct km_db *, const struct km_cfg *,
	    const struct km_app *, struct km_card *, struct km_err *);
/* Looks a key up: card number, chip UID (hex), PESEL, NIP, or a name
 * (prefix of surname, first name or company, any case).  *ids is
 * malloc'd; 0 matches is not an error. */
int	km_card_find(struct km_db *, const char *key, long long **ids,
	    size_t *n, struct km_err *);
/* Cards in a state ("active") or blocked for a reason ("lost"). */
int	km_card_list(struct km_db *, const char *state, long long **ids,
	    size_t *n, struct km_err *);
/* Cards still in use whose validity ended at or before t, oldest first. */
int	km_card_due(struct km_db *, time_t t, long long **ids, size_t *n,
	    struct km_err *);
/* The card with this number: 0, or -1 with KM_ENOTFOUND. */
int	km_card_by_number(struct km_db *, const char *number,
	    struct km_card *, struct km_err *);
int	km_card_get(struct km_db *, long long id, struct km_card *,
	    struct km_err *);
int	km_holder_get(struct km_db *, long long id, struct km_holder *,
	    struct km_err *);
/* The card's lifecycle events, oldest first; *ev is malloc'd. */
int	km_card_history(struct km_db *, long long id, struct km_event **ev,
	    size_t *n, struct km_err *);
/* Binds a chip UID (hex, 4, 7 or 10 bytes) to an ordered card; a chip
 * bound to another card is refused. */
int	km_card_bind(struct km_db *, struct km_card *, const char *uid,
	    struct km_err *);
/* Checks a chip UID (4, 7 or 10 bytes in hex, ':' or ' ' allowed between
 * bytes) and writes it in upper-case hex without separators. */
int	km_uid_check(const char *s, char out[KM_UIDSZ], struct km_err *);
/* Checks the form of a card number (16 digits, Luhn). */
int	km_cardno_check(const char *s, struct km_err *);

/* ca.c -- the city's CA in the store: its root and issuing CA, every
 * certificate it issues (linked to its card), revocation that follows the
 * card lifecycle in the lifecycle's own transaction, numbered CRLs, and
 * the answers of the OCSP responder and of signature verification. */
struct km_ca;		/* the CA opened for work; opaque */
enum {	/* the keys km_ca_open() opens */
	KM_CA_ROOT_KEY = 1 << 0,
	KM_CA_ISSUING_KEY = 1 << 1,
	KM_CA_OCSP_KEY = 1 << 2
};
/* What kmca-init made. */
struct km_ca_made {
	char	 root_serial[KM_SERIALSZ];
	char	 issuing_serial[KM_SERIALSZ];
	char	 ocsp_serial[KM_SERIALSZ];
	char	 root_subject[KM_DNSZ];
	char	 issuing_subject[KM_DNSZ];
	char	 key_type[16];
	int	 hsm;		/* the issuing key is in an HSM */
};
/* In a transaction: creates the CA of a store that has none: keys (new
 * passphrase-protected PEM files, or keys already in the HSM for pkcs11:
 * references), the root's self-signed certificate, the issuing CA's and
 * the OCSP responder's, all stored and audited, and the files of ca.dir:
 * root.crt, issuing.crt, ocsp.crt, chain.pem, root.crl, issuing.crl (DER)
 * and their .pem twins.  A store that has a CA, or a file of ca.dir that
 * exists already, is KM_EDATA and nothing is written. */
int	km_ca_init(struct km_db *, const struct km_cfg *, struct km_ca_made *,
	    struct km_err *);
/* Opens the CA of the store with the keys asked for; a store without a
 * CA is KM_EDATA "no CA in the store: run kmca-init". */
int	km_ca_open(struct km_ca **, struct km_db *, const struct km_cfg *,
	    unsigned keys, struct km_err *);
void	km_ca_free(struct km_ca *);

struct km_ca_issued {
	char	 serial[KM_SERIALSZ];
	char	 card[KM_CARDNO_LEN + 1];	/* "" for no card */
	int	 profile;
	char	 subject[KM_DNSZ];
	char	 key_type[16];
	time_t	 not_before, not_after;
	size_t	 superseded;	/* the card's earlier certificates of the
				 * profile, revoked as superseded */
	char	*pem;		/* malloc'd; the caller frees it */
};
/* In a transaction: issues a certificate of profile for a request (n
 * bytes of CSR or bare public key; name for messages).  Card profiles
 * (card-auth, card-sign) name their card by number, which must be
 * ordered, personalised or active; the subject comes from the store, not
 * from the request; card-sign needs the holder's e-mail address.  Other
 * profiles take cn as the common name.  The key type must be one the
 * profile allows; the serial is 128 random bits, unique in the store;
 * validity ends with the card (and the issuing CA).  Earlier good
 * certificates of the card and profile are revoked as superseded. */
int	km_ca_sign(struct km_ca *, int profile, const unsigned char *req,
	    size_t n, const char *name, const char *card, const char *cn,
	    struct km_ca_issued *, struct km_err *);
/* The same for a key km_req_parse() read (taken over and freed, also on
 * failure): so a batch can parse its requests in threads ahead of the
 * store's one writer. */
int	km_ca_sign_key(struct km_ca *, int profile, struct km_key *key,
	    const char *name, const char *card, const char *cn,
	    struct km_ca_issued *, struct km_err *);
/* In the lifecycle's transaction (km_life_apply() calls it): the card's
 * certificates follow event ev: suspend puts good ones on hold
 * (certificateHold), resume releases them; block revokes them for
 * keyCompromise, replace for superseded, revoke and expire for
 * cessationOfOperation.  *n (may be NULL) counts the changed ones. */
int	km_ca_card_event(struct km_db *, long long card, int ev, size_t *n,
	    struct km_err *);
/* In a transaction: revokes the certificate serial for reason
 * (KM_RS_HOLD: on hold; KM_RS_REMOVE: releases a hold).  Revoking a
 * revoked one, releasing one not on hold, or releasing one its suspended
 * card holds (resume the card instead) is KM_EDATA; a card's resume
 * releases only what its suspension held. */
int	km_ca_revoke(struct km_db *, const char *serial, int reason,
	    struct km_err *);
/* Writes a new CRL of the issuing CA (root too: the root's), numbered one
 * above the last, in a transaction of its own (not inside another), and
 * replaces ca.dir/issuing.crl (root.crl) once it is committed.  With
 * due_only, only when a revocation awaits its CRL: returns 0 then.
 * Returns 1 written (*number and *entries tell), 0, or -1. */
int	km_ca_crl(struct km_ca *, int root, int due_only, long long *number,
	    size_t *entries, struct km_err *);
/* After a command's commit: when a revocation awaits its CRL, opens the
 * CA with its issuing key and writes one.  Returns 1 written, 0 none due
 * (or no CA), -1 (the revocation stands; the CRL is left to kmca-crl). */
int	km_ca_publish_due(struct km_db *, const struct km_cfg *,
	    long long *number, struct km_err *);

struct km_certstat {		/* a certificate as the store knows it */
	char	 serial[KM_SERIALSZ];
	char	 profile[16];
	char	 subject[KM_DNSZ];
	int	 status;	/* KM_OCSP_GOOD or KM_OCSP_REVOKED */
	int	 hold;		/* revoked for certificateHold */
	time_t	 revoked_at;
	int	 reason;	/* KM_RS_*, -1 */
	time_t	 not_before, not_after;
	long long card_id;	/* 0: none */
	long long issuer;	/* the store's id of its CA */
	int	 admin_hold;	/* on hold by kmca-revoke, not by its card */
};
/* 1 found, 0 not a certificate of this store. */
int	km_ca_status(struct km_db *, const char *serial, struct km_certstat *,
	    struct km_err *);
/* The certificates of a card, oldest first; *v malloc'd. */
int	km_ca_card_certs(struct km_db *, long long card,
	    struct km_certstat **v, size_t *n, struct km_err *);
/* The OCSP responder: answers the DER request req from the store, signed
 * with the responder's key.  Returns 0 with a successful response; 1 with
 * an error response (malformedRequest, unauthorized) to send all the
 * same, err saying why; -1 when nothing can be answered. */
int	km_ca_ocsp(struct km_ca *, const unsigned char *req, size_t n,
	    time_t now, unsigned char **resp, size_t *len, struct km_err *);

struct km_signer {		/* who signed, by kmca-verify */
	struct km_certinfo cert;
	struct km_certstat st;
	int	 known;		/* the certificate is in the store */
	struct km_card card;	/* when st.card_id */
	struct km_holder holder;
};
/* Verifies a signature (km_cms_verify()) against the CA's root, then the
 * signer's certificate's status in the store.  Returns 0 valid and the
 * certificate good; 1 not (a signature or chain that fails, a certificate
 * revoked, on hold, or unknown to the store: err says which); -1 on input
 * that is not a signature or a failure.  *s is filled as far as known. */
int	km_ca_verify(struct km_ca *, FILE *sig, FILE *data, enum km_cms_form,
	    struct km_signer *s, struct km_err *);
/* Signs a document or a message (km_cms_sign()) with the key keyref
 * (PEM file or pkcs11: URI; secrets from the config's files or the
 * environment, km.yaml(5)) and its certificate certpath, and writes an
 * audit row naming the signer and the SHA-256 of what was signed.  In a
 * transaction. */
int	km_doc_sign(struct km_db *, const struct km_cfg *, const char *keyref,
	    const char *certpath, FILE *in, FILE *out, enum km_cms_form,
	    char serial[KM_SERIALSZ], char sha256[65], struct km_err *);

/* life.c -- the card lifecycle: one table of allowed transitions. */
enum km_state {
	KM_ST_NONE,
	KM_ST_ORDERED,
	KM_ST_PERSONALISED,
	KM_ST_ACTIVE,
	KM_ST_SUSPENDED,
	KM_ST_BLOCKED,
	KM_ST_REPLACED,
	KM_ST_EXPIRED,
	KM_ST_REVOKED
};
#define KM_NSTATES 9

enum km_ev {
	KM_EV_PERSONALISE,
	KM_EV_ACTIVATE,
	KM_EV_SUSPEND,
	KM_EV_RESUME,
	KM_EV_BLOCK,
	KM_EV_REPLACE,
	KM_EV_EXPIRE,
	KM_EV_REVOKE
};
#define KM_NEVS 8

/* state.c -- the words of the lifecycle. */
const char *km_state_name(int);
int	km_state_parse(const char *);		/* KM_ST_NONE if unknown */
const char *km_ev_name(int);
/* Block reasons: lost, stolen, damaged, fraud. */
int	km_block_reason_valid(const char *);

/* The state ev leads to from state from, or KM_ST_NONE if not allowed. */
int	km_life_next(int from, int ev);
/* In a transaction: moves the card by ev, with reason and note (either
 * may be NULL), records the event and its audit row, and updates the
 * hotlist.  An illegal transition is KM_EDATA and changes nothing. */
int	km_life_apply(struct km_db *, const struct km_cfg *,
	    struct km_card *, int ev, const char *reason, const char *note,
	    struct km_err *);
/* In a transaction: replaces card, ordering a new one for the holder with
 * the same services (and a temporary card if temp is set). */
int	km_life_replace(struct km_db *, const struct km_cfg *,
	    struct km_card *old, const char *reason, int temp,
	    struct km_card *newcard, struct km_card *tempcard,
	    struct km_err *);

/* blacklist.c -- the hotlist of cards devices must refuse, and its
 * signed, versioned publications. */
struct km_bl_entry {
	char	 number[KM_CARDNO_LEN + 1];
	char	 reason[KM_NAMESZ];
	char	 source[16];		/* the event that keeps it: suspend,
					 * block, replace, revoke, expire; or
					 * admin */
	time_t	 since;
	char	 actor[KM_NAMESZ];
	int	 admin;			/* an admin listed it too */
};
/* In a transaction.  Adding a listed card or removing an unlisted one is
 * a no-op (returns 0, *changed 0); an admin removing an entry the card's
 * state keeps is refused.  Source is "admin" or a lifecycle event's name;
 * removing with "*" takes back whatever the lifecycle put on. */
int	km_bl_add(struct km_db *, const char *number, const char *source,
	    const char *reason, int *changed, struct km_err *);
int	km_bl_remove(struct km_db *, const char *number, const char *source,
	    int *changed, struct km_err *);
/* *listed: whether the card is on the hotlist now. */
int	km_bl_listed(struct km_db *, const char *number, int *listed,
	    struct km_err *);
int	km_bl_list(struct km_db *, struct km_bl_entry **, size_t *n,
	    struct km_err *);

struct km_hotlist {
	long long version;
	long long base;		/* delta: the version it updates; 0 full */
	time_t	 created;
	size_t	 count;		/* records in the file */
	size_t	 adds, removes;	/* records that add (+) and remove (-) */
};
/* In a transaction: publishes the next version, full or (base > 0) a
 * delta against version base, and writes it to fp.  Refused (KM_EDATA)
 * if it adds more than cfg's blacklist.max_add entries since the last
 * version, unless force. */
int	km_hotlist_publish(struct km_db *, const struct km_cfg *,
	    long long base, int force, FILE *fp, struct km_hotlist *,
	    struct km_err *);
/* Verifies a hotlist file's signature with the configured key and reads
 * its header. */
int	km_hotlist_verify(const struct km_cfg *, const char *path,
	    struct km_hotlist *, struct km_err *);

/* pcsc.c -- the card transport: PC/SC (pcsc-lite) behind a seam. */

/* The transport seam, how the APDU layer and the km application client
 * reach a card: over PC/SC (km_pcsc_io()), over a scripted fake in the
 * unit tests, or over a virtual card in the same process.  transmit sends
 * one command APDU (cmdlen bytes) as it is and puts the whole response
 * (data, then SW1 SW2) in rsp, which holds rspsz bytes, and its length in
 * *rsplen; it returns 0, or -1 with err set (a card taken out is
 * KM_ETEMP).  It does not interpret the response: the APDU layer checks
 * every length, including an *rsplen beyond rspsz.  ctx is handed back to
 * transmit; name names the reader in messages and may be NULL. */
struct km_card_io {
	int	(*transmit)(void *ctx, const unsigned char *cmd,
		    size_t cmdlen, unsigned char *rsp, size_t rspsz,
		    size_t *rsplen, struct km_err *);
	void	*ctx;
	const char *name;
};

#define KM_ATRSZ 33		/* the longest ATR (ISO/IEC 7816-3) */
#define KM_READERSZ 128		/* the longest reader name kept, with NUL */

/* A reader as PC/SC sees it, without connecting to its card. */
enum km_reader_state {
	KM_READER_EMPTY,	/* no card */
	KM_READER_PRESENT,	/* a card, nobody connected */
	KM_READER_INUSE,	/* a card, programs connected (shared) */
	KM_READER_EXCLUSIVE,	/* a card a program holds exclusively */
	KM_READER_MUTE,		/* a card that does not answer reset */
	KM_READER_UNAVAILABLE	/* the reader cannot be used */
};
struct km_reader {
	char	 name[KM_READERSZ];
	enum km_reader_state state;
	unsigned char atr[KM_ATRSZ];	/* when a card is present */
	size_t	 atrlen;		/* 0: no ATR */
};
struct km_pcsc;		/* a PC/SC context; opaque */
struct km_pcsc_card;	/* a connection to the card in one reader */

/* Connects to pcscd.  pcscd not running is KM_ETEMP "cannot reach pcscd:
 * ...". */
int	km_pcsc_open(struct km_pcsc **, struct km_err *);
void	km_pcsc_close(struct km_pcsc *);	/* NULL is allowed */
/* The readers and their states, in pcscd's order; *readers is malloc'd.
 * No reader at all is KM_ETEMP "no smart card reader". */
int	km_pcsc_readers(struct km_pcsc *, struct km_reader **readers,
	    size_t *n, struct km_err *);
/* The state of one reader; a reader pcscd does not know is KM_ETEMP "no
 * reader 'NAME'". */
int	km_pcsc_reader(struct km_pcsc *, const char *name, struct km_reader *,
	    struct km_err *);
/* Waits until the reader name holds a card that answers (present 1) or
 * is empty (present 0), at most timeout_ms milliseconds (negative: for
 * ever; 0: look once).  With name NULL: until any reader holds a card, or
 * until every reader is empty.  Returns 1 when it happened (*r, if not
 * NULL, describes the reader with the card, or the named or first reader
 * when waiting for empty), 0 when the time ran out, -1 on error
 * (KM_ETEMP for a reader that does not exist or disappears, or pcscd
 * going away).  Reader names are matched exactly. */
int	km_pcsc_wait(struct km_pcsc *, const char *name, int present,
	    long timeout_ms, struct km_reader *r, struct km_err *);
/* Connects, shared, with T=1 or T=0, to the card in reader name (NULL:
 * the first reader that holds a card).  No card is KM_ETEMP "no card in
 * reader 'NAME'", a card held exclusively by another program KM_ETEMP
 * "reader 'NAME' is busy: ...". */
int	km_pcsc_connect(struct km_pcsc *, const char *name,
	    struct km_pcsc_card **, struct km_err *);
/* Leaves the card as it is (reset 0) or resets it; NULL is allowed. */
void	km_pcsc_disconnect(struct km_pcsc_card *, int reset);
/* Sends one APDU; the response (data, SW1 SW2) into rsp.  The card taken
 * out midway is KM_ETEMP "card removed from reader 'NAME'". */
int	km_pcsc_transmit(struct km_pcsc_card *, const unsigned char *cmd,
	    size_t cmdlen, unsigned char *rsp, size_t rspsz, size_t *rsplen,
	    struct km_err *);
/* Exclusive access for a sequence of APDUs (another program's
 * transaction makes begin wait); end with reset 1 resets the card. */
int	km_pcsc_begin(struct km_pcsc_card *, struct km_err *);
int	km_pcsc_end(struct km_pcsc_card *, int reset, struct km_err *);
/* The card's ATR (at most KM_ATRSZ bytes). */
int	km_pcsc_atr(struct km_pcsc_card *, unsigned char atr[KM_ATRSZ],
	    size_t *atrlen, struct km_err *);
const char *km_pcsc_card_reader(const struct km_pcsc_card *);
int	km_pcsc_protocol(const struct km_pcsc_card *);	/* 0 or 1 (T=) */
/* Fills io so that it transmits to the card; valid while card is. */
void	km_pcsc_io(struct km_pcsc_card *, struct km_card_io *io);
const char *km_reader_state_name(enum km_reader_state);

/* apdu.c -- ISO/IEC 7816-4 command and response APDUs over a struct
 * km_card_io.  Responses are untrusted: a malformed one is KM_EDATA. */
#define KM_APDU_MAXLC 65535
#define KM_APDU_MAXLE 65536
#define KM_APDU_MAXCMD (7 + KM_APDU_MAXLC + 2)	/* an extended case 4 */
#define KM_APDU_SHORTRSP (256 + 2)		/* a short response, SW */
#define KM_APDU_MAXRSP (KM_APDU_MAXLE + 2)
#define KM_APDU_MAXROUNDS 256	/* GET RESPONSE rounds for one command */

enum {
	KM_APDU_EXT = 1 << 0,	/* extended Lc/Le where short ones cannot
				 * say it (instead of chaining and GET
				 * RESPONSE) */
	KM_APDU_RAW = 1 << 1,	/* one exchange: no chaining, GET RESPONSE
				 * or re-issue on 6Cxx */
	KM_APDU_NOLE = 1 << 2	/* send no Le, but accept up to le bytes
				 * (INCREASE in kmcard-apdu(7)) */
};

/* A command.  The case follows from lc and le: lc 0 and le 0 is case 1,
 * le only case 2, lc only case 3, both case 4.  le counts the bytes
 * expected: 0 no Le field, 1 to 256 a short Le (256 is sent 00), up to
 * 65536 an extended one (65536 is 00 00). */
struct km_apdu {
	unsigned char	 cla, ins, p1, p2;
	const unsigned char *data;	/* lc bytes; NULL if lc is 0 */
	size_t		 lc;		/* 0 to 65535 */
	size_t		 le;		/* 0 to 65536 */
	int		 flags;		/* KM_APDU_* */
};

/* Encodes a command: short when lc <= 255 and le <= 256 and extended
 * otherwise (KM_APDU_EXT must be set for that).  Puts *len bytes in buf
 * (bufsz bytes; KM_APDU_MAXCMD always suffice).  An impossible command
 * (lc or le out of range, a buffer too small) is KM_EUSAGE. */
int	km_apdu_encode(const struct km_apdu *, unsigned char *buf,
	    size_t bufsz, size_t *len, struct km_err *);
/* One exchange of an encoded command, exactly as given.  The response is
 * checked (at least SW1 SW2, at most maxdata bytes of data, within rspsz)
 * and left whole in rsp: data, then SW1 SW2; *rsplen counts both. */
int	km_apdu_exchange(const struct km_card_io *, const unsigned char *cmd,
	    size_t cmdlen, size_t maxdata, unsigned char *rsp, size_t rspsz,
	    size_t *rsplen, struct km_err *);
/* Sends a command: with data longer than 255 bytes and no KM_APDU_EXT,
 * in a chain of short commands (CLA bit 10) that stops at the first part
 * not answered 9000; on 61xx fetches the rest with GET RESPONSE (at most
 * KM_APDU_MAXROUNDS times, the data in total at most le if given and
 * datasz); on 6Cxx sends the command again once with Le xx.  Puts the
 * response data in data (datasz bytes), its length in *datalen and the
 * last status word in *sw.  Returns 0 whatever the status word (the
 * caller judges it, e.g. with km_sw_err()), or -1 on a transport error or
 * a malformed response (KM_EDATA). */
int	km_apdu_transmit(const struct km_card_io *, const struct km_apdu *,
	    unsigned char *data, size_t datasz, size_t *datalen, unsigned *sw,
	    struct km_err *);
#define KM_SW_BUFSZ 64
/* What a status word means, e.g. "record not found" for 6A83 (the codes
 * of kmcard-apdu(7), then the general meaning of SW1).  Returns buf. */
const char *km_sw_str(unsigned sw, char buf[KM_SW_BUFSZ]);
/* 1 if sw reports success: 9000, or 61xx (more data to fetch). */
int	km_sw_ok(unsigned sw);
/* The error class of a refusal: KM_ENOTFOUND where the card says no to
 * this card or purse (6283, 6982, 6985, 6A82, 6A83, 9401 to 9403),
 * KM_EDATA for the rest (the host asked wrongly, or the card is broken). */
enum km_errclass km_sw_class(unsigned sw);
/* Sets err to "<what>: card answers XXXX: <meaning>" in km_sw_class();
 * returns -1. */
int	km_sw_err(struct km_err *, unsigned sw, const char *fmt, ...)
	    KM_PRINTF(3, 4);

/* A BER-TLV data object (ISO/IEC 7816-4 and 8825-1) read in place. */
struct km_tlv {
	unsigned	 tag;	/* the tag's bytes, e.g. 0x6F, 0x9F10 */
	int		 constructed;
	size_t		 len;
	const unsigned char *val;	/* len bytes inside the input */
};
/* Reads the data object at *p (*n bytes left) and moves past it; bytes
 * 00 and FF between objects are skipped.  Returns 1 with *t filled, 0 at
 * the end of the input, -1 for a malformed object (KM_EDATA: a tag longer
 * than 3 bytes, an indefinite or a more than 3-byte length, a value
 * running past the input). */
int	km_tlv_next(const unsigned char **p, size_t *n, struct km_tlv *,
	    struct km_err *);
/* Finds tag among the objects of [p, p + n) (one level, no descent):
 * 1 found, 0 not there, -1 malformed (KM_EDATA). */
int	km_tlv_find(const unsigned char *p, size_t n, unsigned tag,
	    struct km_tlv *, struct km_err *);

/* kmapp.c -- the host's client of the km application (kmcard-apdu(7)). */
#define KM_KMAPP_AIDLEN 7
extern const unsigned char km_kmapp_aid[KM_KMAPP_AIDLEN];
#define KM_UIDMAX 10			/* chip UID: 4, 7 or 10 bytes */
#define KM_KMAPP_RECMAX 256		/* the longest record a card returns */

enum {	/* the application's state from SELECT */
	KM_KMAPP_BLANK = 0,
	KM_KMAPP_PERSONALISED = 1,
	KM_KMAPP_INVALIDATED = 2
};
enum {	/* SFIs of the application's files */
	KM_SFI_ENVIRONMENT = 0x07,
	KM_SFI_EVENTS = 0x08,
	KM_SFI_CONTRACTS = 0x09,
	KM_SFI_COUNTERS = 0x19
};
enum { KM_PURSE_EMONEY = 1, KM_PURSE_POINTS = 2 };
enum { KM_PURSE_CREDIT = 0x43, KM_PURSE_DEBIT = 0x44 };	/* 'C', 'D' */

struct km_kmapp;	/* the application on one card; opaque */

struct km_kmapp_fci {			/* what SELECT tells */
	unsigned char	 uid[KM_UIDMAX];
	size_t		 uidlen;
	int		 state;		/* KM_KMAPP_* */
};
struct km_kmapp_open {			/* what OPEN SECURE SESSION tells */
	int		 ratified;	/* the previous session was ratified */
	int		 invalidated;	/* the application is invalidated */
	uint32_t	 sessions;	/* sessions committed so far */
};
struct km_purse {			/* PURSE GET */
	int32_t		 balance;
	unsigned	 counter;
	int32_t		 limit;
};
struct km_purse_op {			/* a credit or a debit */
	int32_t		 balance;	/* after the operation */
	unsigned	 counter;	/* after the operation */
	unsigned char	 mac[KM_MACSZ];	/* the purse certificate */
};

/* A client over io (copied; what io points to must outlive the client). */
int	km_kmapp_new(struct km_kmapp **, const struct km_card_io *io,
	    struct km_err *);
/* Wipes the session state and frees; NULL is allowed. */
void	km_kmapp_free(struct km_kmapp *);
/* The last status word the card answered (0 before any). */
unsigned km_kmapp_sw(const struct km_kmapp *);
/* 1 while a secure session is open. */
int	km_kmapp_in_session(const struct km_kmapp *);

/* SELECT by AID and parse the FCI (fci may be NULL).  An invalidated
 * application (6283) is selected, with state KM_KMAPP_INVALIDATED; a card
 * without the application is KM_ENOTFOUND; a malformed FCI KM_EDATA.
 * Ends any open session (the card drops it unwritten). */
int	km_kmapp_select(struct km_kmapp *, struct km_kmapp_fci *,
	    struct km_err *);
/* OPEN SECURE SESSION at level 1, 2 or 3 with the card's key for that
 * level (already diversified), and starts the running CMAC of
 * kmcard-apdu(7); info (may be NULL) tells the previous session's
 * ratification and the session count.  A session already open is
 * dropped first, as the card does. */
int	km_kmapp_open(struct km_kmapp *, int level,
	    const unsigned char key[KM_AES_KEYSZ], struct km_kmapp_open *info,
	    struct km_err *);
/* The same with the scheme's master key for the level: diversified with
 * the UID read by km_kmapp_select() (which must come first). */
int	km_kmapp_open_master(struct km_kmapp *, int level,
	    const unsigned char master[KM_AES_KEYSZ],
	    struct km_kmapp_open *info, struct km_err *);
/* READ RECORD rec (1 to 254) of file sfi (1 to 30) into buf (bufsz
 * bytes); *len is its length.  Inside a session or not. */
int	km_kmapp_read(struct km_kmapp *, int sfi, int rec, unsigned char *buf,
	    size_t bufsz, size_t *len, struct km_err *);
/* UPDATE RECORD (data of 1 to 255 bytes; the card pads it with zeros). */
int	km_kmapp_update(struct km_kmapp *, int sfi, int rec,
	    const unsigned char *data, size_t len, struct km_err *);
/* APPEND RECORD: the new record becomes record 1 (events only). */
int	km_kmapp_append(struct km_kmapp *, int sfi, const unsigned char *data,
	    size_t len, struct km_err *);
/* INCREASE or DECREASE counter (1 to 4) by value (up to FFFFFF); *newval
 * (may be NULL) gets the counter's new value. */
int	km_kmapp_increase(struct km_kmapp *, int counter, uint32_t value,
	    uint32_t *newval, struct km_err *);
int	km_kmapp_decrease(struct km_kmapp *, int counter, uint32_t value,
	    uint32_t *newval, struct km_err *);
/* PURSE GET: balance, counter and largest balance of purse 1 or 2. */
int	km_kmapp_purse_get(struct km_kmapp *, int purse, struct km_purse *,
	    struct km_err *);
/* PURSE CREDIT and DEBIT of amount (> 0); *op gets the new balance, the
 * counter and the purse certificate as the card sent them (check it
 * with km_purse_verify()).  A balance too low is KM_ENOTFOUND (9401). */
int	km_kmapp_purse_credit(struct km_kmapp *, int purse, int32_t amount,
	    struct km_purse_op *op, struct km_err *);
int	km_kmapp_purse_debit(struct km_kmapp *, int purse, int32_t amount,
	    struct km_purse_op *op, struct km_err *);
/* PURSE LIMIT: sets the largest balance (level 1). */
int	km_kmapp_purse_limit(struct km_kmapp *, int purse, int32_t limit,
	    struct km_err *);
/* PUT KEY number (1 to 4), level 1.  The key crosses the interface in
 * clear, covered by the session MAC only. */
int	km_kmapp_put_key(struct km_kmapp *, int keyno,
	    const unsigned char key[KM_AES_KEYSZ], struct km_err *);
int	km_kmapp_invalidate(struct km_kmapp *, struct km_err *);
int	km_kmapp_rehabilitate(struct km_kmapp *, struct km_err *);
/* CLOSE SECURE SESSION with the terminal's MAC, ratifying at once if
 * ratify is set, and checks the card's MAC: 0 means the card committed.
 * A wrong card MAC is KM_EDATA "card MAC does not verify"; a card that
 * refuses (6988) committed nothing.  The session is over either way. */
int	km_kmapp_close(struct km_kmapp *, int ratify, struct km_err *);
/* CLOSE SECURE SESSION without data: nothing is written. */
int	km_kmapp_abandon(struct km_kmapp *, struct km_err *);
/* RATIFY the last committed session. */
int	km_kmapp_ratify(struct km_kmapp *, struct km_err *);

/* Back office: checks a purse certificate (kmcard-apdu(7)) with K[4]
 * diversified from master4 and uid.  0 good; -1 with KM_EDATA "purse
 * certificate does not verify" (or a bad argument). */
int	km_purse_verify(const unsigned char master4[KM_AES_KEYSZ],
	    const unsigned char *uid, size_t uidlen, int purse, int op,
	    unsigned counter, int32_t amount, int32_t balance,
	    const unsigned char mac[KM_MACSZ], struct km_err *);
/* Back office: the counters (1 to 65535) of one card's purse received in
 * any order, last the highest one already accounted for (0: none).
 * *replays (may be NULL) counts counters seen twice or not above last,
 * *gaps (may be NULL) the counters missing between last + 1 and the
 * highest one seen.  Returns 0 if there is neither, 1 if there is (err,
 * KM_EDATA, names the first replay, else the first gap), -1 on a counter
 * out of range. */
int	km_purse_counters_check(const unsigned *counters, size_t n,
	    unsigned last, size_t *replays, size_t *gaps, struct km_err *);

/* chip.c -- the chip as the back office reads it without a key: the km
 * application's state, environment record, events and purses, and
 * whether they agree with the store (kmcard-status -C). */
#define KM_ENVSZ 29		/* the environment record (kmcard-apdu(7)) */
#define KM_CHIP_NEVENTS 3	/* records of the event file */
struct km_chip_env {			/* the environment record, version 01 */
	char		 number[KM_CARDNO_LEN + 1];	/* 16 digits */
	int		 type;		/* KM_CARD_RESIDENT, ... */
	time_t		 end;		/* 00:00 UTC of the end date */
	int		 profile;	/* the holder profile, 0 to 255 */
};
/* Writes the environment record: version 01, the card number in BCD, the
 * type, the end date as days since 2010-01-01 (2010-01-01 to 2189-06-06;
 * a time within the day counts as the day), the profile, then zero
 * bytes.  A field out of range is KM_EUSAGE. */
int	km_chip_env_encode(const struct km_chip_env *,
	    unsigned char rec[KM_ENVSZ], struct km_err *);
/* Reads an environment record of len bytes: 1 read into *env, 0 empty
 * (zero bytes only: never written), -1 malformed (KM_EDATA: another
 * version, a card number that is not BCD, an unknown type, too short). */
int	km_chip_env_decode(const unsigned char *rec, size_t len,
	    struct km_chip_env *, struct km_err *);

enum {	/* where a chip and the store disagree */
	KM_CHIP_UNBOUND = 1 << 0,	/* the chip UID is bound to no card */
	KM_CHIP_NUMBER = 1 << 1,	/* another card number on the chip */
	KM_CHIP_STATE = 1 << 2,		/* the card is blocked, revoked,
					 * replaced or expired, and the
					 * application not invalidated */
	KM_CHIP_TYPE = 1 << 3		/* another card type on the chip */
};
#define KM_CHIP_NMISMATCH 4

struct km_chip {
	char		 reader[KM_READERSZ];	/* "" unless read by
						 * km_chip_read_reader() */
	unsigned char	 uid[KM_UIDMAX];
	size_t		 uidlen;
	char		 uidhex[KM_UIDSZ];	/* upper-case hex */
	int		 state;		/* KM_KMAPP_BLANK, ... */
	int		 hasenv;	/* the environment record is written */
	struct km_chip_env env;		/* when hasenv */
	struct km_purse	 purse[2];	/* [0] e-money, [1] points */
	size_t		 nevents;	/* event records read, newest first */
	unsigned char	 event[KM_CHIP_NEVENTS][KM_KMAPP_RECMAX];
	size_t		 eventlen[KM_CHIP_NEVENTS];
};
/* Reads the chip over io, outside any session: SELECT of the km
 * application, its environment record, its event records and PURSE GET
 * of both purses.  A card without the application is KM_ENOTFOUND, an
 * answer that makes no sense KM_EDATA; errors name the reader. */
int	km_chip_read(const struct km_card_io *, struct km_chip *,
	    struct km_err *);
/* The same through PC/SC, in one transaction, from the card in reader
 * (NULL: the first reader that holds a card); chip->reader names the
 * reader read.  pcscd not running, no reader, and no card are KM_ETEMP;
 * with reader NULL, the message names the readers that are empty. */
int	km_chip_read_reader(const char *reader, struct km_chip *,
	    struct km_err *);
/* Where chip and card disagree (card NULL: the chip's UID is bound to no
 * card): KM_CHIP_* bits, 0 when they agree.  A chip without an
 * environment record has no number or type to disagree with.  A card
 * blocked, revoked or replaced, or expired before the end date on its
 * chip, disagrees unless its chip is invalidated. */
unsigned km_chip_check(const struct km_chip *, const struct km_card *);
/* "unbound", "number", "state", "type" for one KM_CHIP_* bit; NULL for
 * anything else. */
const char *km_chip_mismatch_name(unsigned bit);
/* "blank", "personalised", "invalidated" for a KM_KMAPP_* state. */
const char *km_chip_state_name(int);

/* vcard.c, vcard-km.c -- the virtual card: kmcard-sim(1)'s chip, with the
 * km application of kmcard-apdu(7), its state in a card file that is
 * replaced atomically, so that a card pulled out mid-write is never
 * corrupt. */
struct km_vcard;
#define KM_VCARD_RESPMAX 258		/* 256 data bytes and SW1 SW2 */
#define KM_VCARD_TEXTMAX 2048		/* a card file is shorter */
enum { KM_VCARD_LOCK = 1 };
/* Writes a blank card with chip uid (4, 7 or 10 bytes) to path,
 * atomically, mode 0600.  An existing file is KM_EDATA unless force, a
 * file another process serves (holds locked) KM_ETEMP; a path that
 * cannot be written is KM_EDATA, a full disk KM_ETEMP. */
int	km_vcard_create(const char *path, const unsigned char *uid,
	    size_t uidlen, int force, struct km_err *);
/* Loads a card file, checking every line: a damaged file is KM_EDATA
 * "path:line: why".  With KM_VCARD_LOCK the card holds the file locked
 * (flock) until km_vcard_free(); a file locked by another is KM_ETEMP.
 * Sessions the card commits are saved to the file before they are
 * answered. */
int	km_vcard_open(struct km_vcard **, const char *path, int flags,
	    struct km_err *);
/* A blank card held in memory only, never saved. */
int	km_vcard_new(struct km_vcard **, const unsigned char *uid,
	    size_t uidlen, struct km_err *);
/* Ends any session without committing it, releases the lock, frees. */
void	km_vcard_free(struct km_vcard *);
/* The chip UID; *len gets its length. */
const unsigned char *km_vcard_uid(const struct km_vcard *, size_t *len);
/* The card's answer to reset (T=1); *len gets its length. */
const unsigned char *km_vcard_atr(size_t *len);
/* The committed state as the card file's text (NUL-terminated); returns
 * its length, which is less than KM_VCARD_TEXTMAX. */
size_t	km_vcard_text(const struct km_vcard *, char buf[KM_VCARD_TEXTMAX]);
/* Power off, power on, reset or removal: every open session ends
 * uncommitted and no application is selected. */
void	km_vcard_reset(struct km_vcard *);
/* Answers the command APDU cmd (n bytes, any content: it comes from the
 * host and is not trusted) with a response APDU of *rlen bytes written
 * to resp (data, then SW1 SW2; at least 2 bytes).  Returns 0, or -1 when
 * the card itself failed (its file could not be saved, the random source
 * or AES failed): err says why, and the response is still there to send
 * (6581 or 6F00; nothing was committed). */
int	km_vcard_apdu(struct km_vcard *, const unsigned char *cmd, size_t n,
	    unsigned char resp[KM_VCARD_RESPMAX], size_t *rlen,
	    struct km_err *);

/* vpcd.c -- the card's side of vsmartcard's vpcd reader driver: the
 * card connects to the reader (inside pcscd) over TCP and answers it. */
struct km_vpcd;
#define KM_VPCD_HOST "127.0.0.1"
#define KM_VPCD_PORT "35963"
enum km_vpcd_end {
	KM_VPCD_CLOSED,		/* the reader closed the connection */
	KM_VPCD_STOPPED,	/* *stop was set */
	KM_VPCD_PULLED		/* the card was pulled out (pull) */
};
enum { KM_VPCD_WARN, KM_VPCD_INFO, KM_VPCD_DEBUG };
struct km_vpcd_opt {
	/* Pull the card out when APDU number pull arrives (counted from 1
	 * since the connection), unanswered; 0 never. */
	unsigned long	 pull;
	/* Stop at the next wait once *stop is non-zero (a signal handler
	 * sets it); may be NULL. */
	volatile sig_atomic_t *stop;
	/* The signal mask to wait with (pselect), so that the signals
	 * that set *stop can be blocked at all other times; NULL: the
	 * current mask. */
	const sigset_t	*waitmask;
	/* Told what happens: level KM_VPCD_WARN, _INFO or _DEBUG (every
	 * APDU and response in hex); may be NULL. */
	void		(*log)(void *arg, int level, const char *msg);
	void		*arg;
};
/* Connects to vpcd at host:port; a reader that is not listening is
 * KM_ETEMP "cannot connect to vpcd 'host:port': why", a host that does
 * not resolve KM_EDATA. */
int	km_vpcd_connect(struct km_vpcd **, const char *host,
	    const char *port, struct km_err *);
/* Inserts the card: answers the reader until it closes the connection,
 * *stop is set, or the card is pulled out (*end says which; the
 * connection is then closed, which the reader sees as a removal).
 * Returns 0, or -1 on a failure of the connection. */
int	km_vpcd_serve(struct km_vpcd *, struct km_vcard *,
	    const struct km_vpcd_opt *, enum km_vpcd_end *, struct km_err *);
void	km_vpcd_close(struct km_vpcd *);

#endif /* KM_H */
