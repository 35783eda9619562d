/*
 * t-x509.c -- certificates, requests and CRLs made by lib/x509.c and
 * checked by the openssl command as a real peer: a root, an issuing CA
 * and a leaf (chain verified with -x509_strict, extensions read back),
 * km_cert_info() and km_cert_verify(), CSRs made by openssl req, CRLs
 * verified by openssl crl (one of 100,000 entries, timed), RSA-3072 and
 * P-384 issuers, and the refusals.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>

#include "km.h"
#include "tap.h"

static char dir[] = "/tmp/t-x509.XXXXXX";
static char path[512], cmd[4096];

static const char *
P(const char *name)
{
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return path;
}

static int
run(const char *fmt, ...) KM_PRINTF(1, 2);

/* Runs the shell command made from fmt; returns its wait status. */
static int
run(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return system(cmd);
}

static int
writefile(const char *name, const void *p, size_t n)
{
	FILE *fp;
	int rc;

	if ((fp = fopen(P(name), "w")) == NULL)
		return -1;
	rc = fwrite(p, 1, n, fp) == n ? 0 : -1;
	if (fclose(fp) == EOF)
		rc = -1;
	return rc;
}

/* The whole file, malloc'd and NUL-terminated; NULL if unreadable. */
static char *
readfile(const char *name, size_t *n)
{
	FILE *fp;
	char *buf;
	long sz;

	if ((fp = fopen(P(name), "r")) == NULL)
		return NULL;
	if (fseek(fp, 0, SEEK_END) == -1 || (sz = ftell(fp)) < 0 ||
	    fseek(fp, 0, SEEK_SET) == -1 ||
	    (buf = malloc((size_t)sz + 1)) == NULL) {
		fclose(fp);
		return NULL;
	}
	*n = fread(buf, 1, (size_t)sz, fp);
	buf[*n] = '\0';
	fclose(fp);
	return buf;
}

/* 1 if file name contains s. */
static int
has(const char *name, const char *s)
{
	size_t n;
	char *b;
	int found;

	if ((b = readfile(name, &n)) == NULL)
		return 0;
	found = strstr(b, s) != NULL;
	if (!found)
		printf("#   '%s' not in %s\n", s, name);
	free(b);
	return found;
}

/* Counts the lines of file name holding s (grep -c: a strstr() loop is
 * quadratic under ASan, which measures the haystack on every call). */
static size_t
count(const char *name, const char *s)
{
	FILE *fp;
	unsigned long c = 0;

	snprintf(cmd, sizeof(cmd), "grep -c -F -e '%s' %s", s, P(name));
	if ((fp = popen(cmd, "r")) == NULL)
		return 0;
	if (fscanf(fp, "%lu", &c) != 1)
		c = 0;
	pclose(fp);
	return c;
}

static int
putpem(const struct km_cert *c, const char *name)
{
	struct km_err e;
	char *pem;
	int rc;

	if (km_cert_pem(c, &pem, &e) == -1)
		return -1;
	rc = writefile(name, pem, strlen(pem));
	free(pem);
	return rc;
}

static struct km_key *
genkey(int type)
{
	struct km_key *k;
	struct km_err e;

	if (km_key_generate(&k, type, &e) == -1) {
		printf("# keygen: %s\n", e.msg);
		exit(1);
	}
	return k;
}

static time_t now;

/* Fills r as a CA or leaf request with a fresh random serial. */
static void
req_init(struct km_certreq *r, const struct km_key *k, const char *cn,
    char hex[KM_SERIALSZ])
{
	struct km_err e;

	memset(r, 0, sizeof(*r));
	r->key = k;
	r->subject[0].attr = "C";
	r->subject[0].value = "PL";
	r->subject[1].attr = "O";
	r->subject[1].value = "Miasto Testowe";
	r->subject[2].attr = "CN";
	r->subject[2].value = cn;
	r->nsubject = 3;
	r->seriallen = 16;
	km_serial_random(r->serial, r->seriallen, hex, &e);
	r->not_before = now - 3600;
	r->not_after = now + 86400 * 365;
	r->pathlen = -1;
}

static struct km_cert *
make(const struct km_certreq *r, struct km_key *ik,
    const struct km_cert *issuer, const char *what)
{
	struct km_cert *c = NULL;
	struct km_err e;

	if (!ok(km_cert_make(r, ik, issuer, &c, &e) == 0, "make %s", what))
		printf("#   %s\n", e.msg);
	return c;
}

static void
test_names(void)
{
	unsigned b;
	int i, bad = 0;

	for (b = 1; b <= KM_KU_CRL_SIGN; b <<= 1)
		bad += km_ku_parse(km_ku_name(b)) != b;
	for (b = 1; b <= KM_EKU_SMARTCARD_LOGON; b <<= 1)
		bad += km_eku_parse(km_eku_name(b)) != b;
	is(bad, 0, "names: key usages round-trip");
	is(km_ku_parse("keyCertSign"), KM_KU_KEY_CERT_SIGN, "names: keyCertSign");
	is(km_eku_parse("msSmartcardLogin"), KM_EKU_SMARTCARD_LOGON,
	    "names: msSmartcardLogin");
	is(km_ku_parse("keycertsign"), 0, "names: case matters");
	is(km_eku_parse("serverAuth"), 0, "names: unknown EKU is 0");
	ok(km_ku_name(3) == NULL && km_eku_name(0) == NULL,
	    "names: no name for two bits or none");
	for (i = 0, bad = 0; i <= 10; i++)
		if (i != 7)
			bad += km_reason_parse(km_reason_name(i)) != i;
	is(bad, 0, "reasons: round-trip");
	is_str(km_reason_name(KM_RS_CESSATION), "cessationOfOperation",
	    "reasons: cessationOfOperation");
	is_str(km_reason_name(KM_RS_AA_COMPROMISE), "aACompromise",
	    "reasons: aACompromise");
	ok(km_reason_name(7) == NULL && km_reason_name(11) == NULL &&
	    km_reason_name(-1) == NULL, "reasons: 7, 11, -1 have no name");
	is(km_reason_parse("keycompromise"), -1, "reasons: unknown is -1");
}

static void
test_serial(void)
{
	unsigned char a[20], b[20];
	char ha[KM_SERIALSZ], hb[KM_SERIALSZ];
	struct km_err e;
	int i, bad = 0;

	is(km_serial_random(a, 20, ha, &e), 0, "serial: 20 bytes");
	is(km_serial_random(b, 20, hb, &e), 0, "serial: again");
	ok(memcmp(a, b, 20) != 0 && strcmp(ha, hb) != 0, "serial: two differ");
	is(strlen(ha), 40, "serial: 40 hex digits");
	for (i = 0; i < 1000; i++) {
		km_serial_random(a, 8, ha, &e);
		bad += a[0] < 0x01 || a[0] > 0x7f || strlen(ha) != 16 ||
		    ha[0] > '7';
	}
	is(bad, 0, "serial: first byte 01..7f in 1000 draws");
	ok(km_serial_random(a, 7, ha, &e) == -1 && e.eclass == KM_EUSAGE,
	    "serial: 7 bytes refused");
	ok(km_serial_random(a, 21, NULL, &e) == -1, "serial: 21 refused");
}

static struct km_key *rootk, *issk, *leafk;
static struct km_cert *root, *iss, *leaf;

/* The chain of the main test: root, issuing CA (pathlen 0), leaf. */
static void
test_chain(void)
{
	struct km_certreq r;
	struct km_certinfo ci;
	struct km_err e;
	struct km_cert *c2;
	unsigned char *der;
	size_t len;
	char hex[KM_SERIALSZ], kid[65], *b;

	rootk = genkey(KM_KEY_EC256);
	issk = genkey(KM_KEY_EC256);
	leafk = genkey(KM_KEY_EC256);

	req_init(&r, rootk, "Miasto Testowe Root CA", hex);
	r.ca = 1;
	r.ku = KM_KU_KEY_CERT_SIGN | KM_KU_CRL_SIGN;
	r.not_after = now + 86400 * 3650;
	root = make(&r, rootk, NULL, "root (self-signed)");

	req_init(&r, issk, "Miasto Testowe Issuing CA", hex);
	r.ca = 1;
	r.pathlen = 0;
	r.ku = KM_KU_KEY_CERT_SIGN | KM_KU_CRL_SIGN;
	r.crl_url = "http://crl.example.pl/root.crl";
	iss = make(&r, rootk, root, "issuing CA");

	req_init(&r, leafk, "Zażółć Gęślą Jaźń", hex);
	r.subject[3].attr = "GN";
	r.subject[3].value = "Zażółć";
	r.subject[4].attr = "SN";
	r.subject[4].value = "Jaźń";
	r.subject[5].attr = "serialNumber";
	r.subject[5].value = "PNOPL-44051401359";
	r.nsubject = 6;
	r.email = "jan.kowalski@example.pl";
	r.ku = KM_KU_DIGITAL_SIGNATURE | KM_KU_KEY_AGREEMENT;
	r.eku = KM_EKU_CLIENT_AUTH | KM_EKU_EMAIL_PROTECTION |
	    KM_EKU_SMARTCARD_LOGON;
	r.crl_url = "http://crl.example.pl/issuing.crl";
	r.ocsp_url = "http://ocsp.example.pl";
	leaf = make(&r, issk, iss, "leaf");
	if (root == NULL || iss == NULL || leaf == NULL)
		exit(1);
	ok(ERR_peek_error() == 0, "chain: error queue empty");

	is(putpem(root, "root.pem") | putpem(iss, "issuing.pem") |
	    putpem(leaf, "leaf.pem"), 0, "chain: written as PEM");
	is(run("cat %s/root.pem %s/issuing.pem > %s/chain.pem", dir, dir, dir),
	    0, "chain: chain.pem");
	is(run("openssl verify -x509_strict -CAfile %s/root.pem "
	    "-untrusted %s/issuing.pem %s/leaf.pem > %s/verify.txt 2>&1",
	    dir, dir, dir, dir), 0, "openssl verify -x509_strict: exit 0");
	ok(has("verify.txt", "leaf.pem: OK"), "openssl verify: OK");
	is(run("openssl verify -x509_strict -CAfile %s/root.pem "
	    "%s/issuing.pem > /dev/null 2>&1", dir, dir), 0,
	    "openssl verify: issuing CA OK");

	run("openssl x509 -noout -text -in %s/root.pem > %s/root.txt", dir,
	    dir);
	run("openssl x509 -noout -text -in %s/issuing.pem > %s/iss.txt", dir,
	    dir);
	run("openssl x509 -noout -text -in %s/leaf.pem > %s/leaf.txt", dir,
	    dir);
	ok(has("root.txt", "Version: 3 (0x2)"), "root: v3");
	ok(has("root.txt", "X509v3 Basic Constraints: critical") &&
	    has("root.txt", "CA:TRUE"), "root: basicConstraints critical, CA");
	ok(has("root.txt", "X509v3 Key Usage: critical") &&
	    has("root.txt", "Certificate Sign, CRL Sign"),
	    "root: keyUsage critical keyCertSign, cRLSign");
	ok(has("root.txt", "Subject Key Identifier") &&
	    count("root.txt", "Authority Key Identifier") == 0,
	    "root: SKI, no AKI");
	ok(has("root.txt", "ecdsa-with-SHA256"), "root: ecdsa-with-SHA256");
	ok(has("iss.txt", "CA:TRUE, pathlen:0"), "issuing: pathlen 0");
	ok(has("iss.txt", "Authority Key Identifier"), "issuing: AKI");
	ok(has("iss.txt", "URI:http://crl.example.pl/root.crl"),
	    "issuing: cRLDistributionPoints");
	ok(has("leaf.txt", "CA:FALSE"), "leaf: CA:FALSE");
	ok(has("leaf.txt", "X509v3 Key Usage: critical") &&
	    has("leaf.txt", "Digital Signature, Key Agreement"),
	    "leaf: keyUsage");
	ok(has("leaf.txt", "TLS Web Client Authentication, E-mail "
	    "Protection, Microsoft Smartcard Login"), "leaf: EKU");
	ok(has("leaf.txt", "email:jan.kowalski@example.pl"), "leaf: SAN");
	ok(has("leaf.txt", "URI:http://crl.example.pl/issuing.crl"),
	    "leaf: CDP");
	ok(has("leaf.txt", "OCSP - URI:http://ocsp.example.pl"), "leaf: AIA");
	is(count("leaf.txt", "OCSP No Check"), 0, "leaf: no nocheck");

	/* km_cert_info against what openssl prints. */
	is(km_cert_info(leaf, &ci, &e), 0, "info: leaf");
	is_str(ci.serial, hex, "info: serial");
	is_str(ci.cn, "Zażółć Gęślą Jaźń", "info: cn, UTF-8");
	is_str(ci.serial_number, "PNOPL-44051401359", "info: serialNumber");
	is_str(ci.email, "jan.kowalski@example.pl", "info: email");
	is(ci.not_before, r.not_before, "info: notBefore");
	is(ci.not_after, r.not_after, "info: notAfter");
	is(ci.ca, 0, "info: not a CA");
	is(ci.ku, r.ku, "info: ku");
	is(ci.eku, r.eku, "info: eku");
	km_key_id(leafk, kid, &e);
	is_str(ci.key_id, kid, "info: key_id is km_key_id()");
	run("openssl x509 -noout -subject -issuer -nameopt RFC2253,-esc_msb "
	    "-in %s/leaf.pem > %s/dn.txt", dir, dir);
	b = readfile("dn.txt", &len);
	{
		char want[2 * KM_DNSZ + 32];

		snprintf(want, sizeof(want), "subject=%s\nissuer=%s\n",
		    ci.subject, ci.issuer);
		is_str(b, want, "info: subject and issuer as openssl's RFC 2253");
	}
	free(b);
	ok(strncmp(ci.subject, "serialNumber=PNOPL-44051401359,SN=Jaźń,"
	    "GN=Zażółć,CN=Zażółć Gęślą Jaźń,O=Miasto Testowe,C=PL", 200) == 0,
	    "info: subject '%s'", ci.subject);
	is(km_cert_info(iss, &ci, &e), 0, "info: issuing");
	ok(ci.ca == 1 && ci.ku == (KM_KU_KEY_CERT_SIGN | KM_KU_CRL_SIGN) &&
	    ci.eku == 0 && ci.email[0] == '\0', "info: issuing CA bits");
	is_str(ci.issuer, "CN=Miasto Testowe Root CA,O=Miasto Testowe,C=PL",
	    "info: issuing's issuer");

	/* Parsing: PEM, DER, files. */
	is(km_cert_der(leaf, &der, &len, &e), 0, "der: encodes");
	is(km_cert_parse(&c2, der, len, &e), 0, "parse: DER");
	km_cert_info(c2, &ci, &e);
	is_str(ci.serial, hex, "parse: DER round trip");
	km_cert_free(c2);
	writefile("leaf.der", der, len);
	is(km_cert_load(&c2, P("leaf.der"), &e), 0, "load: DER file");
	km_cert_free(c2);
	der[len - 1] ^= 1;
	is(km_cert_parse(&c2, der, len, &e), 0,
	    "parse: a flipped signature still parses");
	ok(km_cert_verify(c2, &root, 1, &iss, 1, 0, &e) == 1 &&
	    e.eclass == KM_ENOTFOUND, "verify: flipped signature: 1 (%s)",
	    e.msg);
	km_cert_free(c2);
	der = realloc(der, len + 1);
	der[len] = 0;
	ok(km_cert_parse(&c2, der, len + 1, &e) == -1 &&
	    e.eclass == KM_EDATA, "parse: trailing byte refused (%s)", e.msg);
	ok(km_cert_parse(&c2, der, len / 2, &e) == -1 &&
	    e.eclass == KM_EDATA, "parse: truncated refused");
	ok(km_cert_parse(&c2, (const unsigned char *)"hello", 5, &e) == -1 &&
	    c2 == NULL, "parse: garbage refused");
	ok(km_cert_parse(&c2, der, 0, &e) == -1, "parse: empty refused");
	free(der);
	is(km_cert_load(&c2, P("leaf.pem"), &e), 0, "load: PEM file");
	km_cert_free(c2);
	ok(km_cert_load(&c2, P("nonexistent"), &e) == -1 &&
	    strstr(e.msg, "nonexistent") != NULL, "load: missing file named");
	ok(km_cert_load(&c2, P("verify.txt"), &e) == -1 &&
	    strncmp(e.msg, "certificate '", 13) == 0,
	    "load: not a certificate (%s)", e.msg);
	{
		struct km_cert **v;
		size_t n, i;

		run("cat %s/chain.pem %s/leaf.pem > %s/all.pem", dir, dir,
		    dir);
		is(km_cert_load_all(&v, &n, P("all.pem"), &e), 0,
		    "load_all: three");
		is(n, 3, "load_all: n = 3");
		if (n == 3) {
			km_cert_info(v[2], &ci, &e);
			is_str(ci.serial, hex, "load_all: in order");
		}
		for (i = 0; i < n; i++)
			km_cert_free(v[i]);
		free(v);
		ok(km_cert_load_all(&v, &n, P("verify.txt"), &e) == -1 &&
		    n == 0, "load_all: none is an error (%s)", e.msg);
	}
	c2 = km_cert_dup(leaf);
	ok(c2 != NULL && km_cert_info(c2, &ci, &e) == 0 &&
	    strcmp(ci.serial, hex) == 0, "dup: same certificate");
	km_cert_free(c2);
	{
		struct km_key *pk;

		is(km_cert_pubkey(leaf, &pk, &e), 0, "pubkey: from leaf");
		ok(km_key_same(pk, leafk) == 1, "pubkey: the leaf's key");
		km_key_free(pk);
	}
	ok(ERR_peek_error() == 0, "parse: error queue empty");
}

static void
test_verify(void)
{
	struct km_certreq r;
	struct km_err e;
	struct km_key *k;
	struct km_cert *other;
	char hex[KM_SERIALSZ];

	is(km_cert_verify(leaf, &root, 1, &iss, 1, 0, &e), 0, "verify: good");
	is(km_cert_verify(leaf, &root, 1, &iss, 1, now + 86400, &e), 0,
	    "verify: good tomorrow");
	ok(km_cert_verify(leaf, &root, 1, &iss, 1, now + 86400 * 400, &e) ==
	    1 && e.eclass == KM_ENOTFOUND, "verify: after notAfter: 1");
	is_str(e.msg, "certificate has expired", "verify: says expired");
	ok(km_cert_verify(leaf, &root, 1, &iss, 1, now - 86400, &e) == 1,
	    "verify: before notBefore: 1 (%s)", e.msg);
	ok(km_cert_verify(leaf, &root, 1, NULL, 0, 0, &e) == 1 &&
	    e.eclass == KM_ENOTFOUND, "verify: without the issuing CA: 1 "
	    "(%s)", e.msg);

	k = genkey(KM_KEY_EC256);
	req_init(&r, k, "Miasto Testowe Root CA", hex);
	r.ca = 1;
	r.ku = KM_KU_KEY_CERT_SIGN | KM_KU_CRL_SIGN;
	other = make(&r, k, NULL, "another root, same name");
	ok(km_cert_verify(leaf, &other, 1, &iss, 1, 0, &e) == 1 &&
	    e.eclass == KM_ENOTFOUND, "verify: wrong anchor: 1 (%s)", e.msg);
	ok(km_cert_verify(leaf, NULL, 0, &iss, 1, 0, &e) == 1,
	    "verify: no anchor: 1");
	is(km_cert_verify(iss, &root, 1, NULL, 0, 0, &e), 0,
	    "verify: issuing CA good");
	km_cert_free(other);
	km_key_free(k);
	ok(ERR_peek_error() == 0, "verify: error queue empty");
}

/* Checks that km_cert_make() refuses r with class cls and message msg
 * (NULL: any). */
static void
refuse(const struct km_certreq *r, const char *what, enum km_errclass cls,
    const char *msg)
{
	struct km_cert *c = NULL;
	struct km_err e;

	ok(km_cert_make(r, issk, iss, &c, &e) == -1 && c == NULL &&
	    e.eclass == cls && (msg == NULL || strcmp(e.msg, msg) == 0),
	    "refuse: %s (%s)", what, e.msg);
	km_cert_free(c);
}

/* The refusals of km_cert_make(). */
static void
test_refusals(void)
{
	struct km_certreq r, r0;
	struct km_err e;
	struct km_cert *c;
	char hex[KM_SERIALSZ];
	char cn[300];
	int i;

	req_init(&r0, leafk, "x", hex);
#define REFUSE(what, cls, msg) do { \
	refuse(&r, what, cls, msg); \
	r = r0; \
} while (0)
	r = r0;
	r.subject[1].attr = "XX";
	REFUSE("unknown attribute", KM_EDATA,
	    "subject attribute 'XX': unknown");
	memset(cn, 'a', 65);
	cn[65] = '\0';
	r.subject[2].value = cn;
	REFUSE("CN of 65", KM_EDATA,
	    "subject 'CN': longer than 64 characters");
	for (i = 0; i < 64; i++)
		memcpy(cn + 2 * i, "ż", 2);
	cn[128] = '\0';
	r.subject[2].value = cn;
	ok(km_cert_make(&r, issk, iss, &c, &e) == 0,
	    "accept: CN of 64 two-byte characters");
	km_cert_free(c);
	r = r0;
	memcpy(cn + 128, "ż", 3);
	r.subject[2].value = cn;
	REFUSE("CN of 65 two-byte characters", KM_EDATA,
	    "subject 'CN': longer than 64 characters");
	r.subject[0].value = "POL";
	REFUSE("C of 3", KM_EDATA, "subject 'C': longer than 2 characters");
	r.subject[2].value = "bad \xc3\x28 utf8";
	REFUSE("invalid UTF-8", KM_EDATA, "subject 'CN': not valid UTF-8");
	r.subject[2].value = "";
	REFUSE("empty CN", KM_EDATA, "subject 'CN': empty");
	r.subject[2].attr = "serialNumber";
	r.subject[2].value = "PNO_PL";
	REFUSE("serialNumber outside PrintableString", KM_EDATA, NULL);
	r.nsubject = 0;
	REFUSE("empty subject", KM_EDATA, "subject: empty");
	r.key = NULL;
	REFUSE("no key", KM_EDATA, NULL);
	r.seriallen = 0;
	REFUSE("serial of 0 bytes", KM_EDATA, NULL);
	r.seriallen = 21;
	REFUSE("serial of 21 bytes", KM_EDATA, NULL);
	memset(r.serial, 0, sizeof(r.serial));
	REFUSE("serial zero", KM_EDATA, "serial: zero");
	r.not_after = r.not_before;
	REFUSE("notAfter = notBefore", KM_EDATA,
	    "validity: notAfter is not after notBefore");
	r.ku = KM_KU_KEY_CERT_SIGN;
	REFUSE("keyCertSign without cA", KM_EDATA, NULL);
	r.email = "no-at-sign";
	REFUSE("bad e-mail", KM_EDATA, NULL);
	r.crl_url = "http://x/a b";
	REFUSE("URL with a space", KM_EDATA, NULL);
	ok(km_cert_make(&r, rootk, iss, &c, &e) == -1 &&
	    e.eclass == KM_EUSAGE, "refuse: key not the issuer's (%s)", e.msg);
	ok(km_cert_make(&r, rootk, NULL, &c, &e) == -1 &&
	    e.eclass == KM_EUSAGE, "refuse: self-signed by another key");
	ok(km_cert_make(&r, leafk, leaf, &c, &e) == -1 &&
	    e.eclass == KM_EDATA, "refuse: issuer not a CA (%s)", e.msg);
	ok(ERR_peek_error() == 0, "refuse: error queue empty");
#undef REFUSE
}

/* An OCSP responder certificate: nocheck and OCSPSigning. */
static void
test_ocsp_cert(void)
{
	struct km_certreq r;
	struct km_certinfo ci;
	struct km_err e;
	struct km_key *k;
	struct km_cert *c;
	char hex[KM_SERIALSZ];

	k = genkey(KM_KEY_EC256);
	req_init(&r, k, "OCSP", hex);
	r.subject[3].attr = "organizationIdentifier";
	r.subject[3].value = "VATPL-1234563218";
	r.subject[4].attr = "emailAddress";
	r.subject[4].value = "ocsp@example.pl";
	r.nsubject = 5;
	r.ku = KM_KU_DIGITAL_SIGNATURE;
	r.eku = KM_EKU_OCSP_SIGNING;
	r.ocsp_nocheck = 1;
	r.not_after = r.not_before + 86400;
	if ((c = make(&r, issk, iss, "OCSP responder")) == NULL)
		return;
	putpem(c, "ocsp.pem");
	run("openssl x509 -noout -text -in %s/ocsp.pem > %s/ocsp.txt", dir,
	    dir);
	ok(has("ocsp.txt", "OCSP No Check"), "ocsp: id-pkix-ocsp-nocheck");
	ok(has("ocsp.txt", "OCSP Signing"), "ocsp: OCSPSigning");
	ok(has("ocsp.txt", "organizationIdentifier = VATPL-1234563218") ||
	    has("ocsp.txt", "organizationIdentifier=VATPL-1234563218"),
	    "ocsp: organizationIdentifier");
	is(run("openssl verify -x509_strict -CAfile %s/root.pem -untrusted "
	    "%s/issuing.pem %s/ocsp.pem >/dev/null 2>&1", dir, dir, dir), 0,
	    "ocsp: openssl verify OK");
	km_cert_info(c, &ci, &e);
	is(ci.eku, KM_EKU_OCSP_SIGNING, "ocsp: info eku");
	ok(strstr(ci.subject, "emailAddress=ocsp@example.pl") != NULL,
	    "ocsp: emailAddress in subject");
	km_cert_free(c);
	km_key_free(k);
}

static void
test_req(void)
{
	struct km_key *k;
	struct km_err e;
	unsigned char *buf;
	size_t n;
	char want[128], kid[65];
	int iscsr;

	if (run("cd %s && openssl req -new -newkey ec -pkeyopt "
	    "ec_paramgen_curve:P-256 -nodes -keyout csrkey.pem -subj "
	    "'/CN=Jan Kowalski' -out csr.pem 2>/dev/null && "
	    "openssl req -in csr.pem -outform DER -out csr.der && "
	    "openssl pkey -in csrkey.pem -pubout -out pub.pem && "
	    "openssl pkey -in csrkey.pem -pubout -outform DER -out pub.der && "
	    "openssl dgst -sha256 -r pub.der | cut -c1-64 > pub.id", dir) != 0) {
		ok(0, "req: openssl req -new");
		return;
	}
	buf = (unsigned char *)readfile("pub.id", &n);
	snprintf(want, sizeof(want), "%.64s", buf ? (char *)buf : "");
	free(buf);

	buf = (unsigned char *)readfile("csr.pem", &n);
	ok(km_req_parse(buf, n, "csr.pem", &k, &iscsr, &e) == 0 &&
	    iscsr == 1, "req: PEM CSR");
	km_key_id(k, kid, &e);
	is_str(kid, want, "req: PEM CSR's key");
	km_key_free(k);
	free(buf);

	buf = (unsigned char *)readfile("csr.der", &n);
	ok(km_req_parse(buf, n, "csr.der", &k, &iscsr, &e) == 0 &&
	    iscsr == 1, "req: DER CSR");
	km_key_id(k, kid, &e);
	is_str(kid, want, "req: DER CSR's key");
	km_key_free(k);
	buf[n - 1] ^= 0x01;	/* the last byte of ECDSA s */
	ok(km_req_parse(buf, n, "bad.der", &k, &iscsr, &e) == -1 &&
	    k == NULL && e.eclass == KM_EDATA, "req: flipped signature");
	is_str(e.msg, "request 'bad.der': self-signature does not verify",
	    "req: says so");
	free(buf);

	buf = (unsigned char *)readfile("pub.pem", &n);
	ok(km_req_parse(buf, n, "pub.pem", &k, &iscsr, &e) == 0 &&
	    iscsr == 0, "req: PEM public key");
	km_key_id(k, kid, &e);
	is_str(kid, want, "req: PEM key");
	km_key_free(k);
	free(buf);
	buf = (unsigned char *)readfile("pub.der", &n);
	ok(km_req_parse(buf, n, "pub.der", &k, &iscsr, &e) == 0 &&
	    iscsr == 0, "req: DER public key");
	km_key_free(k);
	free(buf);

	ok(km_req_parse((const unsigned char *)"garbage\n", 8, "g", &k,
	    &iscsr, &e) == -1 && e.eclass == KM_EDATA, "req: garbage");
	is_str(e.msg, "request 'g': neither a CSR nor a public key",
	    "req: says so");
	ok(km_req_parse((const unsigned char *)"", 0, "e", &k, &iscsr, &e) ==
	    -1, "req: empty");
	buf = (unsigned char *)readfile("leaf.pem", &n);
	ok(km_req_parse(buf, n, "leaf.pem", &k, &iscsr, &e) == -1,
	    "req: a certificate is not a request");
	free(buf);
	buf = (unsigned char *)readfile("csrkey.pem", &n);
	ok(km_req_parse(buf, n, "csrkey.pem", &k, &iscsr, &e) == -1,
	    "req: a private key is not a request");
	free(buf);
	ok(ERR_peek_error() == 0, "req: error queue empty");
}

/* Writes the CRL, has openssl verify it against chain.pem, and its text
 * to name.txt. */
static int
crl_check(const unsigned char *der, size_t len, const char *name)
{
	char f[64];

	snprintf(f, sizeof(f), "%s.crl", name);
	writefile(f, der, len);
	run("openssl crl -inform DER -in %s/%s.crl -CAfile %s/chain.pem "
	    "-verify -noout > %s/%s.vfy 2>&1", dir, name, dir, dir, name);
	run("openssl crl -inform DER -in %s/%s.crl -text -noout > "
	    "%s/%s.txt 2>&1", dir, name, dir, name);
	snprintf(f, sizeof(f), "%s.vfy", name);
	return has(f, "verify OK");
}

static void
test_crl(void)
{
	struct km_crl_entry ent[6] = {
		{ "7F01", 0, KM_RS_KEY_COMPROMISE },
		{ "0A", 0, KM_RS_HOLD },
		{ "3c0ffee0", 0, KM_RS_SUPERSEDED },
		{ "1234567890ABCDEF1234567890ABCDEF12345678", 0,
		    KM_RS_CESSATION },
		{ "55", 0, -1 },
		{ "", 0, -1 },
	};
	struct km_err e;
	unsigned char *der;
	size_t len, tlen, i;
	char *pem, *t, *p1, *p2, *p3;

	for (i = 0; i < 5; i++)
		ent[i].at = now - 3600 * (time_t)(i + 1);
	ok(km_crl_make(issk, iss, 2024, now, now + 86400, ent, 5, &der, &len,
	    &e) == 0, "crl: made (%s)", e.msg);
	ok(crl_check(der, len, "x"), "crl: openssl crl -verify: verify OK");
	ok(has("x.txt", "Version 2"), "crl: v2");
	ok(has("x.txt", "X509v3 CRL Number: \n                2024"),
	    "crl: cRLNumber 2024");
	ok(has("x.txt", "X509v3 Authority Key Identifier"), "crl: AKI");
	ok(has("x.txt", "Serial Number: 7F01\n") && has("x.txt",
	    "Serial Number: 0A\n") && has("x.txt", "Serial Number: 3C0FFEE0")
	    && has("x.txt", "Serial Number: 1234567890ABCDEF1234567890ABCDEF"
	    "12345678") && has("x.txt", "Serial Number: 55\n"),
	    "crl: the five serials");
	ok(has("x.txt", "Key Compromise") && has("x.txt", "Certificate Hold")
	    && has("x.txt", "Superseded") && has("x.txt",
	    "Cessation Of Operation"), "crl: the four reasons");
	is(count("x.txt", "CRL Reason Code"), 4, "crl: no reason for one");
	t = readfile("x.txt", &tlen);
	p1 = t ? strstr(t, "Serial Number: 0A") : NULL;
	p2 = t ? strstr(t, "Serial Number: 55") : NULL;
	p3 = t ? strstr(t, "Serial Number: 7F01") : NULL;
	ok(p1 && p2 && p3 && p1 < p2 && p2 < p3, "crl: sorted by serial");
	p1 = t ? strstr(t, "Serial Number: 7F01") : NULL;
	ok(p1 && strstr(p1, "Key Compromise") != NULL &&
	    (p2 = strstr(p1, "Serial Number:")) != NULL &&
	    strstr(p1, "Key Compromise") < p2 + strlen(p2),
	    "crl: 7F01 keyCompromise");
	free(t);

	is(km_pem_encode("X509 CRL", der, len, &pem, &e), 0, "pem: encodes");
	ok(strncmp(pem, "-----BEGIN X509 CRL-----\n", 25) == 0,
	    "pem: the label");
	writefile("x.pem", pem, strlen(pem));
	is(run("openssl crl -in %s/x.pem -noout -CAfile %s/chain.pem -verify "
	    "2>/dev/null", dir, dir), 0, "pem: openssl reads it");
	free(pem);
	free(der);

	ok(km_crl_make(issk, iss, 1, now, now + 60, NULL, 0, &der, &len,
	    &e) == 0 && crl_check(der, len, "empty"), "crl: empty CRL");
	free(der);

	ok(km_crl_make(issk, iss, 1, now, now + 60, ent, 6, &der, &len,
	    &e) == -1 && e.eclass == KM_EDATA, "crl: empty serial (%s)",
	    e.msg);
	strcpy(ent[5].serial, "7f01");
	ok(km_crl_make(issk, iss, 1, now, now + 60, ent, 6, &der, &len,
	    &e) == -1 && e.eclass == KM_EDATA && strstr(e.msg, "twice"),
	    "crl: duplicate (%s)", e.msg);
	strcpy(ent[5].serial, "XYZ");
	ok(km_crl_make(issk, iss, 1, now, now + 60, ent, 6, &der, &len,
	    &e) == -1 && e.eclass == KM_EDATA, "crl: not hex (%s)", e.msg);
	strcpy(ent[5].serial, "66");
	ent[5].reason = 7;
	ok(km_crl_make(issk, iss, 1, now, now + 60, ent, 6, &der, &len,
	    &e) == -1 && e.eclass == KM_EDATA, "crl: reason 7 (%s)", e.msg);
	ok(km_crl_make(issk, iss, 1, now, now, ent, 5, &der, &len, &e) == -1
	    && e.eclass == KM_EDATA, "crl: nextUpdate = thisUpdate");
	ok(km_crl_make(rootk, iss, 1, now, now + 60, ent, 5, &der, &len,
	    &e) == -1, "crl: wrong key");
	ok(km_crl_make(leafk, leaf, 1, now, now + 60, ent, 5, &der, &len,
	    &e) == -1, "crl: leaf is not a CA");
	ok(ERR_peek_error() == 0, "crl: error queue empty");
}

static void
test_crl_big(void)
{
	enum { N = 100000 };
	struct km_crl_entry *ent;
	struct km_err e;
	struct timespec t0, t1;
	unsigned char *der, s[16];
	size_t len, i;
	double dt;

	if ((ent = calloc(N, sizeof(*ent))) == NULL)
		return;
	for (i = 0; i < N; i++) {
		km_serial_random(s, 16, ent[i].serial, &e);
		ent[i].at = now - (time_t)(i % 86400);
		ent[i].reason = i % 3 == 0 ? -1 : KM_RS_KEY_COMPROMISE;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ok(km_crl_make(issk, iss, 99, now, now + 86400, ent, N, &der, &len,
	    &e) == 0, "crl100k: made (%s)", e.msg);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	dt = (double)(t1.tv_sec - t0.tv_sec) +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("# 100000-entry CRL built, signed and encoded in %.3f s "
	    "(%zu bytes)\n", dt, len);
	ok(crl_check(der, len, "big"), "crl100k: openssl verify OK");
	is(count("big.txt", "Serial Number:"), N, "crl100k: 100000 entries");
	free(der);
	free(ent);
}

/* An issuing CA with key type t under root; checks the signature
 * algorithm openssl sees on what it signs. */
static void
test_issuer_type(int t, const char *alg)
{
	struct km_certreq r;
	struct km_err e;
	struct km_key *k, *lk;
	struct km_cert *ca, *c;
	struct km_crl_entry ent = { "01", 0, KM_RS_SUPERSEDED };
	unsigned char *der;
	size_t len;
	char hex[KM_SERIALSZ];
	const char *name = km_keytype_name(t);

	k = genkey(t);
	lk = genkey(KM_KEY_EC256);
	req_init(&r, k, name, hex);
	r.ca = 1;
	r.pathlen = 0;
	r.ku = KM_KU_KEY_CERT_SIGN | KM_KU_CRL_SIGN;
	ca = make(&r, rootk, root, name);
	req_init(&r, lk, "leaf", hex);
	r.ku = KM_KU_DIGITAL_SIGNATURE;
	r.eku = KM_EKU_CLIENT_AUTH;
	c = make(&r, k, ca, "leaf");
	if (ca == NULL || c == NULL)
		return;
	putpem(ca, "t-ca.pem");
	putpem(c, "t-leaf.pem");
	is(run("openssl verify -x509_strict -CAfile %s/root.pem -untrusted "
	    "%s/t-ca.pem %s/t-leaf.pem >/dev/null 2>&1", dir, dir, dir), 0,
	    "%s: openssl verify OK", name);
	run("openssl x509 -noout -text -in %s/t-leaf.pem > %s/t-leaf.txt",
	    dir, dir);
	ok(has("t-leaf.txt", alg), "%s: signed with %s", name, alg);
	is(km_cert_verify(c, &root, 1, &ca, 1, 0, &e), 0,
	    "%s: km_cert_verify good", name);
	ent.at = now;
	ok(km_crl_make(k, ca, 5, now, now + 3600, &ent, 1, &der, &len,
	    &e) == 0, "%s: CRL", name);
	writefile("t.crl", der, len);
	free(der);
	run("cat %s/root.pem %s/t-ca.pem > %s/t-chain.pem", dir, dir, dir);
	is(run("openssl crl -inform DER -in %s/t.crl -CAfile %s/t-chain.pem "
	    "-verify -noout 2>/dev/null", dir, dir), 0,
	    "%s: CRL verifies", name);
	run("openssl crl -inform DER -in %s/t.crl -text -noout > %s/t.txt",
	    dir, dir);
	ok(has("t.txt", alg), "%s: CRL signed with %s", name, alg);
	km_cert_free(c);
	km_cert_free(ca);
	km_key_free(k);
	km_key_free(lk);
}

int
main(void)
{
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	if (freopen("/dev/null", "r", stdin) == NULL)
		return 1;
	now = time(NULL);
	test_names();
	test_serial();
	test_chain();
	test_verify();
	test_refusals();
	test_ocsp_cert();
	test_req();
	test_crl();
	test_crl_big();
	test_issuer_type(KM_KEY_RSA3072, "sha256WithRSAEncryption");
	test_issuer_type(KM_KEY_EC384, "ecdsa-with-SHA384");
	km_cert_free(leaf);
	km_cert_free(iss);
	km_cert_free(root);
	km_key_free(leafk);
	km_key_free(issk);
	km_key_free(rootk);
	run("rm -rf %s", dir);
	return done();
}
